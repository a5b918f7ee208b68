"""The export page, streamed downloads, background exports and the dataset API: who may
do what, what comes back, and how many queries a page costs."""

import io
import json
import zipfile

import factories
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from export_helpers import SCRIPT, export_bytes, jsonl_rows

from annotator.accounts.services import api_token_create
from annotator.annotations.models import Status
from annotator.exports import views
from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.projects.models import Project
from annotator.review.services import annotation_review

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


REPORTS = [  # an article's text, and its claim
    ("Troops left the Tal Safra base on Tuesday.", "Troops left the Tal Safra base"),
    ("The bridge at Qarmal reopened on Friday after repairs.", "The bridge at Qarmal reopened"),
    ("Rockets hit the port overnight, a resident said.", "Rockets hit the port overnight"),
    ("The governor is believed to have resigned.", "The governor is believed to have resigned"),
]


@pytest.fixture
def reviewed(team):
    """Four articles with a claim each by the annotator: the reviewer approved the first
    three claims, the fourth is still a draft."""
    claims = [
        factories.span(factories.article(team.project, text), quote, by=team["annotator"])
        for text, quote in REPORTS
    ]
    for claim in claims[:3]:
        annotation_review(annotation=claim, reviewer=team["reviewer"], decision=Status.APPROVED)
    return team.project


@pytest.fixture
def page_url(team):
    """page_url(name) -> the URL of one of the team project's export pages."""

    def url(name="exports:page"):
        return reverse(name, kwargs={"slug": team.slug})

    return url


def body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)  # never built in memory
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("username", "status"), [("owner", 200), ("reviewer", 200), ("annotator", 403)]
)
def test_reviewers_and_owners_export_annotators_do_not(login, username, status, team, page_url):
    client = login(team[username])
    assert client.get(page_url()).status_code == status
    download = client.get(page_url("exports:download"), {"formats": "jsonl"})
    assert download.status_code == status


def test_outsiders_get_404_everywhere(login, team, outsider, page_url):
    client = login(outsider)
    for name in ("exports:page", "exports:download", "exports:jobs"):
        assert client.get(page_url(name)).status_code == 404
    assert client.post(page_url("exports:import")).status_code == 404


