"""Logging in and staying logged in: throttled password guessing (django-axes), sessions that
end, API tokens that are stored hashed and stop working when revoked."""

from datetime import timedelta

import factories
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotator.accounts.models import ApiToken
from annotator.accounts.services import api_token_create, api_token_revoke


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_password_guessing_is_locked_out_with_a_clear_page(team):
    guesser = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(guesser, "annotator", f"guess-{attempt}")
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content
    locked = log_in(guesser, "annotator", "one-guess-too-many")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many attempts" in page
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Try again in {minutes} minutes" in page
    assert 'class="card login"' in page  # the login page's style
    assert locked["Retry-After"] == str(minutes * 60)
    # Locked out even with the right password, until the cool-off has passed.
    assert log_in(guesser, "annotator", factories.PASSWORD).status_code == 429
    # Another user name from the same address is not affected.
    assert log_in(Client(), "reviewer", factories.PASSWORD).status_code == 302
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert log_in(guesser, "annotator", factories.PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(team):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "annotator", "typo")
    assert log_in(client, "annotator", factories.PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert log_in(client, "annotator", "typo").status_code == 200  # counting starts again


def test_session_cookie_lasts_a_working_day_and_scripts_cannot_read_it(team):
    response = log_in(Client(), "annotator", factories.PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.CSRF_COOKIE_HTTPONLY


def test_an_expired_session_has_to_log_in_again(login, team):
    client = login(team["annotator"])
    assert client.get(reverse("projects:detail", args=[team.slug])).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("projects:detail", args=[team.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_revoked_token_is_refused(client, team):
    token, key = api_token_create(user=team["owner"], name="pipeline")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/projects/", **auth).status_code == 200
    api_token_revoke(token=token)
    refused = client.get("/api/projects/", **auth)
    assert refused.status_code == 401
    assert team.slug not in refused.content.decode()


def test_token_of_a_deactivated_user_is_refused(client, team):
    _, key = api_token_create(user=team["annotator"], name="laptop")
    team["annotator"].is_active = False
    team["annotator"].save()
    assert client.get("/api/projects/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_raw_token_key_is_nowhere_in_the_database(login, team):
    """Made on the tokens page (as a person does), then every row of every table is searched."""
    page = login(team["owner"]).post(reverse("accounts:tokens"), {"name": "export job"})
    key = page.context["new_key"]
    assert key and key in page.content.decode()  # shown once, on this page
    assert ApiToken.objects.filter(user=team["owner"]).count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) "
            "FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert len(tables) > 20
        holding = []
        for table in tables:
            cursor.execute(
                f"SELECT count(*) FROM {table} AS t WHERE strpos(t::text, %s) > 0",  # noqa: S608
                [key],
            )
            if cursor.fetchone()[0]:
                holding.append(table)
    assert holding == []
