"""The review flow in real headless Chromium, by keyboard: queue → article → approve,
reject with a comment, step, edit; then two annotators side by side with curation."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import annotation_create
from annotator.articles.models import Article, ArticleStatus
from annotator.projects.models import Project

pytestmark = pytest.mark.browser


def add_span(article, quote, kind, user):
    start = article.text.index(quote)
    return annotation_create(
        article=article,
        kind=kind,
        start=start,
        end=start + len(quote),
        quote=quote,
        created_by=user,
    )


def shot(page, path):
    # caret="initial": Playwright's default caret hiding leaves a style behind that the CSP
    # then reports on the next htmx swap (a test-tool artefact, not the page's).
    page.screenshot(path=str(path), full_page=True, caret="initial")


def current_id(page):
    return page.get_attribute("#review-items .review-item.is-current", "data-id")


def wait_status(page, annotation, status):
    page.wait_for_selector(f'#review-items [data-id="{annotation.pk}"].st-{status}')


def test_review_an_article_with_the_keyboard(page_as, artifacts):
    wire = Article.objects.get(project__slug="demo", outlet__name="Meridian Wire")
    Article.objects.filter(pk=wire.pk).update(status=ArticleStatus.READY)
    items = list(wire.annotations.order_by("start", "-end", "pk"))
    page = page_as("reviewer")
    page.goto("/p/demo/review/")
    page.click(f"text={wire.title}")
    page.wait_for_selector("#review-items .review-item.is-current")
    # The first undecided item is current and its span is highlighted in the text.
    assert current_id(page) == str(items[0].pk)
    assert page.locator(f'#article-text mark.is-selected[data-id="{items[0].pk}"]').count() >= 1

    page.keyboard.press("a")
    wait_status(page, items[0], "approved")
    assert current_id(page) == str(items[1].pk)  # moved on to the next undecided one

    page.keyboard.press("r")
    box = page.locator(f'#review-items [data-id="{items[1].pk}"] textarea')
    box.wait_for()
    expect(box).to_be_focused()  # waits: the comment box takes focus once it is shown
    box.type("Attribution, not the claim itself.")
    page.keyboard.press("Enter")
    wait_status(page, items[1], "rejected")
    assert "Attribution, not the claim itself." in page.inner_text(
        f'#review-items [data-id="{items[1].pk}"]'
    )
    assert current_id(page) == str(items[2].pk)

    page.keyboard.press("j")
    assert current_id(page) == str(items[3].pk)
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert current_id(page) == str(items[1].pk)
    page.keyboard.press("r")  # reject box opens; Esc closes it without deciding
    page.keyboard.press("Escape")
    assert page.locator(f'#review-items [data-id="{items[1].pk}"] .reject-box').is_hidden()
    page.keyboard.press("j")
    shot(page, artifacts / "review-keyboard.png")

    for annotation in items[2:]:
        assert current_id(page) == str(annotation.pk)
        page.keyboard.press("a")
        wait_status(page, annotation, "approved")
    page.wait_for_selector("#review-progress .status-reviewed")
    wire.refresh_from_db()
    assert wire.status == ArticleStatus.REVIEWED
    decided = dict(Annotation.objects.filter(article=wire).values_list("pk", "status"))
    assert decided[items[1].pk] == Status.REJECTED
    assert all(decided[a.pk] == Status.APPROVED for a in items if a.pk != items[1].pk)

    # e opens the current annotation in the workspace.
    page.keyboard.press("k")
    selected = current_id(page)
    page.keyboard.press("e")
    page.wait_for_url(f"**/p/demo/articles/{wire.pk}/?selected={selected}")
    page.wait_for_selector(f'#detail [data-selected="{selected}"]')


def test_two_annotators_side_by_side_and_curation(page_as, artifacts, demo_users_live):
    project = Project.objects.get(slug="demo")
    text = (
        "Officials said on Monday that the bridge near Qarmal was closed for repairs. Traffic "
        "was reportedly diverted through the old town, a police spokesman told reporters."
    )
    article = Article.objects.create(
        project=project, title="Bridge closed", text=text, text_sha256="2" * 64, status="ready"
    )
    one, two = demo_users_live["annotator"], demo_users_live["annotator2"]
    bridge = add_span(article, "the bridge near Qarmal was closed for repairs", "claim", one)
    bridge2 = add_span(article, "the bridge near Qarmal was closed for repairs", "claim", two)
    traffic = add_span(
        article, "Traffic was reportedly diverted through the old town", "claim", one
    )
    traffic2 = add_span(article, "Traffic was reportedly diverted", "claim", two)

    page = page_as("reviewer")
    page.goto(f"/p/demo/review/articles/{article.pk}/")
    page.wait_for_selector(".agreement-panel")
    assert page.locator(".review-grid thead th").all_inner_texts()[1:] == [
        "annotator",
        "annotator2",
    ]
    assert page.is_checked(f'input[name=annotation][value="{bridge.pk}"]')  # agreed: pre-selected
    shot(page, artifacts / "review-side-by-side.png")

    page.keyboard.press("g")  # accept the agreed span: one kept, the duplicate rejected
    wait_status(page, bridge, "approved")
    wait_status(page, bridge2, "rejected")

    # Step to annotator2's shorter traffic claim and accept that version with one key.
    while current_id(page) != str(traffic2.pk):
        page.keyboard.press("j")
    page.keyboard.press("c")
    wait_status(page, traffic2, "approved")
    wait_status(page, traffic, "rejected")
    page.wait_for_selector("#review-progress .status-reviewed")
    shot(page, artifacts / "review-curated.png")
    assert Annotation.objects.get(pk=traffic.pk).review_comment.startswith(
        "The version by annotator2"
    )


@pytest.fixture
def demo_users_live(live_demo):
    return {
        u.username: u for u in get_user_model().objects.filter(memberships__project__slug="demo")
    }
