"""The demo event's timeline in a real browser: readable, focusable marks, a screenshot."""

import pytest

from annotator.events.models import Event

pytestmark = pytest.mark.browser


def test_event_timeline_in_the_browser(page_as, artifacts):
    page = page_as("reviewer")
    event = Event.objects.get(project__slug="demo")
    page.goto("/p/demo/events/")
    page.click(f"text={event.title}")
    page.wait_for_selector("svg.timeline")
    marks = page.locator("svg.timeline a.tl-mark")
    assert marks.count() == event.claims.filter(kind="claim").count()
    marks.first.focus()  # keyboard users read the quote on focus
    assert page.locator("svg.timeline a.tl-mark:focus .tl-tip").is_visible()
    page.screenshot(path=str(artifacts / "event-timeline.png"), full_page=True)
    with page.expect_navigation():
        marks.first.locator("circle, rect").first.click()  # opens the claim in its article
    assert "/articles/" in page.url and "selected=" in page.url
    page.wait_for_selector("#detail .detail.kind-claim")
