"""Importing articles through the JSON API (token auth): JSON text (imported at once) or
files (queued as an import batch, whose progress the API reads)."""

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.management.commands import db_worker

from annotator.articles.models import Article, ImportBatch

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


@pytest.fixture
def worker(monkeypatch):
    """worker() runs `manage.py db_worker --batch` here, in the test's transaction (which it
    must not close between tasks, as it does in production)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    return run


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


def test_files_are_queued_as_a_batch_whose_status_the_api_reads(
    client, team, api, worker, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_TASK_SECONDS = 0  # one file per task: the batch takes several turns
    files = [
        SimpleUploadedFile("a.txt", TEXT.encode("cp1252")),
        SimpleUploadedFile("b.txt", b"\x89PNG\r\n\x1a\n\x00\x00"),
        SimpleUploadedFile(
            "c.txt", "قال مسؤولون إن القافلة وصلت إلى القرى الشرقية صباح الخميس.".encode()
        ),
    ]
    headers = api("annotator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(team.slug, files=True), {"files": files}, **headers)
    assert response.status_code == 202
    queued = response.json()
    assert (queued["status"], queued["total"], queued["done"]) == ("queued", 3, 0)
    batch = ImportBatch.objects.get(pk=queued["id"])
    assert queued["page_url"] == reverse("articles:batch", args=[team.slug, batch.pk])
    assert not Article.objects.filter(project=team.project).exists()  # nothing imported yet

    worker()
    status = client.get(queued["status_url"], **headers)
    assert status.status_code == 200
    body = status.json()
    assert (body["status"], body["done"], body["total"]) == ("done", 3, 3)
    assert body["counts"]["imported"] == 2 and body["counts"]["rejected"] == 1
    by_name = {row["name"]: row for row in body["items"]}
    assert by_name["a.txt"]["status"] == "imported"
    assert Article.objects.get(pk=by_name["a.txt"]["article_id"]).source_file.origin == "api"
    assert by_name["b.txt"]["status"] == "rejected" and "PNG" in by_name["b.txt"]["reason"]
    assert Article.objects.get(pk=by_name["c.txt"]["article_id"]).language == "ar"


def test_a_batch_over_the_limits_is_refused_with_422_and_nothing_stored(
    client, team, api, settings
):
    settings.IMPORT_BATCH_MAX_FILES = 1
    files = [SimpleUploadedFile(f"{n}.txt", TEXT.encode()) for n in "12"]
    response = client.post(url(team.slug, files=True), {"files": files}, **api("annotator"))
    assert response.status_code == 422
    assert "2 files is more than the 1 allowed" in response.json()["detail"]
    assert not ImportBatch.objects.filter(project=team.project).exists()


def test_a_batch_is_read_only_within_its_own_project(client, team, api, outsider, login):
    other = factories.project(owner=outsider)
    page = login(outsider).post(reverse("accounts:tokens"), {"name": "t"})
    theirs = {"HTTP_AUTHORIZATION": f"Bearer {page.context['new_key']}"}
    files = [SimpleUploadedFile("x.txt", b"Another newsroom's short article.")]
    queued = client.post(url(other.slug, files=True), {"files": files}, **theirs).json()
    assert client.get(queued["status_url"], **theirs).status_code == 200
    assert client.get(queued["status_url"], **api("owner")).status_code == 404
    mine = f"/api/projects/{team.slug}/article-imports/batches/{queued['id']}/"
    assert client.get(mine, **api("owner")).status_code == 404


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
