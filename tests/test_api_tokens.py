from django.urls import reverse

from annotator.accounts.models import ApiToken


def create_token(client, name="pipeline"):
    page = client.post(reverse("accounts:tokens"), {"name": name})
    assert page.status_code == 200
    return page.context["new_key"]


def test_token_is_shown_once_and_stored_hashed(login, team):
    client = login(team["annotator"])
    key = create_token(client)
    token = ApiToken.objects.get(user=team["annotator"])
    assert key not in (token.key_sha256, token.prefix)
    assert key.encode() not in client.get(reverse("accounts:tokens")).content


def test_token_authenticates_api_calls_until_revoked(client, login, team):
    owner = login(team["owner"])
    key = create_token(owner)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    response = client.get("/api/projects/", **auth)
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()] == [team.slug]
    token = ApiToken.objects.get(user=team["owner"])
    assert token.last_used_at is not None
    owner.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert client.get("/api/projects/", **auth).status_code == 401


def test_api_without_or_with_a_wrong_token_is_401(client, team):
    assert client.get("/api/projects/").status_code == 401
    assert client.get("/api/projects/", HTTP_AUTHORIZATION="Bearer ann_nope").status_code == 401


def test_nobody_revokes_someone_elses_token(login, team):
    create_token(login(team["owner"]))
    token = ApiToken.objects.get(user=team["owner"])
    response = login(team["annotator"]).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_openapi_schema_says_offsets_are_code_points(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "code points" in schema["info"]["description"]


def test_api_docs_page_uses_the_bundled_script(client, db):
    # ninja is no installed app (settings.py says why): the page is still its own, with the
    # script from our static files, not the CDN one (the Content-Security-Policy refuses it).
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle" in page
    assert "cdn" not in page.lower()
