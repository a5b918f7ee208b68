"""Uploading several files in real headless Chromium and watching the import finish."""

import pytest
from django.core.management import call_command

from annotator.articles.models import Article

pytestmark = pytest.mark.browser

FILES = {
    "ferry.txt": (
        b"Ferry service to Lantern Island resumes after storm\n\n"
        b"The ferry operator said crossings would restart at noon.\n"
    ),
    "market.md": b"# Night market returns to the old harbour\n\nStalls reopened on Friday.\n",
    "arabic.txt": (
        "15 كانون الثاني 2024\n\nعودة سوق الليل إلى الميناء القديم بعد الفيضانات\n\n"
        "أعيد فتح الأكشاك مساء الجمعة للمرة الأولى منذ الفيضانات.\n"
    ).encode("cp1256"),
    "empty.txt": b"",
}


def test_upload_several_files_and_watch_progress_reach_100(page_as, artifacts, tmp_path):
    paths = []
    for name, data in FILES.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    page = page_as("annotator")
    page.goto("/p/demo/articles/upload/")
    page.set_input_files("input[type=file]", paths)
    page.wait_for_selector("text=4 files chosen")
    page.click("[data-upload-submit]")
    page.wait_for_url("**/imports/**")
    assert page.locator("#batch-progress").get_attribute("data-status") == "queued"
    assert page.locator("[data-percent]").inner_text() == "0%"
    # The real worker command, run here while the page keeps polling the live server.
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    page.wait_for_selector("#batch-progress[data-status=done]", timeout=15_000)
    assert page.locator("[data-percent]").inner_text() == "100%"
    summary = page.locator(".batch-summary").inner_text()
    assert "3 imported" in summary and "1 rejected" in summary
    assert page.locator(".result-rejected", has_text="The file is empty.").count() == 1
    page.screenshot(path=artifacts / "ingest-batch.png", full_page=True)
    assert Article.objects.filter(title="عودة سوق الليل إلى الميناء القديم بعد الفيضانات").exists()

    page.click("text=Review metadata")
    page.wait_for_selector(".review-table")
    page.screenshot(path=artifacts / "ingest-review.png", full_page=True)
