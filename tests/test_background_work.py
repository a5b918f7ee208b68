"""Background work never blocks the web or other projects: "Suggest again" is queued and the
suggestions bar shows its progress; every task has a time limit and ends failed with a
message past it; an import batch takes turns with other projects' work; the API's files
endpoint queues a batch. The worker is the real `db_worker --batch`, run in this process."""

import io
import time
import zipfile
from types import SimpleNamespace

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from annotator.accounts.services import api_token_create
from annotator.annotations.models import Annotation
from annotator.articles import batches
from annotator.articles.models import Article, BatchStatus, ImportBatch, ImportItem
from annotator.exports import tasks as export_tasks
from annotator.exports.models import ExportJob
from annotator.suggestions import runs
from annotator.suggestions.models import SuggestionRun

HTMX = {"HTTP_HX_REQUEST": "true"}
POLLING = 'hx-trigger="every 2s"'
# Written for these tests (fictional places and outlets).
REPORT = (
    "Troops reportedly left the northern base on Tuesday, two local officials said.\n\n"
    "The convoy may have carried up to 30 trucks, according to Harbour Radio."
)
SUGGESTIONS_TASK = "annotator.suggestions.tasks.suggestions_run_task"
IMPORT_SUGGESTIONS_TASK = "annotator.suggestions.tasks.suggestions_import_task"
IMPORT_TASK = "annotator.articles.tasks.batch_import_task"
EXPORT_TASK = "annotator.exports.tasks.export_job_run"


