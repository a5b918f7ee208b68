"""The task worker's work is background work: imports, the suggesters, claim matching's
embeddings, the search index. On a machine it shares with gunicorn (and PostgreSQL), a
person waiting on a page comes first, so the worker lowers its own priority (niceness 10)
and, when the database runs on the same machine and the system lets it, that of the
PostgreSQL process serving it: computing search vectors is PostgreSQL's CPU, not Python's.
"""

import os
from pathlib import Path

from django.db.backends.signals import connection_created

NICENESS = 10


def background_priority_set() -> None:
    """Lower this process's priority, and that of each database connection it opens. Once:
    the worker's autoreloader starts it again in a child, which inherits the niceness."""
    os.nice(max(0, NICENESS - os.nice(0)))
    connection_created.connect(_database_process_yields, dispatch_uid="background_priority")


def _database_process_yields(sender, connection, **kwargs) -> None:
    host = connection.settings_dict.get("HOST") or ""
    if connection.vendor != "postgresql" or not (host == "" or host.startswith("/")):
        return  # a database elsewhere: its process ids are not ours to touch
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return
        os.setpriority(os.PRIO_PROCESS, pid, NICENESS)
    except OSError:
        pass  # another user's process (a packaged PostgreSQL): it keeps its priority
