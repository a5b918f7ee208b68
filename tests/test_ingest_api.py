"""Importing articles through the JSON API (token auth): JSON text or files."""

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotator.articles.models import Article

TEXT = (
    "Published 12 April 2024, 09:00 GMT+3\n\n"
    "Water trucks reach the eastern villages\n\n"
    "Aid workers said the first convoy of water trucks arrived on Thursday morning.\n"
)


@pytest.fixture
def api(client, login, team):
    """api(username) -> headers with a fresh token of that team member."""

    def make(username):
        page = login(team[username]).post(reverse("accounts:tokens"), {"name": "t"})
        return {"HTTP_AUTHORIZATION": f"Bearer {page.context['new_key']}"}

    return make


def url(slug, files=False):
    return f"/api/projects/{slug}/article-imports/" + ("files/" if files else "")


def test_json_import_detects_metadata_and_answers_with_the_article(client, team, api):
    response = client.post(
        url(team.slug), {"text": TEXT}, content_type="application/json", **api("annotator")
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "imported"
    article = body["article"]
    assert article["title"] == "Water trucks reach the eastern villages"
    assert article["language"] == "en"
    assert article["published_at"] == "2024-04-12T06:00:00Z"
    assert (article["published_precision"], article["published_tz"]) == ("minute", "+03:00")
    assert Article.objects.get(pk=article["id"]).source_file.origin == "api"


def test_json_import_takes_given_metadata(client, team, api):
    factories.source(team.project, "Meridian Wire", domain="meridianwire.example")
    payload = {
        "text": TEXT,
        "title": "Given title",
        "outlet": "Meridian Wire",
        "url": "https://meridianwire.example/water",
        "published_at": "2024-04-11",
        "language": "en",
    }
    body = client.post(
        url(team.slug), payload, content_type="application/json", **api("owner")
    ).json()
    assert body["article"]["title"] == "Given title"
    assert body["article"]["outlet"] == "Meridian Wire"
    assert body["article"]["published_precision"] == "day"


def test_json_duplicate_and_rejections(client, team, api):
    headers = api("annotator")
    client.post(url(team.slug), {"text": TEXT}, content_type="application/json", **headers)
    again = client.post(url(team.slug), {"text": TEXT}, content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    blank = client.post(
        url(team.slug), {"text": " \n "}, content_type="application/json", **headers
    )
    assert blank.status_code == 422 and "only whitespace" in blank.json()["reason"]
    bad_date = client.post(
        url(team.slug),
        {"text": TEXT + "x", "published_at": "next week"},
        content_type="application/json",
        **headers,
    )
    assert bad_date.status_code == 422 and "not a date" in bad_date.json()["reason"]


def test_file_upload_answers_per_file(client, team, api):
    files = [
        SimpleUploadedFile("a.txt", TEXT.encode("cp1252")),
        SimpleUploadedFile("b.txt", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ]
    response = client.post(url(team.slug, files=True), {"files": files}, **api("annotator"))
    assert response.status_code == 200
    by_name = {row["name"]: row for row in response.json()}
    assert by_name["a.txt"]["status"] == "imported"
    assert by_name["b.txt"]["status"] == "rejected" and "PNG" in by_name["b.txt"]["reason"]


def test_outsiders_get_404_and_no_token_401(client, team, outsider, login):
    page = login(outsider).post(reverse("accounts:tokens"), {"name": "t"})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {page.context['new_key']}"}
    response = client.post(
        url(team.slug), {"text": TEXT}, content_type="application/json", **headers
    )
    assert response.status_code == 404
    assert (
        client.post(url(team.slug), {"text": TEXT}, content_type="application/json").status_code
        == 401
    )
    assert not Article.objects.filter(title__startswith="Water trucks").exists()
