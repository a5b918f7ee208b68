"""The whole path with the keyboard alone, in Chromium: an annotator tags a claim and a
hedge, links the hedge to the claim by pointing (l, j, Enter) and marks the article
ready; a reviewer approves both. No mouse, no focus placed by the test."""

import factories
import pytest

from annotator.annotations.models import Annotation, Link, Status
from annotator.articles.models import ArticleStatus

pytestmark = pytest.mark.browser

TEXT = "The ferry sailed at dawn, the harbour office reportedly said.\nCrews stayed ashore."
CLAIM, HEDGE = "The ferry sailed at dawn", "reportedly"


def tab_to(page, predicate: str, *, backwards=False, limit=40):
    """Press Tab (or Shift+Tab) until the focused element matches the JS predicate."""
    for _ in range(limit):
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {predicate}")


def select_with_keys(page, start: int, length: int):
    page.keyboard.press("Control+Home")
    for _ in range(start):
        page.keyboard.press("ArrowRight")
    for _ in range(length):
        page.keyboard.press("Shift+ArrowRight")


def test_annotate_link_and_review_with_the_keyboard_only(live_pages, team, artifacts):
    article = factories.article(team.project, TEXT, title="Ferry", language="en")
    page = live_pages(team["annotator"], {"width": 1440, "height": 900})
    page.goto(f"/p/{team.slug}/articles/{article.pk}/")
    tab_to(page, "el.id === 'article-text'")

    select_with_keys(page, 0, len(CLAIM))
    page.keyboard.press("c")
    page.wait_for_selector("#detail .detail.kind-claim")
    page.keyboard.press("Escape")  # back to the text, at the span
    page.wait_for_function("() => document.activeElement.id === 'article-text'")

    select_with_keys(page, TEXT.index(HEDGE), len(HEDGE))
    page.keyboard.press("h")
    page.wait_for_selector("#detail .detail.kind-hedge")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.activeElement.id === 'article-text'")
    claim = Annotation.objects.get(article=article, kind="claim")
    hedge = Annotation.objects.get(article=article, kind="hedge")
    assert (claim.quote, hedge.quote) == (CLAIM, HEDGE)

    page.keyboard.press("j")  # the first annotation in text order: the claim
    page.wait_for_selector(f'#detail [data-selected="{claim.pk}"]')
    page.keyboard.press("j")
    page.wait_for_selector(f'#detail [data-selected="{hedge.pk}"]')
    page.keyboard.press("l")  # point at a claim: j steps to it, Enter links
    # Each key waits for what the person would see first (a loaded machine is slow to
    # settle the panel): the pointing mode, then the candidate marked.
    page.wait_for_selector('#point-link[aria-pressed="true"]')
    page.keyboard.press("j")
    page.wait_for_selector("#article-text mark.is-link-candidate")
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail .links .link-kind")
    assert Link.objects.filter(from_annotation=hedge, to_annotation=claim).exists()

    tab_to(page, "el.textContent.trim() === 'Mark ready for review'", backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_selector("#article-status .status-ready")
    article.refresh_from_db()
    assert article.status == ArticleStatus.READY
    page.screenshot(path=artifacts / "keyboard-only-workspace.png")

    review = live_pages(team["reviewer"], {"width": 1440, "height": 900})
    review.goto(f"/p/{team.slug}/review/articles/{article.pk}/")
    review.wait_for_selector("#review-items .review-item.is-current")
    for annotation in (claim, hedge):
        review.keyboard.press("a")
        review.wait_for_selector(f'#review-items [data-id="{annotation.pk}"].st-approved')
    review.wait_for_selector("#review-progress .status-reviewed")
    statuses = set(Annotation.objects.filter(article=article).values_list("status", flat=True))
    assert statuses == {Status.APPROVED}
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEWED
