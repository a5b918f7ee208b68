"""The export page, streamed downloads, background exports and the dataset API: who may
do what, what comes back, and how many queries a page costs."""

import io
import json
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from export_helpers import SCRIPT, export_bytes, jsonl_rows, review_demo

from annotator.accounts.services import api_token_create
from annotator.exports import views
from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.projects.models import Project

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def reviewed(demo, demo_users):
    review_demo(demo_users)
    return demo


def page_url(name="exports:page"):
    return reverse(name, kwargs={"slug": "demo"})


def body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)  # never built in memory
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("username", "status"), [("owner", 200), ("reviewer", 200), ("annotator", 403)]
)
def test_reviewers_and_owners_export_annotators_do_not(login, demo_users, username, status):
    client = login(demo_users[username])
    assert client.get(page_url()).status_code == status
    download = client.get(page_url("exports:download"), {"formats": "jsonl"})
    assert download.status_code == status


def test_outsiders_get_404_everywhere(login, demo, outsider):
    client = login(outsider)
    for name in ("exports:page", "exports:download", "exports:jobs"):
        assert client.get(page_url(name)).status_code == 404
    assert client.post(page_url("exports:import")).status_code == 404


def test_page_shows_counts_and_forms_in_few_queries(
    login, reviewed, demo_users, django_assert_max_num_queries
):
    client = login(demo_users["owner"])
    with django_assert_max_num_queries(10):
        page = client.get(page_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "3 of 4 articles" in html  # the Ledger has no approved span
    assert 'name="formats" value="w3c"' in html and 'value="brat"' in html
    assert "Import a dataset" in html  # owners import
    reviewer_page = login(demo_users["reviewer"]).get(page_url()).content.decode()
    assert "Import a dataset" not in reviewer_page


def test_download_streams_one_file_or_a_bundle(login, reviewed, demo_users):
    client = login(demo_users["reviewer"])
    response = client.get(page_url("exports:download"), {"formats": "jsonl"})
    assert response["Content-Type"].startswith("application/jsonl")
    assert response["Content-Disposition"] == 'attachment; filename="demo-approved-articles.jsonl"'
    assert body(response) == export_bytes("demo", "jsonl")
    csv_response = client.get(
        page_url("exports:download"), {"formats": "csv", "annotations": "all"}
    )
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "draft" in body(csv_response).decode("utf-8-sig")
    bundle = client.get(page_url("exports:download"), {"formats": ["jsonl", "w3c"]})
    assert bundle["Content-Disposition"] == 'attachment; filename="demo-approved-dataset.zip"'
    with zipfile.ZipFile(io.BytesIO(body(bundle))) as archive:
        assert set(archive.namelist()) == {
            "README.md",
            "schema/article.v1.json",
            "articles.jsonl",
            "annotations.jsonld",
        }
    one_bundled = client.get(page_url("exports:download"), {"formats": "csv", "bundle": "on"})
    assert one_bundled["Content-Type"] == "application/zip"


def test_download_without_a_format_says_so(login, demo, demo_users):
    response = login(demo_users["owner"]).get(page_url("exports:download"))
    assert response.status_code == 422
    assert "Choose at least one format." in response.content.decode()


def test_background_export_shows_progress_then_a_download_link(
    login, reviewed, demo_users, settings, tmp_path, monkeypatch
):
    settings.TASKS = IMMEDIATE  # runs the task at once, in the test
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    client = login(demo_users["reviewer"])
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


def test_running_job_is_polled(login, demo, demo_users, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(demo_users["owner"])
    client.post(page_url("exports:jobs"), {"formats": "jsonl", "annotations": "approved"})
    assert ExportJob.objects.get().status == JobStatus.QUEUED
    html = client.get(page_url("exports:jobs")).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Waiting for the worker" in html


def test_api_exports_with_a_token_and_checks_roles(client, reviewed, demo_users, outsider):
    url = "/api/projects/demo/export"

    def get(user, **params):
        _, key = api_token_create(user=user, name="pipeline")
        return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {key}")

    response = get(demo_users["reviewer"], format="jsonl", include_all="true")
    assert response.status_code == 200
    assert body(response) == export_bytes("demo", "jsonl", "--include-all")
    w3c = json.loads(body(get(demo_users["owner"], format="w3c")))
    assert w3c["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert get(demo_users["annotator"]).status_code == 403
    assert get(outsider).status_code == 404
    assert client.get(url).status_code == 401


def test_api_import_reports_lines(client, reviewed, demo_users):
    data = export_bytes("demo", "jsonl")
    lines = data.split(b"\n")
    bad = b'{"text": "A <b>bold</b> claim.", "label": [[0, 99, "claim"]]}'
    upload = b"\n".join([lines[0], bad]) + b"\n"
    target = Project.objects.create(name="Copy", slug="copy")
    target.memberships.create(user=demo_users["owner"], role="owner")
    target.memberships.create(user=demo_users["reviewer"], role="reviewer")
    for username, status in (("reviewer", 403), ("owner", 200)):
        _, key = api_token_create(user=demo_users[username], name="pipeline")
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


def test_import_page_lists_bad_lines_as_text(login, demo, demo_users):
    upload = io.BytesIO(
        b'{"text": "Fine.", "label": []}\n'
        + f'{{"text": "x", "label": [[0, 1, "{SCRIPT}"]]}}\n'.encode()
        + b"not json\n"
    )
    upload.name = "data.jsonl"
    page = login(demo_users["owner"]).post(page_url("exports:import"), {"file": upload})
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 article, 0 annotations" in html
    assert "line 2" in html and "&lt;script&gt;" in html and SCRIPT not in html
    assert "line 3" in html and "not valid JSON" in html
    reviewer = login(demo_users["reviewer"]).post(page_url("exports:import"), {"file": upload})
    assert reviewer.status_code == 403


def test_large_upload_is_imported_in_the_background(
    login, demo, demo_users, settings, tmp_path, monkeypatch
):
    settings.TASKS = IMMEDIATE
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    monkeypatch.setattr(views, "INLINE_IMPORT_BYTES", 10)
    upload = io.BytesIO(
        b'{"text": "The bridge fell on Monday.", "label": [[4, 25, "claim"]]}\n{"oops"\n'
    )
    upload.name = "big.jsonl"
    client = login(demo_users["owner"])
    response = client.post(page_url("exports:import"), {"file": upload})
    assert response.status_code == 302
    job = DatasetImport.objects.get()
    assert job.status == JobStatus.DONE and job.filename == "big.jsonl"
    assert job.report["error_count"] == 1 and job.report["errors"][0][0] == 2
    assert list((tmp_path / "imports").iterdir()) == []  # the upload is not kept
    html = client.get(page_url()).content.decode()
    assert "1 article, 1 annotation" in html and "1 line not imported" in html
    assert Project.objects.get(slug="demo").articles.filter(title__startswith="The bridge").exists()
