"""The export page in real headless Chromium: download a format, prepare a bundle in the
background (htmx swaps in the download link), import a file with bad lines."""

import csv
import io
import zipfile

import pytest

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation

pytestmark = pytest.mark.browser
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_download_csv_with_all_annotations(page_as, artifacts):
    page = page_as("reviewer")
    page.goto("/p/demo/")
    page.click("text=Export the dataset")
    page.uncheck("input[name=formats][value=jsonl]")
    page.check("input[name=formats][value=csv]")
    page.check("input[name=annotations][value=all]")
    page.screenshot(path=str(artifacts / "export-page.png"), full_page=True)
    with page.expect_download() as info:
        page.click("button:text-is('Download')")
    download = info.value
    assert download.suggested_filename == "demo-all-claims.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == Annotation.objects.filter(kind=CLAIM).count()
    assert any(row["quote"].endswith("🚚") for row in rows)


def test_prepare_in_the_background_then_download(
    page_as, settings, tmp_path, monkeypatch, artifacts
):
    settings.TASKS = IMMEDIATE
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
    page = page_as("owner")
    page.goto("/p/demo/export/")
    page.check("input[name=formats][value=brat]")
    page.check("input[name=annotations][value=all]")
    page.click("text=Prepare in the background")
    link = page.locator("#export-jobs a", has_text="Download")
    link.wait_for()
    page.screenshot(path=str(artifacts / "export-background.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    with zipfile.ZipFile(info.value.path()) as archive:
        names = archive.namelist()
        card = archive.read("README.md").decode()
    assert {"README.md", "articles.jsonl", "brat/annotation.conf"} <= set(names)
    assert "All annotations, whatever their review status" in card


def test_import_reports_bad_lines(page_as, tmp_path, artifacts):
    page = page_as("owner")
    page.goto("/p/demo/export/")
    upload = tmp_path / "doccano.jsonl"
    upload.write_bytes(
        io.BytesIO(
            b'{"text": "Sirens were heard in Qarmal.", "label": [[0, 18, "claim"]]}\n'
            b'{"text": "Bad", "label": [[0, 2, "<i>who</i>"]]}\n'
        ).getvalue()
    )
    page.set_input_files("input[type=file]", str(upload))
    page.click("#import button[type=submit]")
    report = page.locator(".import-report")
    report.wait_for()
    page.screenshot(path=str(artifacts / "export-import-report.png"), full_page=True)
    assert "1 article, 1 annotation" in report.inner_text()
    assert "line 2: label 1: '<i>who</i>' is not one of claim" in report.inner_text()
    assert Annotation.objects.filter(quote="Sirens were heard ").exists()