def test_page_shows_counts_and_forms_in_few_queries(
    login, reviewed, django_assert_max_num_queries, team, page_url
):
    client = login(team["owner"])
    with django_assert_max_num_queries(10):
        page = client.get(page_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 of 4 articles" in html  # the fourth has no approved span
    assert 'name="formats" value="w3c"' in html and 'value="brat"' in html
    assert "Import a dataset" in html  # owners import
    reviewer_page = login(team["reviewer"]).get(page_url()).content.decode()
    assert "Import a dataset" not in reviewer_page


def test_download_streams_one_file_or_a_bundle(login, reviewed, team, page_url):
    client = login(team["reviewer"])
    response = client.get(page_url("exports:download"), {"formats": "jsonl"})
    assert response["Content-Type"].startswith("application/jsonl")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{team.slug}-approved-articles.jsonl"'
    )
    assert body(response) == export_bytes(team.slug, "jsonl")
    csv_response = client.get(
        page_url("exports:download"), {"formats": "csv", "annotations": "all"}
    )
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "draft" in body(csv_response).decode("utf-8-sig")
    bundle = client.get(page_url("exports:download"), {"formats": ["jsonl", "w3c"]})
    assert (
        bundle["Content-Disposition"] == f'attachment; filename="{team.slug}-approved-dataset.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(body(bundle))) as archive:
        assert set(archive.namelist()) == {
            "README.md",
            "schema/article.v1.json",
            "articles.jsonl",
            "annotations.jsonld",
        }
    one_bundled = client.get(page_url("exports:download"), {"formats": "csv", "bundle": "on"})
    assert one_bundled["Content-Type"] == "application/zip"


def test_download_without_a_format_says_so(login, team, page_url):
    response = login(team["owner"]).get(page_url("exports:download"))
    assert response.status_code == 422
    assert "Choose at least one format." in response.content.decode()


def test_background_export_shows_progress_then_a_download_link(
    login, reviewed, settings, tmp_path, monkeypatch, team, page_url
):
    settings.TASKS = IMMEDIATE  # runs the task at once, in the test
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    client = login(team["reviewer"])
    response = client.post(
        page_url("exports:jobs"),
        {"formats": ["jsonl", "brat"], "annotations": "all"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    job = ExportJob.objects.get()
    assert job.status == JobStatus.DONE and job.format == "zip"
    assert job.done == job.total == 2 * 4  # two passes over four articles
    html = response.content.decode()
    assert 'id="export-jobs"' in html and "every 2s" not in html  # nothing left to poll
    assert f"?job={job.pk}" in html and 'value="100"' in html
    download = client.get(page_url("exports:download"), {"job": job.pk})
    data = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "brat/annotation.conf" in archive.namelist()
        rows = jsonl_rows(archive.read("articles.jsonl"))
    assert len(rows) == 4
    # Another project's member cannot fetch it; a job id that is not a number is 404.
    assert client.get(page_url("exports:download"), {"job": "x"}).status_code == 404


def test_running_job_is_polled(login, team, settings, page_url):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(team["owner"])
    client.post(page_url("exports:jobs"), {"formats": "jsonl", "annotations": "approved"})
    assert ExportJob.objects.get().status == JobStatus.QUEUED
    html = client.get(page_url("exports:jobs")).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Waiting for the worker" in html


def test_api_exports_with_a_token_and_checks_roles(client, reviewed, outsider, team):
    url = f"/api/projects/{team.slug}/export"

    def get(user, **params):
        _, key = api_token_create(user=user, name="pipeline")
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {key}")

    response = get(team["reviewer"], format="jsonl", include_all="true")
    assert response.status_code == 200
    assert body(response) == export_bytes(team.slug, "jsonl", "--include-all")
    w3c = json.loads(body(get(team["owner"], format="w3c")))
    assert w3c["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert get(team["annotator"]).status_code == 403
    assert get(outsider).status_code == 404
    assert client.get(url).status_code == 401


def test_api_import_reports_lines(client, reviewed, team):
    data = export_bytes(team.slug, "jsonl")
    lines = data.split(b"\n")
    bad = b'{"text": "A <b>bold</b> claim.", "label": [[0, 99, "claim"]]}'
    upload = b"\n".join([lines[0], bad]) + b"\n"
    target = Project.objects.create(name="Copy", slug="copy")
    target.memberships.create(user=team["owner"], role="owner")
    target.memberships.create(user=team["reviewer"], role="reviewer")
    for username, status in (("reviewer", 403), ("owner", 200)):
        _, key = api_token_create(user=team[username], name="pipeline")
        response = client.post(
            "/api/projects/copy/import",
            {"file": io.BytesIO(upload)},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == status
    report = response.json()
    assert report["articles"] == 1 and report["spans"] == len(jsonl_rows(lines[0])[0]["spans"])
    message = "label 1: 0–99 is outside the text (length 20)."
    assert report["errors"] == [{"line": 2, "message": message}]


def test_import_page_lists_bad_lines_as_text(login, team, page_url):
    upload = io.BytesIO(
        b'{"text": "Fine.", "label": []}\n'
        + f'{{"text": "x", "label": [[0, 1, "{SCRIPT}"]]}}\n'.encode()
        + b"not json\n"
    )
    upload.name = "data.jsonl"
    page = login(team["owner"]).post(page_url("exports:import"), {"file": upload})
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 article, 0 annotations" in html
    assert "line 2" in html and "&lt;script&gt;" in html and SCRIPT not in html
    assert "line 3" in html and "not valid JSON" in html
    reviewer = login(team["reviewer"]).post(page_url("exports:import"), {"file": upload})
    assert reviewer.status_code == 403


def test_large_upload_is_imported_in_the_background(
    login, team, settings, tmp_path, monkeypatch, page_url
):
    settings.TASKS = IMMEDIATE
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    monkeypatch.setattr(views, "INLINE_IMPORT_BYTES", 10)
    upload = io.BytesIO(
        b'{"text": "The bridge fell on Monday.", "label": [[4, 25, "claim"]]}\n{"oops"\n'
    )
    upload.name = "big.jsonl"
    client = login(team["owner"])
    response = client.post(page_url("exports:import"), {"file": upload})
    assert response.status_code == 302
    job = DatasetImport.objects.get()
    assert job.status == JobStatus.DONE and job.filename == "big.jsonl"
    assert job.report["error_count"] == 1 and job.report["errors"][0][0] == 2
    assert list((tmp_path / "imports").iterdir()) == []  # the upload is not kept
    html = client.get(page_url()).content.decode()
    assert "1 article, 1 annotation" in html and "1 line not imported" in html
    assert (
        Project.objects.get(slug=team.slug).articles.filter(title__startswith="The bridge").exists()
    )
