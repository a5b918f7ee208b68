"""annotator/health.py: /healthz and `manage.py healthcheck`, and text the database cannot
store refused at the door (NUL characters, half surrogate pairs) with a clear answer."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.urls import reverse

from annotator.accounts.services import api_token_create
from annotator.events.models import Event

PROJECT_DIR = Path(__file__).resolve().parent.parent


def owner_auth(team) -> dict:
    """Headers with a fresh API token of the team's owner."""
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=team['owner'], name='t')[1]}"}


def test_healthz_needs_no_login_and_is_never_cached(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthcheck_command_passes_with_a_migrated_database(db):
    out = io.StringIO()
    call_command("healthcheck", stdout=out)
    assert "ok: database reachable, migrations applied" in out.getvalue()


def test_healthcheck_command_fails_clearly_without_a_database(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@{str(tmp_path).replace('/', '%2F')}:5432/none",
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "healthcheck"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "database: not reachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_text_the_database_cannot_store_is_refused_on_pages(login, team):
    owner = login(team["owner"])
    page = owner.post(reverse("events:list", args=[team.slug]), {"title": "Strike\x00"})
    assert page.status_code == 400
    assert "NUL character" in page.content.decode()
    assert not Event.objects.filter(title__startswith="Strike").exists()
    search = owner.get(reverse("articles:list", args=[team.slug]), {"q": "convoy\x00"})
    assert search.status_code == 400


def test_text_the_database_cannot_store_is_refused_by_the_api(client, team):
    auth = owner_auth(team)
    path = f"/api/projects/{team.slug}/events/"
    for body, problem in [
        ('{"title": "Strike\\u0000"}', "NUL character"),
        ('{"title": "Strike \\ud800"}', "surrogate"),
        ('{"title": "ok", "place": {"\\u0000": 1}}', "NUL character"),
    ]:
        response = client.post(path, body, content_type="application/json", **auth)
        assert response.status_code == 422, body
        assert problem in response.json()["detail"]
    queue = client.get(f"/api/projects/{team.slug}/review/queue/", {"annotator": "a\x00"}, **auth)
    assert queue.status_code == 422
    assert not Event.objects.filter(title__startswith="Strike").exists()


def test_api_request_errors_say_what_is_wrong_in_a_sentence(client, team):
    auth = owner_auth(team)
    response = client.post(
        f"/api/projects/{team.slug}/events/",
        json.dumps({"place": 3}),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Invalid request: ") and "title" in body["detail"]
    assert any(error["loc"][-1] == "title" for error in body["errors"])
