"""Processes killed (SIGKILL) in the middle of their work: the task worker during a bulk
import and a background export, the web process during a streamed download. Nothing
half-written is left or served, the pages say where things stand, and the work can be
resumed to the end.

The worker is the real `manage.py db_worker` and the web process gunicorn, in subprocesses
on the test database, as in production; the tests kill them while they work and start new
ones.
"""

import hashlib
import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import factories
import psutil
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from annotator.annotations.kinds import ATTRIBUTION
from annotator.articles.models import (
    Article,
    BatchStatus,
    ImportBatch,
    ImportItem,
    ItemStatus,
    SourceFile,
)
from annotator.exports.models import ExportJob, JobStatus
from annotator.exports.records import Selection
from annotator.exports.streams import export_stream

ROOT = Path(__file__).resolve().parent.parent
FILES = 30  # enough that the worker is still busy when it is killed
EXPORT_ARTICLES = 3000  # enough that the export is still running when it is killed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = _free_port()  # not a fixed one: another suite or server on this machine may hold it
# Plain prose: the suggesters (which the worker runs on each imported article) find little.
WORDS = str.split(
    "the covered market in the old town sold bread fruit and olive oil to families from "
    "the villages along the river and the stalls stayed open late into the evening"
)


def article_text(n: int) -> str:
    body = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(300))
    return f"Market report number {n}\n\n{body} ({n})."


