import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import factories
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from hypothesis import HealthCheck, settings
from playwright.sync_api import sync_playwright

from annotator.accounts.services import api_token_create
from annotator.articles.models import ImportBatch
from annotator.demo.data import DEMO_SLUG, demo_load
from annotator.projects.models import Membership, Project, Role

# Hypothesis profiles for every property test, loaded here so that each test module's
# @settings builds on them. "ci" (CI=true) and "dev" are derandomized: the same examples on
# every run, so a failure is never a matter of luck; HYPOTHESIS_PROFILE=thorough runs 1000
# new random examples per property to look for more.
_HYPOTHESIS = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    # A loaded machine must not fail a property: timing is not what these test.
    "suppress_health_check": [HealthCheck.too_slow],
}
settings.register_profile("ci", max_examples=50, derandomize=True, **_HYPOTHESIS)
settings.register_profile("dev", max_examples=30, derandomize=True, **_HYPOTHESIS)
settings.register_profile("thorough", max_examples=1000, **_HYPOTHESIS)
_IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _IN_CI else "dev"))

TEAM_ROLES = {
    "owner": Role.OWNER,
    "reviewer": Role.REVIEWER,
    "annotator": Role.ANNOTATOR,
    "annotator2": Role.ANNOTATOR,
}


@dataclass
class Team:
    """A project with an owner, a reviewer and two annotators (users named after their
    roles): team["reviewer"] is a user, team.project the project."""

    project: Project
    users: dict

    def __getitem__(self, name):
        return self.users[name]

    @property
    def slug(self) -> str:
        return self.project.slug


@pytest.fixture
def team(db):
    newsroom = factories.project(name="The Newsroom", slug="newsroom")
    users = {name: factories.member(newsroom, role, name) for name, role in TEAM_ROLES.items()}
    return Team(newsroom, users)


@pytest.fixture
def api_as(client):
    """api_as(user) -> call(method, path, json=None): the JSON API with the user's token."""
    keys = {}

    def make(user):
        if user.pk not in keys:
            keys[user.pk] = api_token_create(user=user, name="tests")[1]

        def call(method, path, json=None):
            return getattr(client, method)(
                path,
                data=json,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {keys[user.pk]}",
            )

        return call

    return make


@pytest.fixture
def run_worker(monkeypatch, django_capture_on_commit_callbacks):
    """upload(client, slug, files, **fields) -> batch, with its import run by `db_worker`.

    The worker runs in this process and inside the test's transaction; it must not close
    the test's database connection between tasks, which it does in production.
    """
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def upload(client, slug, files, run=True, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("articles:upload", args=[slug]), {"files": files, **fields}
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        batch = ImportBatch.objects.latest("pk")
        if run:
            call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
            batch.refresh_from_db()
        return batch

    return upload


@pytest.fixture
def demo(db):
    """The demo project (users, sources, event, four annotated articles)."""
    demo_load()
    return Project.objects.get(slug=DEMO_SLUG)


@pytest.fixture
def demo_users(demo):
    User = get_user_model()
    return {user.username: user for user in User.objects.filter(memberships__project=demo)}


@pytest.fixture
def outsider(db):
    """A user who owns another project and has no role in the demo project."""
    user = get_user_model().objects.create_user("outsider", password="pw-outsider")
    other = Project.objects.create(name="Other newsroom", slug="other")
    Membership.objects.create(project=other, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def login():
    """login(user) -> a test client logged in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Browser tests: real headless Chromium through Playwright -------------------------

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's chromium or set CHROMIUM=/path.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield chromium
            chromium.close()
    finally:  # not for the subprocesses other tests start
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def artifacts():
    """Where browser tests save screenshots (git-ignored; CI keeps them as artifacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def live_demo(transactional_db, live_server):
    demo_load()
    return live_server


def _logged_in(browser, base_url, username, password, viewport, contexts, problems):
    """A new browser context's page, logged in through the login form; its JS errors and
    CSP violations collected in `problems` (the fixtures fail the test on any)."""
    context = browser.new_context(base_url=base_url, **({"viewport": viewport} if viewport else {}))
    contexts.append(context)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


@pytest.fixture
def page_as(browser, live_demo, settings):
    """page_as(username) -> a Playwright page logged in as that demo user. Fails the test
    on any JavaScript error or CSP violation."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    contexts, problems = [], []

    def make(username):
        viewport = {"width": 1400, "height": 1000}
        return _logged_in(browser, live_demo.url, username, "demo", viewport, contexts, problems)

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def drag_select():
    """drag_select(page, phrase, occurrence=0): select text with the mouse."""
    return _drag_select


def _drag_select(page, phrase: str, occurrence: int = 0) -> None:
    """Select `phrase` in the article text as a user does: press the mouse on its first
    character and release it on its last (right-to-left text runs the other way)."""
    points = page.evaluate(
        """([phrase, occurrence]) => {
          const box = document.getElementById('article-text');
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          const nodes = []; let text = '', node;
          while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
          let index = -1;
          for (let i = 0; i <= occurrence; i++) index = text.indexOf(phrase, index + 1);
          if (index < 0) throw new Error('phrase not in text: ' + phrase);
          const rect = (offset) => {
            for (const [n, base] of nodes) if (offset < base + n.data.length) {
              const r = document.createRange();
              r.setStart(n, offset - base);
              r.setEnd(n, offset - base + 1);
              return r.getClientRects()[0];
            }
          };
          const first = rect(index), last = rect(index + phrase.length - 1);
          const rtl = /[\\u0590-\\u08FF]/.test(phrase);
          return {x1: rtl ? first.right - 1 : first.left + 1, y1: (first.top + first.bottom) / 2,
                  x2: rtl ? last.left + 1 : last.right - 1, y2: (last.top + last.bottom) / 2};
        }""",
        [phrase, occurrence],
    )
    page.mouse.move(points["x1"], points["y1"])
    page.mouse.down()
    page.mouse.move(points["x2"], points["y2"], steps=10)
    page.mouse.up()


@pytest.fixture
def live_pages(browser, live_server):
    """live_pages(user, viewport=None) -> a Chromium page on the live server, logged in
    through the login form as a factories user. Fails the test on any JavaScript error or
    CSP violation."""
    contexts, problems = [], []

    def make(user, viewport=None):
        return _logged_in(
            browser,
            live_server.url,
            user.username,
            factories.PASSWORD,
            viewport,
            contexts,
            problems,
        )

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems
