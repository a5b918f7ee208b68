"""The task worker's database process yields the CPU to page requests, as the worker does,
when PostgreSQL runs on this machine and the system lets it (the embedded database)."""

import os
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.signals import connection_created

from annotator.background import NICENESS, _database_process_yields


def niceness(pid: int) -> int:
    # /proc/<pid>/stat: the 19th field, after the command in parentheses.
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.django_db
def test_a_worker_connection_lowers_its_postgresql_process_priority():
    own = connections.create_connection("default")
    connection_created.connect(_database_process_yields, dispatch_uid="test_background")
    try:
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
    finally:
        connection_created.disconnect(dispatch_uid="test_background")
    try:
        # Only root, or PostgreSQL's own user, may lower its priority: otherwise it keeps it
        # and the worker goes on.
        allowed = os.geteuid() in (0, Path(f"/proc/{pid}/status").stat().st_uid)
        assert niceness(pid) == (NICENESS if allowed else 0)
    finally:
        own.close()