def worker_env(**extra) -> dict:
    """The environment of a worker that works on this test's database."""
    env = {**os.environ, "DEV_DATABASE_NAME": connection.settings_dict["NAME"], **extra}
    if env.get("DATABASE_URL"):
        url = urlsplit(env["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + env["DEV_DATABASE_NAME"]))
    return env


def start_worker(env, *options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
         "--interval", "0.1", *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def kill_when(worker: subprocess.Popen, ready, timeout=90) -> None:
    """SIGKILL the worker as soon as ready() is true (polled), as a crash or the OOM
    killer would: no clean-up code of the worker runs."""
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker did not get there in time"
            time.sleep(0.01)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()


def run_worker_to_the_end(env, timeout=180) -> None:
    """A new worker that does every queued task, then exits (`--batch`)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
         "--batch"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def many_articles(project) -> None:
    Article.objects.bulk_create(
        Article(
            project=project,
            title=f"Market report number {n}",
            text=article_text(n),
            text_sha256=hashlib.sha256(article_text(n).encode()).hexdigest(),
            language="en",
        )
        for n in range(EXPORT_ARTICLES)
    )


@pytest.fixture
def newsroom(transactional_db, team):
    """The team's project; the data is committed, so a worker process sees it."""
    return team.project


@pytest.fixture
def owner(newsroom, team, login):
    """The project owner's client."""
    return login(team["owner"])


@pytest.fixture
def wire_report(newsroom):
    """One annotated article from an outlet, so the exports carry spans, links and sources."""
    wire = factories.source(newsroom, "Meridian Wire", grade="B")
    report = factories.article(
        newsroom,
        "Foreign troops withdrew from the Tal Safra base on Tuesday, "
        "two local officials told Meridian Wire.",
        outlet=wire,
    )
    claim = factories.span(report, "Foreign troops withdrew from the Tal Safra base on Tuesday")
    said = factories.span(report, "two local officials told Meridian Wire", ATTRIBUTION)
    factories.link(said, claim)
    return report


def test_worker_killed_mid_import_leaves_whole_articles_and_the_batch_resumes(owner, newsroom):
    files = {f"report-{n:02}.txt": article_text(n).encode() for n in range(FILES)}
    before = set(Article.objects.filter(project=newsroom).values_list("pk", flat=True))
    response = owner.post(
        reverse("articles:upload", args=[newsroom.slug]),
        {"files": [SimpleUploadedFile(name, data) for name, data in files.items()]},
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    items = ImportItem.objects.filter(batch=batch)
    env = worker_env()

    kill_when(start_worker(env), lambda: items.filter(status=ItemStatus.IMPORTED).count() >= 2)

    # After the crash: every article is whole (text and original bytes, committed together),
    # each imported file has its article, and the files left still have their bytes.
    imported = items.filter(status=ItemStatus.IMPORTED)
    pending = items.filter(status=ItemStatus.PENDING)
    done, left = imported.count(), pending.count()
    assert done >= 2 and left > 0 and done + left == FILES
    new = Article.objects.filter(project=newsroom).exclude(pk__in=before)
    assert set(new.values_list("pk", flat=True)) == set(imported.values_list("article", flat=True))
    for item in imported.select_related("article__source_file"):
        original = item.article.source_file
        assert original.name == item.name
        assert original.sha256 == hashlib.sha256(files[item.name]).hexdigest()
        assert item.article.text == article_text(int(item.name[7:9]))
    assert all(item.source_file_id for item in pending.all())
    waiting_bytes = SourceFile.objects.filter(project=newsroom, article__isnull=True)
    assert waiting_bytes.count() == left

    # The batch page shows which files were done and which wait.
    page = owner.get(reverse("articles:batch", args=[newsroom.slug, batch.pk])).content.decode()
    assert page.count("result-badge-imported") == done
    assert page.count("result-badge-pending") == left
    assert f"{done} imported" in page and "Resume import" not in page  # not stalled yet

    # Two minutes without progress later, it offers to resume; resuming finishes the batch.
    batch.heartbeat_at = timezone.now() - timedelta(minutes=3)
    batch.save(update_fields=["heartbeat_at"])
    page = owner.get(reverse("articles:batch", args=[newsroom.slug, batch.pk])).content.decode()
    assert "Nothing has moved for a while" in page and "Resume import" in page
    response = owner.post(reverse("articles:resume", args=[newsroom.slug, batch.pk]))
    assert response.status_code == 302
    run_worker_to_the_end(env)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert imported.count() == FILES and not pending.exists()
    texts = Article.objects.filter(project=newsroom).exclude(pk__in=before).values_list("text")
    assert sorted(text for (text,) in texts) == sorted(article_text(n) for n in range(FILES))
    assert not SourceFile.objects.filter(project=newsroom, article__isnull=True).exists()
    page = owner.get(reverse("articles:batch", args=[newsroom.slug, batch.pk])).content.decode()
    assert f"Done: {FILES} of {FILES} files" in " ".join(page.split())
    assert page.count("result-badge-imported") == FILES


def test_worker_killed_mid_export_serves_nothing_and_the_export_starts_again(
    owner, newsroom, wire_report, tmp_path, monkeypatch
):
    many_articles(newsroom)
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    env = worker_env(EXPORT_DIR=str(tmp_path))
    jobs_url = reverse("exports:jobs", args=[newsroom.slug])
    download_url = reverse("exports:download", args=[newsroom.slug])
    owner.post(jobs_url, {"formats": ["jsonl", "w3c", "csv", "brat"], "annotations": "all"})
    job = ExportJob.objects.get()

    def half_way():
        job.refresh_from_db()
        return job.status == JobStatus.RUNNING and 0 < job.done < job.total / 2

    kill_when(start_worker(env), half_way)

    # Nothing is served for it: only a .part file was written, and the job is not done.
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not job.path
    assert owner.get(download_url, {"job": job.pk}).status_code == 404
    assert not [p for p in tmp_path.iterdir() if not p.name.endswith(".part")]
    html = owner.get(jobs_url).content.decode()
    assert "Stopped" not in html and "every 2s" in html  # still believed to be running

    # Two minutes without progress later: shown as stopped, no more polling, start again.
    job.heartbeat_at = timezone.now() - timedelta(minutes=3)
    job.save(update_fields=["heartbeat_at"])
    html = owner.get(jobs_url).content.decode()
    assert "Stopped: no progress since" in html and "every 2s" not in html
    assert f'name="restart" value="{job.pk}"' in html
    response = owner.post(jobs_url, {"restart": job.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "started again" in job.error
    new = ExportJob.objects.exclude(pk=job.pk).get()
    assert (new.status, new.format, new.bundle_formats, new.include_all) == (
        JobStatus.QUEUED, "zip", ["jsonl", "w3c", "csv", "brat"], True,
    )  # fmt: skip
    assert not list(tmp_path.glob(f"{job.pk}-*"))  # the half-written file is gone
    # Starting it again twice makes no second copy.
    owner.post(jobs_url, {"restart": job.pk})
    assert ExportJob.objects.count() == 2

    run_worker_to_the_end(env)
    new.refresh_from_db()
    assert new.status == JobStatus.DONE and new.done == new.total
    response = owner.get(download_url, {"job": new.pk})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as bundle:
        assert bundle.testzip() is None
        jsonl = bundle.read("articles.jsonl")
    expected = b"".join(export_stream(Selection(newsroom, include_all=True), "jsonl").chunks)
    assert jsonl == expected
    assert owner.get(download_url, {"job": job.pk}).status_code == 404


def test_web_process_killed_mid_download_gives_an_incomplete_not_a_short_file(
    newsroom, wire_report, team
):
    """The streamed download is chunked: when the app process dies half-way the browser
    sees a broken download, not a shorter file that looks whole."""
    many_articles(newsroom)
    session = SessionStore()
    user = team["reviewer"]
    session.update(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
    )
    session.create()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "annotator.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", "1", "--log-level", "warning"],
        cwd=ROOT, env=worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    path = reverse("exports:download", args=[newsroom.slug]) + "?formats=jsonl&annotations=all"
    headers = {"Cookie": f"sessionid={session.session_key}"}
    try:
        app = wait_for_worker_process(server)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
        assert response.read(1000).startswith(b'{"')
        app.send_signal(signal.SIGKILL)
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        conn.close()

        # The next process gunicorn starts serves the whole file.
        wait_for_worker_process(server, not_pid=app.pid)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        conn.request("GET", path, headers=headers)
        whole = conn.getresponse().read()
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    expected = b"".join(export_stream(Selection(newsroom, include_all=True), "jsonl").chunks)
    assert whole == expected


def wait_for_worker_process(server, not_pid=None, timeout=60) -> psutil.Process:
    """gunicorn's worker process once it answers requests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        children = [p for p in psutil.Process(server.pid).children() if p.pid != not_pid]
        if children:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
                conn.request("GET", "/login/")
                conn.getresponse().read()
                return children[0]
            except OSError:
                pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start")
