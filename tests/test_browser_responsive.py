"""The app on a phone (390×844) in real Chromium: no page is wider than the screen (wide
tables scroll in their own box), the top bar's menu folds and unfolds, the workspace's
detail panel opens in view right after tagging, and the article list's live search keeps
every keystroke, the focus and the scroll position."""

from datetime import UTC, datetime

import factories
import pytest

from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.articles.models import ArticleStatus
from annotator.review.services import annotation_review, assignments_create

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

ENGLISH = (
    "Flood waters reached the old market district on Monday night, residents said.\n"
    "The river authority reportedly opened two sluice gates before dawn, a move that "
    "engineers described as a precaution against a breach further upstream.\n"
    "Shopkeepers spent Tuesday carrying stock to upper floors while volunteers filled "
    "sandbags along Harbour Road and the bridge to the northern bank stayed closed."
)
ARABIC = (
    "قال مسؤولون في البلدية إن مياه الفيضان وصلت إلى السوق القديم مساء الاثنين.\n"
    "ويُعتقد أن هيئة النهر فتحت بوابتين قبل الفجر تحسباً لانهيار السد في أعلى المجرى."
)


@pytest.fixture
def newsroom(team):
    """A project with a long-titled outlet, English and Arabic articles, spans, an event,
    an assignment and a rejected span: every main page has a table or a list to show."""
    project = team.project
    wire = factories.source(project, "The Northern Valley Evening Chronicle and Gazette", grade="B")
    flood = factories.article(
        project,
        ENGLISH,
        title="Flood waters reach the old market district as sluice gates open upstream",
        outlet=wire,
        published_at=datetime(2025, 3, 3, 21, 0, tzinfo=UTC),
        status=ArticleStatus.READY,
        uploaded_by=team["owner"],
    )
    arabic = factories.article(project, ARABIC, title="الفيضان يصل إلى السوق القديم", language="ar")
    for n in range(16):  # enough rows that the list is taller than the phone
        outlet = "ABC Radio" if n % 2 else "the valley paper"
        factories.article(project, f"Orchard report {n}: a fair harvest, growers told {outlet}.")
    event = factories.event(project, "Market district flood")
    claim = factories.span(
        flood,
        "Flood waters reached the old market district on Monday night",
        by=team["annotator"],
        event=event,
    )
    said = factories.span(flood, "residents said", kind=ATTRIBUTION, by=team["annotator"])
    factories.link(said, claim)
    factories.span(flood, "reportedly", kind=HEDGE, by=team["annotator"])
    wrong = factories.span(flood, "Shopkeepers spent Tuesday", by=team["annotator"])
    annotation_review(
        annotation=wrong,
        reviewer=team["reviewer"],
        decision="rejected",
        comment="Not a claim about the flood itself.",
    )
    assignments_create(
        articles=[flood, arabic], users=[team["annotator"]], assigned_by=team["owner"]
    )
    return {"flood": flood, "arabic": arabic, "event": event, "wire": wire}


@pytest.fixture
def phone_as(live_pages, team):
    """phone_as(user) -> a logged-in Playwright page at 390×844 on the live server. Fails
    the test on any JavaScript error or CSP violation."""
    return lambda user: live_pages(user, PHONE)


