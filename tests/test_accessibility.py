"""Accessibility: axe-core (tests/axe, from npm) on every kind of page, desktop and phone,
with no critical or serious violation; the error pages; the workspace's keyboard."""

from datetime import UTC, datetime
from pathlib import Path

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE
from annotator.annotations.models import Status
from annotator.articles.batches import batch_run
from annotator.articles.models import ArticleStatus, ImportBatch
from annotator.matching.models import MatchCandidate
from annotator.review.models import Assignment

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = {"workspace", "workspace-arabic", "review-article", "event", "import-review", "404"}
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
ENGLISH = (
    "Troops left the northern base on Tuesday, officials said.\n\n"
    "The ministry reportedly denied that 40 vehicles were moved, a spokesman told reporters."
)
ARABIC = (
    "Reuters, 15 March\n\n"
    "قال مسؤولون إن القوات غادرت القاعدة الشمالية يوم الثلاثاء.\n\n"
    "وربما نُقلت أقل من 30 مركبة، بحسب المتحدث."
)


def _world(team, login):
    """A project with an English and an Arabic article (spans of each kind and status), an
    event with a timeline, a graded source, an import batch and an assignment."""
    project, owner = team.project, team["owner"]
    wire = factories.source(project, "Meridian Wire", grade="B")
    when = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    english = factories.article(project, ENGLISH, title="Troops leave base", outlet=wire,
                                published_at=when)  # fmt: skip
    arabic = factories.article(project, ARABIC, title="القوات تغادر القاعدة", outlet=wire,
                               language="ar", published_at=when)  # fmt: skip
    event = factories.event(project, "Troops leave the northern base")
    by = team["annotator"]
    claim = factories.span(english, "Troops left the northern base on Tuesday", by=by,
                           event=event, claimed_at=when, claimed_precision="day")  # fmt: skip
    said = factories.span(english, "officials said", ATTRIBUTION, by=by)
    factories.link(said, claim)
    factories.span(english, "reportedly", HEDGE, by=by, status=Status.REJECTED)
    factories.span(english, "40 vehicles were moved", by=None, status=Status.SUGGESTED,
                   suggested_by="test")  # fmt: skip
    factories.span(english, "The ministry reportedly denied that 40 vehicles", by=by)
    factories.span(arabic, "القوات غادرت القاعدة الشمالية", by=by, event=event,
                   claimed_at=when, claimed_precision="day")  # fmt: skip
    factories.span(arabic, "قال مسؤولون", ATTRIBUTION, by=by)
    factories.span(arabic, "ربما", HEDGE, by=None, status=Status.SUGGESTED, suggested_by="test")
    for article in (english, arabic):
        article.status = ArticleStatus.READY
        article.save(update_fields=["status"])
    Assignment.objects.create(article=english, user=by)
    upload = SimpleUploadedFile("report.txt", b"Fighting stopped at dawn, witnesses said.")
    posted = login(owner).post(reverse("articles:upload", args=[team.slug]), {"files": [upload]})
    assert posted.status_code == 302
    batch = ImportBatch.objects.get(project=project)
    batch_run(batch_id=batch.pk)
    # The worker's proposals (the English and Arabic claims of the event, matched).
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    assert MatchCandidate.objects.exists()  # so the event page's proposals are checked too
    return {"english": english, "arabic": arabic, "claim": claim, "event": event,
            "source": wire, "batch": batch}  # fmt: skip


def _pages(slug, w):
    english, arabic = w["english"].pk, w["arabic"].pk
    article = reverse("workspace:article", args=[slug, english])
    return [
        ("projects", reverse("projects:list")),
        ("project", reverse("projects:detail", args=[slug])),
        ("article-list", reverse("articles:list", args=[slug])),
        ("upload", reverse("articles:upload", args=[slug])),
        ("import-review", reverse("articles:review", args=[slug, w["batch"].pk])),
        ("workspace", f"{article}?selected={w['claim'].pk}"),
        ("workspace-arabic", reverse("workspace:article", args=[slug, arabic])),
        ("review-queue", reverse("review:queue", args=[slug])),
        ("review-article", reverse("review:article", args=[slug, english])),
        ("events", reverse("events:list", args=[slug])),
        ("event", reverse("events:detail", args=[slug, w["event"].pk])),
        ("event-matches", reverse("matching:event", args=[slug, w["event"].pk])),
        ("sources", reverse("sources:list", args=[slug])),
        ("source", reverse("sources:detail", args=[slug, w["source"].pk])),
        ("exports", reverse("exports:page", args=[slug])),
        ("suggestions", reverse("suggestions:stats", args=[slug])),
        ("my-work", reverse("review:mine", args=[slug])),
        ("new-project", reverse("teams:new")),
        ("project-settings", reverse("teams:settings", args=[slug])),
        ("project-delete", reverse("teams:delete", args=[slug])),
        ("tokens", reverse("accounts:tokens")),
        ("404", f"/p/{slug}/no-such-page/"),
    ]


