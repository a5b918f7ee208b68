"""The embedded PostgreSQL helper, exercised on a data directory of its own.

Each step runs in a fresh Python process, as `make run` and the tests do: the server
starts with the first process that attaches and stops with the last one to exit.
"""

import json
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from annotator import devdb

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir():
    # Inside the project, like .pgdata: as root the package opens the parents' permissions.
    path = PROJECT_DIR / f".pgdata-test-{uuid.uuid4().hex[:8]}"
    yield path
    devdb.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def run(data_dir, body):
    script = textwrap.dedent(
        f"""
        import psycopg
        from annotator import devdb
        params = devdb.start({str(data_dir)!r})
        devdb.ensure_database(params, "scratch")
        conn = psycopg.connect(dbname="scratch", autocommit=True, **params)
        """
    ) + textwrap.dedent(body)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_start_stop_restart_keeps_data(data_dir):
    run(
        data_dir,
        "conn.execute('CREATE TABLE note (body text)');"
        "conn.execute(\"INSERT INTO note VALUES ('kept')\")",
    )
    assert not devdb.is_running(data_dir), "the last process to exit stops the server"
    assert run(data_dir, "print(conn.execute('SELECT body FROM note').fetchone()[0])") == "kept"
    assert not devdb.is_running(data_dir)


def test_second_start_while_running_reuses_the_server(data_dir):
    devdb.start(data_dir)  # this test process attaches first
    first_pid = devdb._postmaster_pid(data_dir)
    pid_seen = run(data_dir, "print(conn.execute('SELECT pg_postmaster_start_time()').fetchone())")
    assert devdb._postmaster_pid(data_dir) == first_pid
    assert pid_seen
    assert devdb.is_running(data_dir), "another process still attached: server keeps running"


def test_pids_of_killed_processes_are_pruned(data_dir):
    run(data_dir, "pass")
    handles = data_dir / ".handle_pids.json"
    handles.write_text(json.dumps([2**22 + 12345]))  # a pid that does not exist
    run(data_dir, "pass")
    assert json.loads(handles.read_text()) == []
    assert not devdb.is_running(data_dir), "a dead pid must not keep the server alive"


def test_corrupt_data_directory_gives_a_clear_message(data_dir):
    data_dir.mkdir()
    (data_dir / "base").mkdir()  # cluster files without PG_VERSION
    with pytest.raises(devdb.DevDatabaseError, match="looks corrupt"):
        devdb.start(data_dir)


def test_cluster_of_another_version_gives_a_clear_message(data_dir):
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text("15\n")
    with pytest.raises(devdb.DevDatabaseError, match="PostgreSQL 15 cluster"):
        devdb.start(data_dir)