def overflow(page) -> int:
    """How many pixels the document is wider than the viewport (0: none)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def too_wide(page) -> list[str]:
    """The outermost elements that stick out past the viewport, to name in a failure."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter(el => el.getBoundingClientRect().right > innerWidth + 1
                   && el.parentElement.getBoundingClientRect().right <= innerWidth + 1)
          .map(el => el.tagName + '.' + el.className + '#' + el.id).slice(0, 5)"""
    )


def test_no_page_is_wider_than_a_phone(phone_as, team, newsroom):
    slug, flood = team.slug, newsroom["flood"]
    pages = {
        "owner": [
            "/",
            f"/p/{slug}/",
            f"/p/{slug}/articles/",
            f"/p/{slug}/articles/{flood.pk}/",
            f"/p/{slug}/review/",
            f"/p/{slug}/review/articles/{flood.pk}/",
            f"/p/{slug}/events/",
            f"/p/{slug}/events/{newsroom['event'].pk}/",
            f"/p/{slug}/sources/",
            f"/p/{slug}/export/",
            f"/p/{slug}/suggestions/",
            f"/p/{slug}/review/assignments/",
        ],
        "annotator": [f"/p/{slug}/my-work/"],
    }
    wide = {}
    for who, paths in pages.items():
        page = phone_as(team[who])
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            if excess := overflow(page):
                wide[path] = (excess, too_wide(page))
    assert wide == {}
    # The wide tables are there, scrolling in their own box rather than the page's.
    page.goto(f"/p/{slug}/articles/")
    box = page.locator("#article-list .table-scroll")
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")


def test_menu_folds_on_a_phone_and_opens_and_closes(phone_as, team, newsroom):
    page = phone_as(team["owner"])
    page.goto(f"/p/{team.slug}/articles/")
    toggle = page.locator("#menu-toggle")
    tokens = page.locator("#usermenu >> text=API tokens")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not tokens.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and tokens.is_visible()
    assert overflow(page) == 0
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not tokens.is_visible()
    assert page.evaluate("() => document.activeElement.id") == "menu-toggle"
    toggle.click()
    page.locator("h1").click()  # a click elsewhere folds it too
    assert not tokens.is_visible()
    # On a desktop screen there is nothing to fold.
    page.set_viewport_size({"width": 1440, "height": 900})
    assert not toggle.is_visible() and tokens.is_visible()


def test_tagging_on_a_phone_opens_the_panel_in_view(
    phone_as, team, newsroom, drag_select, artifacts
):
    page = phone_as(team["annotator"])
    page.goto(f"/p/{team.slug}/articles/{newsroom['flood'].pk}/")
    # Over the hedge "reportedly": the new claim is drawn in pieces around it.
    drag_select(page, "The river authority reportedly opened two sluice gates")
    page.wait_for_selector("#selection-toolbar:not([hidden])")
    page.keyboard.press("c")
    page.wait_for_selector("#detail .detail.kind-claim")
    assert page.locator("#detail").evaluate("el => getComputedStyle(el).position") == "fixed"
    panel = page.locator("#detail").bounding_box()
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= PHONE["height"] + 1
    # "Saved" (for 5 s) shows at the top of the screen, not behind the sheet.
    page.wait_for_selector("#save-status[data-state=saved]")
    status = page.locator("#save-status").bounding_box()
    assert status["y"] >= 0 and status["y"] + status["height"] <= panel["y"]
    assert page.evaluate(
        """() => { const box = document.getElementById('save-status').getBoundingClientRect();
                   const top = document.elementFromPoint(box.x + 5, box.y + box.height / 2);
                   return document.getElementById('save-status').contains(top); }"""
    ), "something covers the save status"
    page.screenshot(path=artifacts / "phone-saved-over-sheet.png")
    assert page.locator("#detail [data-action=close-detail]").is_visible()
    # ...and the words just tagged stay in view above it.
    page.wait_for_function(
        """() => { const top = document.getElementById('detail').getBoundingClientRect().top;
                   const pieces = [...document.querySelectorAll('#article-text mark.is-selected')];
                   return pieces.length > 0 && pieces.every(piece => {
                     const box = piece.getBoundingClientRect();
                     return box.top >= 0 && box.bottom <= top; }); }"""
    )
    assert overflow(page) == 0
    page.click("#detail [data-action=close-detail]")
    page.wait_for_selector("#detail .detail-empty")
    # Closed, it is back in the page's flow (no sheet over the text).
    assert page.locator("#detail").evaluate("el => getComputedStyle(el).position") == "static"


def test_live_search_keeps_every_keystroke_focus_and_scroll(phone_as, team, newsroom):
    page = phone_as(team["owner"])
    page.goto(f"/p/{team.slug}/articles/")
    search = page.locator(".article-filters input[name=q]")
    # Room below whatever the results are, so only a script could move the page; then
    # scroll a little, the box still in view.
    page.evaluate("() => { document.body.style.paddingBottom = '1500px'; scrollTo(0, 100); }")
    before = page.evaluate("() => window.scrollY")
    assert before == 100 and search.bounding_box()["y"] > 0
    history = page.evaluate("() => history.length")
    search.click()
    with page.expect_response(lambda r: "q=a" in r.url):
        page.keyboard.type("a")
    page.wait_for_timeout(100)  # the first answer has been swapped in; now type on
    with page.expect_response(lambda r: "q=abc" in r.url) as answer:
        page.keyboard.type("bc", delay=60)
    assert answer.value.status == 200
    page.wait_for_selector("#article-list:not(.htmx-request)")
    assert search.input_value() == "abc"
    assert page.evaluate("() => document.activeElement.name") == "q"
    assert page.evaluate("() => window.scrollY") == before
    assert "q=abc" in page.url and page.evaluate("() => history.length") == history
    rows = page.locator("#article-list tbody tr").all_inner_texts()
    assert len(rows) == 8 and all("ABC Radio" in row for row in rows)
    search.fill("nothing-like-this")
    page.wait_for_selector("#article-list >> text=No articles match")
    assert search.input_value() == "nothing-like-this"