def _axe(page):
    """The critical and serious violations axe finds on the page, as readable lines (axe
    comes in as an init script: the page's CSP, rightly, refuses an injected tag)."""
    found = page.evaluate("() => axe.run(document).then(r => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    "
        + "\n    ".join(f"{n['target']} {n.get('failureSummary', '')[:200]}" for n in v["nodes"])
        for v in found
        if v["impact"] in ("critical", "serious")
    ]


def _login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.mark.browser
def test_every_page_has_no_critical_or_serious_axe_violation(
    transactional_db, live_server, browser, team, login, artifacts
):
    assert AXE.exists(), "axe-core is missing: run `npm ci --prefix tests/axe` (make test does)"
    world = _world(team, login)
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["desktop"])
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems = {}
    try:
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.context.clear_cookies()
            page.goto("/login/")
            problems[f"login {name}"] = _axe(page)
            _login(page, "owner")
            for label, url in _pages(team.slug, world):
                page.goto(url)
                problems[f"{label} {name}"] = _axe(page)
                if label in SHOTS:
                    page.screenshot(path=str(artifacts / f"a11y-{label}-{name}.png"))
            # A page the reviewer may not open: the 403 names the reason.
            _login_as_other(page, "annotator")
            response = page.goto(reverse("articles:review", args=[team.slug, world["batch"].pk]))
            assert response.status == 403
            assert "Only the uploader, reviewers and owners" in page.inner_text("main")
            assert page.locator("header.topbar a.brand").count() == 1
            problems[f"403 {name}"] = _axe(page)
            page.screenshot(path=str(artifacts / f"a11y-403-{name}.png"))
    finally:
        context.close()
    failing = {where: found for where, found in problems.items() if found}
    assert not failing, "\n".join(f"{where}:\n  " + "\n  ".join(f) for where, f in failing.items())
    assert not errors, errors


def _login_as_other(page, username):
    page.context.clear_cookies()
    _login(page, username)


@pytest.mark.browser
def test_workspace_keyboard_spans_and_direction(
    transactional_db, live_server, browser, team, artifacts
):
    """Focused controls keep their keys (Enter on Reject rejects); Esc brings focus back to
    the text at the last span; spans have accessible names; direction follows the language."""
    wire = factories.source(team.project, "Meridian Wire")
    arabic = factories.article(team.project, ARABIC, outlet=wire, language="ar")
    mark = factories.span(arabic, "ربما", HEDGE, by=None, status=Status.SUGGESTED,
                          suggested_by="test")  # fmt: skip
    factories.span(arabic, "قال مسؤولون", CLAIM, by=team["annotator"])
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        _login(page, "annotator")
        page.goto(reverse("workspace:article", args=[team.slug, arabic.pk]))
        text = page.locator("#article-text")
        assert text.get_attribute("dir") == "rtl"  # from the language, not the first line
        assert text.get_attribute("lang") == "ar"
        label = page.locator(f'#article-text mark[data-id="{mark.pk}"]').get_attribute("aria-label")
        assert label.startswith("Hedge, suggested: ") and "ربما" in label
        assert (
            page.evaluate(
                "getComputedStyle(document.querySelector('mark[data-label]'), '::after')"
                ".unicodeBidi"
            )
            == "isolate"
        )
        page.click(f'#article-text mark[data-id="{mark.pk}"]')
        page.wait_for_selector("#reject-suggestion")
        page.focus("#reject-suggestion")
        with page.expect_response(lambda r: "/decide/" in r.url):
            page.keyboard.press("Enter")
        page.wait_for_selector("#detail .detail-empty, #detail [data-selected]")
        assert not arabic.annotations.filter(pk=mark.pk).exists()  # rejected, not accepted
        # A shortcut typed into a field is text, not a command.
        page.click(f'#article-text mark:not([data-id="{mark.pk}"])')
        page.wait_for_selector("#id_note")
        page.fill("#id_note", "")
        page.focus("#id_note")
        page.keyboard.type("jk")
        assert page.input_value("#id_note") == "jk"
        page.keyboard.press("Escape")  # leaves the field for the text, at the span
        assert page.evaluate("document.activeElement.id") == "article-text"
        assert page.evaluate(
            "window.getSelection().anchorNode.parentElement.closest('mark')?.dataset.id || ''"
        ) == str(arabic.annotations.get(kind=CLAIM).pk)
        page.screenshot(path=str(artifacts / "a11y-workspace-keyboard.png"))
    finally:
        context.close()


def test_error_page_500_renders_without_a_database_or_request_context(settings):
    settings.DEBUG = False
    # No `db` fixture: any query here fails the test.
    response = server_error(RequestFactory().get("/p/x/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and 'href="/"' in html
    assert "<header" in html and 'rel="stylesheet"' in html


def test_error_page_404_has_navigation_and_the_path(team, login, settings):
    settings.DEBUG = False
    response = login(team["annotator"]).get(f"/p/{team.slug}/nothing-here/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "/nothing-here/" in html
    assert 'class="brand"' in html and "Log out" in html
