"""Faults: the database going away under a running server, two people saving the same
annotation at once, and uploads that cannot be written to disk."""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import quote

import factories
import pghistory.models
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from annotator import devdb, health
from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import ATTRIBUTION, CLAIM
from annotator.annotations.models import Annotation
from annotator.articles.models import ImportBatch, SourceFile

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = _free_port()  # not a fixed one: another suite or server on this machine may hold it
BASE = f"http://127.0.0.1:{PORT}"

# --- The database restarts under a running server -------------------------------------

HOLDER = """
import json, sys
from annotator import devdb, health
params = devdb.start(sys.argv[1])
devdb.ensure_database(params, "annotator_fault")
print(json.dumps(params), flush=True)
sys.stdin.read()  # attached until the test closes stdin or terminates this process
"""

# Run by `manage.py shell` in the fault database: a project with its owner, whose API key
# is printed last.
SLUG = "newsroom"
SEED = f"""
import sys
sys.path.insert(0, "tests")
import factories
from annotator.accounts.services import api_token_create
owner = factories.user("owner")
factories.project("The Newsroom", slug="{SLUG}", owner=owner)
print(api_token_create(user=owner, name="t")[1])
"""


class Database:
    """An embedded PostgreSQL in a data directory of its own, kept running by a helper
    process (the server stops when its last attached process exits)."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.holder = None
        self.params = None

    def start(self) -> dict:
        self.holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(self.data_dir)],
            cwd=PROJECT_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.params = json.loads(self.holder.stdout.readline())
        return self.params

    def stop(self) -> None:
        self.holder.terminate()  # exits through atexit: the server is stopped
        self.holder.wait(timeout=60)
        deadline = time.monotonic() + 30
        while devdb.is_running(self.data_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not devdb.is_running(self.data_dir)

    def url(self) -> str:
        host = quote(self.params["host"], safe="")
        return f"postgres://{self.params['user']}@{host}:{self.params['port']}/annotator_fault"


@pytest.fixture
def database():
    data_dir = PROJECT_DIR / f".pgdata-fault-{uuid.uuid4().hex[:8]}"
    db = Database(data_dir)
    yield db
    if db.holder and db.holder.poll() is None:
        db.stop()
    devdb.stop(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Browser:
    """Just enough of a browser: cookies, CSRF token, status and body of every answer."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(BASE + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:  # noqa: S310 (our server)
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def csrf(self, path) -> str:
        _, page, _ = self.open(path)
        return page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    def log_in(self, username):
        token = self.csrf("/login/")
        status, page, _ = self.open(
            "/login/",
            {"username": username, "password": factories.PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert status == 200 and "Log out" in page


def wait_for(url, status, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                if response.status == status:
                    return
        except urllib.error.HTTPError as error:
            if error.code == status:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer {status} within {seconds} s")


def test_database_restart_gives_try_again_pages_and_the_app_recovers_by_itself(database):
    database.start()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEV_DATABASE_NAME"},
        "DATABASE_URL": database.url(),
        "DEBUG": "1",  # the strictest case: DEBUG would show a traceback page
        "LOG_LEVEL": "CRITICAL",
    }
    manage(env, "migrate", "--noinput", "-v", "0")
    key = manage(env, "shell", "-c", SEED).split()[-1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "annotator.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", "1", "--threads", "2", "--log-level", "critical"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(BASE + "/healthz", 200)
        browser = Browser()
        browser.log_in("owner")
        api = {"Authorization": f"Bearer {key}"}
        project = f"/p/{SLUG}/"
        events = f"/p/{SLUG}/events/"
        assert browser.open(project)[0] == 200
        assert browser.open(f"/api/projects/{SLUG}/events/", headers=api)[0] == 200
        token = browser.csrf(events)

        database.stop()
        for path, data, headers in [
            (project, None, {}),
            (events, {"title": "Lost in the outage", "csrfmiddlewaretoken": token}, {}),
            (project, None, {"HX-Request": "true"}),
        ]:
            status, page, response_headers = browser.open(path, data, headers)
            assert status == 503, (path, status, page[:500])
            assert "The database is not available" in page and "try again" in page
            assert "Traceback" not in page and "psycopg" not in page
            assert response_headers.get("Retry-After")
        status, body, _ = browser.open(f"/api/projects/{SLUG}/events/", headers=api)
        assert status == 503 and "try again" in json.loads(body)["detail"]
        status, body, _ = browser.open("/healthz")
        assert status == 503 and json.loads(body)["status"] == "unavailable"

        database.start()
        wait_for(BASE + "/healthz", 200, seconds=30)
        assert browser.open(project)[0] == 200  # the same session: nothing was lost
        status, page, _ = browser.open(
            events, {"title": "After the outage", "csrfmiddlewaretoken": token}
        )
        assert status == 200 and "After the outage" in page
        status, body, _ = browser.open(f"/api/projects/{SLUG}/events/", headers=api)
        titles = [event["title"] for event in json.loads(body)]
        assert status == 200 and "After the outage" in titles
        assert "Lost in the outage" not in titles
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# --- Two people save the same annotation at once --------------------------------------


WIRE_TEXT = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel, "
    "according to the officials."
)


@pytest.fixture
def wire(team):
    """A Meridian Wire report with four spans marked by the annotator."""
    report = factories.article(
        team.project, WIRE_TEXT, outlet=factories.source(team.project, "Meridian Wire")
    )
    for kind, words in [
        (CLAIM, "Foreign troops withdrew from the Tal Safra base on Tuesday"),
        (ATTRIBUTION, "two local officials told Meridian Wire"),
        (CLAIM, "The base lies 3 km west of Qarmal airport"),
        (ATTRIBUTION, "according to the officials"),
    ]:
        factories.span(report, words, kind, by=team["annotator"])
    return report


@pytest.fixture
def shared_wire(transactional_db, wire):
    """The report, committed, so that requests in other threads see it."""
    return wire


def at_once(annotation, *calls):
    """Run the calls in threads so that they really overlap: a third thread holds the
    annotation's row lock until every call is waiting for it inside the save, then lets go.
    Returns the calls' results in order."""
    release, locked = threading.Event(), threading.Event()
    results = [None] * len(calls)

    def hold_lock():
        with transaction.atomic():
            Annotation.objects.select_for_update().get(pk=annotation.pk)
            locked.set()
            release.wait(timeout=60)

    def run(index, call):
        results[index] = call()

    def in_thread(target, *args):
        def body():
            try:
                target(*args)
            finally:
                connection.close()  # each thread has its own connection

        thread = threading.Thread(target=body)
        thread.start()
        return thread

    holder = in_thread(hold_lock)
    assert locked.wait(timeout=30)
    threads = [in_thread(run, i, call) for i, call in enumerate(calls)]
    deadline = time.monotonic() + 30
    while waiting_for_locks() < len(calls) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_for_locks() == len(calls), "the saves did not overlap"
    release.set()
    for thread in [holder, *threads]:
        thread.join(timeout=60)
    return results


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def updates_of(annotation):
    events = pghistory.models.Events.objects.tracks(annotation)
    return [e for e in events if e.pgh_label == "update"]


def test_two_saves_of_one_annotation_in_the_workspace_one_wins(shared_wire, team):
    for round_number in range(3):
        annotation = Annotation.objects.filter(article=shared_wire).order_by("pk")[round_number]
        before = len(updates_of(annotation))
        url = reverse("workspace:save", args=[team.slug, annotation.pk])
        clients = {}
        for name in ("reviewer", "owner"):
            clients[name] = Client()
            clients[name].force_login(team[name])

        def save(name, annotation=annotation, url=url, clients=clients):
            return clients[name].post(
                url,
                {"version": annotation.version, "kind": annotation.kind, "note": f"by {name}"},
                HTTP_HX_REQUEST="true",
            )

        first, second = at_once(annotation, lambda: save("reviewer"), lambda: save("owner"))
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        winner = "reviewer" if first.status_code == 200 else "owner"
        loser_page = (second if first.status_code == 200 else first).content.decode()
        assert f"by {winner}" in loser_page  # the conflict shows what was saved meanwhile
        annotation.refresh_from_db()
        assert annotation.note == f"by {winner}"
        assert len(updates_of(annotation)) == before + 1


def test_two_api_updates_of_one_annotation_one_gets_409(shared_wire, team):
    annotation = Annotation.objects.filter(article=shared_wire).order_by("pk").last()
    before = len(updates_of(annotation))
    keys = {n: api_token_create(user=team[n], name="t")[1] for n in ("reviewer", "owner")}
    path = f"/api/projects/{team.slug}/annotations/{annotation.pk}/"

    def patch(name):
        return Client().patch(
            path,
            data=json.dumps({"version": annotation.version, "note": f"api {name}"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {keys[name]}",
        )

    first, second = at_once(annotation, lambda: patch("reviewer"), lambda: patch("owner"))
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    won, lost = (first, second) if first.status_code == 200 else (second, first)
    assert lost.json()["current"]["note"] == won.json()["note"]
    assert lost.json()["current"]["version"] == annotation.version + 1
    assert len(updates_of(annotation)) == before + 1


# --- Uploads that cannot be written -----------------------------------------------------


@pytest.fixture
def big_upload():
    """An upload over FILE_UPLOAD_MAX_MEMORY_SIZE, so Django writes it to a temporary file."""

    def make():
        line = "A long article line about the convoy that left the base at dawn.\n"
        return SimpleUploadedFile("long.txt", (line * 60_000).encode())  # 3.9 MB

    return make


def assert_nothing_stored(project):
    assert not ImportBatch.objects.filter(project=project).exists()
    assert not SourceFile.objects.filter(project=project).exists()


def test_unwritable_upload_folder_gives_a_clear_message_and_stores_nothing(
    login, team, settings, tmp_path, big_upload
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "not-there")
    owner = login(team["owner"])
    page = owner.post(reverse("articles:upload", args=[team.slug]), {"files": [big_upload()]})
    assert page.status_code == 503
    text = page.content.decode()
    assert "The upload could not be stored" in text and "Nothing was saved" in text
    assert "cannot be written" in text
    key = api_token_create(user=team["owner"], name="t")[1]
    api = Client().post(
        f"/api/projects/{team.slug}/article-imports/files/",
        {"files": [big_upload()]},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert api.status_code == 503 and "Nothing was saved" in api.json()["detail"]
    assert_nothing_stored(team.project)


def test_full_disk_gives_a_clear_message_and_leaves_no_partial_file(
    login, team, settings, tmp_path, big_upload
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    owner = login(team["owner"])
    upload = big_upload()
    # A file-size limit makes writes past 1 MB fail as on a full disk (EFBIG, like ENOSPC).
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, hard))
    try:
        page = owner.post(reverse("articles:upload", args=[team.slug]), {"files": [upload]})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert page.status_code == 507
    text = page.content.decode()
    assert "disk is full" in text and "Nothing was saved" in text
    assert list(tmp_path.iterdir()) == []  # the half-written temporary file is gone
    assert_nothing_stored(team.project)
    # Once there is room again, the same upload goes through.
    again = owner.post(reverse("articles:upload", args=[team.slug]), {"files": [big_upload()]})
    assert again.status_code == 302


# --- What a person sees when a click fails -----------------------------------------------


@pytest.mark.browser
def test_a_click_during_an_outage_says_so_on_the_page(browser, live_server, wire, artifacts):
    """htmx does not swap a 503: the page shows the server's message in a banner instead,
    and takes it away once a request succeeds again."""
    outage = health.database_unavailable(RequestFactory().get("/"), OperationalError("down"))
    slug = wire.project.slug
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1300, "height": 800})
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", "owner")
        page.fill("#id_password", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"/p/{slug}/articles/{wire.pk}/")
        failing = f"**/p/{slug}/annotations/*/"

        def fail(route):
            route.fulfill(status=503, body=outage.content, headers=dict(outage.items()))

        page.route(failing, fail)
        page.locator("#article-text mark").first.click()
        banner = page.locator("#request-problem")
        expect(banner).to_contain_text("The database is not answering")
        expect(banner).to_contain_text("try again shortly")
        page.screenshot(path=artifacts / "outage-banner.png")
        page.unroute(failing)
        page.locator("#article-text mark").first.click()
        expect(banner).to_have_count(0)
    finally:
        context.close()