@pytest.fixture
def worker(monkeypatch):
    """worker(*options) runs `manage.py db_worker --batch` in the test's transaction (which
    it must not close between tasks, as it does in production)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run(*options):
        call_command(
            "db_worker", "--batch", "--no-reload", "--no-startup-delay", *options, verbosity=0
        )

    return run


@pytest.fixture
def report(team):
    return factories.article(team.project, REPORT, title="Convoy", language="en")


@pytest.fixture
def run_url(team, report):
    return reverse("suggestions:run", args=[team.slug, report.pk])


def queued_runs() -> int:
    return DBTaskResult.objects.filter(task_path=SUGGESTIONS_TASK).count()


def suggested(article):
    return Annotation.objects.filter(article=article, status="suggested")


def limit(settings, task_path: str, seconds: float) -> None:
    settings.TASK_TIME_LIMITS = {**settings.TASK_TIME_LIMITS, task_path: seconds}


def test_suggest_again_answers_at_once_and_a_second_click_queues_nothing(
    login, team, report, run_url
):
    client = login(team["annotator"])
    first = client.post(run_url, **HTMX)
    assert first.status_code == 200
    html = first.content.decode()
    assert "Suggesting: waiting for the worker" in html and POLLING in html
    assert "Suggest again</button>" in html and 'id="suggest-again" disabled' in html
    assert not suggested(report).exists()  # nothing ran inside the request
    assert queued_runs() == 1

    again = login(team["reviewer"]).post(run_url, **HTMX)
    assert again.status_code == 200 and "already on this article" in again.content.decode()
    assert queued_runs() == 1
    # Without JavaScript the click is the same, and the page comes back.
    plain = client.post(run_url)
    assert plain.status_code == 302 and queued_runs() == 1


def test_the_bar_polls_until_the_worker_is_done_then_shows_the_suggestions(
    login, team, report, run_url, worker
):
    client = login(team["annotator"])
    client.post(run_url, **HTMX)
    waiting = client.get(run_url, **HTMX).content.decode()
    assert 'id="suggestions-run"' in waiting and 'hx-swap-oob="true"' in waiting
    assert POLLING in waiting and "<html" not in waiting and "article-text" not in waiting

    worker()
    assert SuggestionRun.objects.get(article=report).status == "done"
    made = suggested(report).count()
    assert made > 0
    done = client.get(run_url, **HTMX).content.decode()
    assert POLLING not in done and 'id="suggestions-run"' not in done
    assert f"{made} new suggestion" in done  # the flash
    assert "st-suggested" in done and 'id="annotation-list"' in done  # text and list swapped
    page = client.get(reverse("workspace:article", args=[team.slug, report.pk])).content.decode()
    assert POLLING not in page and 'id="suggest-again">' in page  # the button is back

    # A later click runs them again, and finds nothing new.
    client.post(run_url, **HTMX)
    assert queued_runs() == 2
    worker()
    assert "No new suggestions." in client.get(run_url, **HTMX).content.decode()
    assert suggested(report).count() == made


def test_runs_queued_on_import_show_in_the_bar_too(
    login, team, worker, django_capture_on_commit_callbacks
):
    client = login(team["annotator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("articles:paste", args=[team.slug]), {"text": REPORT})
    article = Article.objects.get(project=team.project)
    page_url = reverse("workspace:article", args=[team.slug, article.pk])
    assert "Suggesting: waiting for the worker" in client.get(page_url).content.decode()
    worker()
    page = client.get(page_url).content.decode()
    assert POLLING not in page and suggested(article).exists()


def import_then_suggest(client, team, files, run_worker, worker, capture) -> None:
    """The batch's import, whose commits (captured: the test's transaction never commits)
    queue the suggesters, then the suggesters."""
    run_worker(client, team.slug, files, run=False)
    with capture(execute=True):
        worker()
    worker()


def test_a_batchs_articles_share_suggestions_tasks_and_each_shows_its_run(
    login, team, run_worker, worker, django_capture_on_commit_callbacks
):
    files = [SimpleUploadedFile(f"{n}.txt", f"Report {n}. {REPORT}".encode()) for n in range(7)]
    client = login(team["annotator"])
    import_then_suggest(client, team, files, run_worker, worker, django_capture_on_commit_callbacks)
    articles = list(Article.objects.filter(project=team.project))
    assert len(articles) == 7
    statuses = SuggestionRun.objects.filter(article__in=articles).values_list("status", flat=True)
    assert list(statuses) == ["done"] * 7
    assert all(suggested(article).exists() for article in articles)
    # A task per import transaction (of 1, 2 then 4 files), not one per article.
    assert DBTaskResult.objects.filter(task_path=IMPORT_SUGGESTIONS_TASK).count() <= 3


def test_an_imported_article_over_the_suggesters_limit_fails_alone_the_rest_run(
    login, team, run_worker, worker, django_capture_on_commit_callbacks, settings, monkeypatch
):
    limit(settings, IMPORT_SUGGESTIONS_TASK, 2)
    real_suggest = runs.suggest

    def stuck_on_one(text, *args, **kwargs):
        if text.startswith("Report 1."):
            time.sleep(60)
        return real_suggest(text, *args, **kwargs)

    monkeypatch.setattr(runs, "suggest", stuck_on_one)
    files = [SimpleUploadedFile(f"{n}.txt", f"Report {n}. {REPORT}".encode()) for n in range(4)]
    client = login(team["annotator"])
    import_then_suggest(client, team, files, run_worker, worker, django_capture_on_commit_callbacks)
    by_report = {
        run.article.title.split(".")[0]: run
        for run in SuggestionRun.objects.filter(article__project=team.project)
    }
    assert by_report["Report 1"].status == "failed"
    assert by_report["Report 1"].error == (
        "The suggesters took too long. Stopped after 2 seconds, this task's time limit."
    )
    assert [by_report[f"Report {n}"].status for n in (0, 2, 3)] == ["done"] * 3


def test_a_person_waiting_goes_before_queued_imports(
    login, team, report, run_url, worker, run_worker
):
    batch = run_worker(
        login(team["owner"]),
        team.slug,
        [SimpleUploadedFile("a.txt", REPORT.encode() + b"!")],
        run=False,
    )
    login(team["annotator"]).post(run_url, **HTMX)  # queued after the batch
    worker("--max-tasks", "1")
    assert SuggestionRun.objects.get(article=report).status == "done"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED


def test_suggesters_over_their_time_limit_end_failed_with_a_message(
    login, team, report, run_url, worker, settings, monkeypatch
):
    limit(settings, SUGGESTIONS_TASK, 2)  # room for the queries before it

    def stuck(*args, **kwargs):  # as a pathological text would
        time.sleep(60)

    monkeypatch.setattr(runs, "suggest", stuck)
    client = login(team["annotator"])
    client.post(run_url, **HTMX)
    worker()

    run = SuggestionRun.objects.get(article=report)
    assert run.status == "failed"
    assert run.error == (
        "The suggesters took too long. Stopped after 2 seconds, this task's time limit."
    )
    task = DBTaskResult.objects.get(task_path=SUGGESTIONS_TASK)
    assert task.status == "FAILED" and task.exception_class_path.endswith("TaskTimeLimit")
    shown = escape(run.error)
    answer = client.get(run_url, **HTMX).content.decode()
    assert shown in answer and POLLING not in answer
    page = client.get(reverse("workspace:article", args=[team.slug, report.pk])).content.decode()
    assert shown in page and not suggested(report).exists()
    # The worker went on; a new click queues a new run.
    client.post(run_url, **HTMX)
    assert queued_runs() == 2


def test_a_run_whose_worker_died_can_be_queued_again(login, team, report, run_url):
    client = login(team["annotator"])
    client.post(run_url, **HTMX)
    # The worker took it, then was killed: the run stays "running" past its time limit.
    SuggestionRun.objects.filter(article=report).update(
        status="running", started_at="2020-01-01T00:00:00Z"
    )
    page = client.get(reverse("workspace:article", args=[team.slug, report.pk])).content.decode()
    assert "stopped without finishing" in page and POLLING not in page
    client.post(run_url, **HTMX)
    assert queued_runs() == 2
    assert SuggestionRun.objects.get(article=report).status == "queued"


def test_a_file_over_the_import_time_limit_is_rejected_and_the_batch_goes_on(
    login, team, run_worker, settings, monkeypatch
):
    limit(settings, IMPORT_TASK, 5)  # each file gets a task of its own, and 5 seconds
    settings.IMPORT_TASK_SECONDS = 0
    real_prepare = batches.article_prepare

    def read_slowly(**fields):
        if fields["file"].name == "slow.txt":
            time.sleep(60)
        return real_prepare(**fields)

    monkeypatch.setattr(batches, "article_prepare", read_slowly)
    files = [
        SimpleUploadedFile(name, f"{name}: {REPORT}".encode())
        for name in ("first.txt", "slow.txt", "last.txt")
    ]
    batch = run_worker(login(team["annotator"]), team.slug, files)
    assert batch.status == BatchStatus.DONE
    items = {item.name: item for item in ImportItem.objects.filter(batch=batch)}
    assert items["first.txt"].status == items["last.txt"].status == "imported"
    assert items["slow.txt"].status == "rejected"
    assert items["slow.txt"].reason == (
        "Importing this file took too long. Stopped after 5 seconds, this task's time limit."
    )
    assert not Article.objects.filter(title__startswith="slow.txt").exists()
    page = login(team["annotator"]).get(reverse("articles:batch", args=[team.slug, batch.pk]))
    assert "Importing this file took too long" in page.content.decode()


def test_an_export_over_its_time_limit_ends_failed_and_the_page_says_why(
    login, team, report, worker, settings, monkeypatch, tmp_path
):
    limit(settings, EXPORT_TASK, 2)
    monkeypatch.setenv("EXPORT_DIR", str(tmp_path))

    def endless_chunks():
        while True:  # as an export of a huge project would, past its hour
            time.sleep(0.05)
            yield b"{}\n"

    def stream(*args, **kwargs):
        return SimpleNamespace(filename="annotations.jsonl", chunks=endless_chunks())

    monkeypatch.setattr(export_tasks, "export_stream", stream)
    client = login(team["owner"])
    jobs_url = reverse("exports:jobs", kwargs={"slug": team.slug})
    client.post(jobs_url, {"formats": "jsonl", "annotations": "all"})
    worker()

    job = ExportJob.objects.get(project=team.project)
    assert job.status == "failed"
    assert job.error == "Stopped after 2 seconds, this task's time limit."
    assert not list(tmp_path.iterdir())  # the half-written file is gone
    page = client.get(reverse("exports:page", kwargs={"slug": team.slug})).content.decode()
    assert escape(f"Failed: {job.error}") in page and POLLING not in page


def test_another_projects_upload_does_not_wait_for_a_big_batch(
    login, team, outsider, run_worker, worker, settings
):
    settings.IMPORT_TASK_SECONDS = 0  # one file per task, so the turns are easy to count
    big = run_worker(
        login(team["annotator"]),
        team.slug,
        [SimpleUploadedFile(f"{n}.txt", f"Report {n}. {REPORT}".encode()) for n in range(5)],
        run=False,
    )
    other = factories.project(owner=outsider)
    small = run_worker(
        login(outsider),
        other.slug,
        [SimpleUploadedFile("harbour.txt", b"The harbour reopened on Monday, officials said.")],
        run=False,
    )
    worker("--max-tasks", "2")  # the big batch's first file, then the small upload
    small_page = login(outsider).get(reverse("articles:batch", args=[other.slug, small.pk]))
    assert "Done: 1 of 1 file" in " ".join(small_page.content.decode().split())
    big.refresh_from_db()
    assert big.status == BatchStatus.RUNNING
    assert ImportItem.objects.filter(batch=big, status="imported").count() == 1

    worker()
    big.refresh_from_db()
    assert big.status == BatchStatus.DONE
    assert ImportItem.objects.filter(batch=big, status="imported").count() == 5


def test_api_files_endpoint_queues_a_zip_and_the_batch_completes(
    client, team, worker, django_capture_on_commit_callbacks
):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for n in range(40):
            bundle.writestr(f"wire/{n:02}.txt", f"Bulletin {n}: the river crossing reopened.")
    key = api_token_create(user=team["annotator"], name="pipeline")[1]
    upload = SimpleUploadedFile("wire.zip", archive.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/projects/{team.slug}/article-imports/files/",
            {"files": [upload]},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["total"] == 1  # the archive, not yet unpacked
    assert not Article.objects.filter(project=team.project).exists()

    worker()
    status = client.get(body["status_url"], HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert status["status"] == "done"
    assert (status["total"], status["counts"]["imported"]) == (40, 40)
    assert ImportBatch.objects.get(pk=body["id"]).origin == "api"
    assert Article.objects.filter(project=team.project).count() == 40


@pytest.fixture
def page_for(live_pages, transactional_db):
    """page_for(user) -> a Chromium page logged in as a factories user on the live server.
    Fails the test on any JavaScript error or CSP violation."""
    return lambda user: live_pages(user)


@pytest.mark.browser
def test_in_the_browser_suggest_again_shows_progress_then_the_suggestions(
    page_for, team, artifacts
):
    report = factories.article(team.project, REPORT, title="Convoy", language="en")
    page = page_for(team["annotator"])
    page.goto(reverse("workspace:article", args=[team.slug, report.pk]))
    page.click("#suggest-again")
    page.wait_for_selector("#suggestions-run[data-status=queued]")
    assert "waiting for the worker" in page.locator("#suggestions-run").inner_text()
    assert page.locator("#suggest-again").is_disabled()
    assert page.locator("#article-text .st-suggested").count() == 0
    # caret="initial": Playwright's default hides the caret with inline styles and leaves
    # style="" behind, which htmx's settle would then copy, against the CSP.
    page.screenshot(path=artifacts / "suggest-again-waiting.png", caret="initial")

    # The real worker command, run here while the bar keeps polling the live server.
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    page.wait_for_selector("#article-text .st-suggested", timeout=15_000)
    assert page.locator("#suggestions-run").count() == 0  # no more polling
    made = suggested(report).count()
    assert f"{made} new suggestion" in page.locator("#flash").inner_text()
    assert page.locator("#suggest-again").is_enabled()
    page.screenshot(path=artifacts / "suggest-again-done.png", caret="initial")
