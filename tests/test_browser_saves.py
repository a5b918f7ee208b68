"""Saving in the workspace, in Chromium: ten annotations in a row on a long article leave
the page where it was and each says "Saved"; a note typed in the panel survives choosing
another span; a conflict shows in the panel with Keep mine / Take theirs."""

from pathlib import Path

import factories
import pytest

from annotator.annotations.models import Annotation
from annotator.annotations.services import annotation_edit

pytestmark = pytest.mark.browser

SHOTS = Path("/work/notes/shots14")
LINE = (
    "bulletin {n:02d} reached the newsroom shortly after midnight. Officials at the "
    "border crossing said that about {n}0 lorries had been turned back, while drivers "
    "told reporters the queue stretched for several kilometres along the coast road."
)


@pytest.fixture
def long_article(team):
    """Forty paragraphs (a page several screens tall), one claim in every paragraph."""
    text = "\n\n".join(LINE.format(n=n) for n in range(1, 41))
    article = factories.article(team.project, text, title="Lorries turned back at the border")
    for n in range(1, 41):
        factories.span(article, f"about {n}0 lorries", by=team["annotator"])
    return article


@pytest.fixture
def page(browser, live_server, team, long_article):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
    page.on("console", lambda msg: _console(msg, problems))
    page.goto("/login/")
    page.fill("#id_username", "annotator")
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"/p/{team.slug}/articles/{long_article.pk}/")
    yield page
    context.close()
    assert not problems, problems


def _console(msg, problems):
    # The browser logs every 409 answer; the conflict test expects exactly one.
    if msg.type == "error" and "status of 409" not in msg.text:
        problems.append(f"{msg.text} {msg.location}")


def count(page) -> int:
    return int(page.locator("#ann-count").inner_text())


def test_ten_annotations_in_a_row_keep_the_page_still(page, drag_select, long_article):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#text-part-20").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")
    scroll = page.evaluate("window.scrollY")
    assert scroll > 1000  # well into a long page
    first_paragraph = page.evaluate(
        """() => [...document.querySelectorAll('#article-text .text-part')]
             .filter((p) => p.getBoundingClientRect().top > 80)
             .map((p) => p.textContent.match(/^bulletin (\\d+)/))
             .find(Boolean)[1]"""
    )
    for i in range(10):
        n = int(first_paragraph) + i // 2  # two spans in each of five paragraphs in view
        phrase = f"bulletin {n:02d}" if i % 2 == 0 else "the queue stretched"
        before = count(page)
        drag_select(page, phrase, occurrence=0 if i % 2 == 0 else n - 1)
        page.keyboard.press("c")
        page.wait_for_function(
            "n => Number(document.getElementById('ann-count').textContent) === n", arg=before + 1
        )
        page.wait_for_function(
            "() => document.getElementById('save-status').textContent === 'Saved'"
        )
        assert page.evaluate("window.scrollY") == scroll, f"the page moved after save {i + 1}"
    assert Annotation.objects.filter(article=long_article).count() == 50
    made = Annotation.objects.filter(article=long_article).latest("pk")
    assert page.locator(f"#article-text mark[data-id='{made.pk}']").count() == 1
    assert page.locator(f"#ann-item-{made.pk}").count() == 1
    page.screenshot(path=SHOTS / "saves-desktop-after-ten-saves.png", caret="initial")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SHOTS / "saves-phone-saved.png", caret="initial")


def test_a_typed_note_survives_choosing_another_span(page, long_article):
    first, second = Annotation.objects.filter(article=long_article).order_by("start")[:2]
    page.click(f"#article-text mark[data-id='{first.pk}']")
    page.wait_for_selector(f"#detail [data-selected='{first.pk}'] #id_note")
    page.fill("#id_note", "Two drivers confirmed the figure.")
    page.click(f"#article-text mark[data-id='{second.pk}']")
    page.wait_for_selector(f"#detail [data-selected='{second.pk}']")
    assert page.input_value("#id_note") == ""
    page.click(f"#article-text mark[data-id='{first.pk}']")
    page.wait_for_selector(f"#detail [data-selected='{first.pk}'] #draft-note")
    assert page.input_value("#id_note") == "Two drivers confirmed the figure."
    page.screenshot(path=SHOTS / "saves-desktop-draft-restored.png", caret="initial")
    page.click("#detail-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('save-status').textContent === 'Saved'")
    first.refresh_from_db()
    assert first.note == "Two drivers confirmed the figure."
    page.click(f"#article-text mark[data-id='{second.pk}']")
    page.click(f"#article-text mark[data-id='{first.pk}']")
    page.wait_for_selector(f"#detail [data-selected='{first.pk}'] #id_note")
    assert page.locator("#draft-note").count() == 0  # saved: no draft left


def test_a_conflict_is_shown_in_view_and_keep_mine_wins(page, team, long_article):
    claim = Annotation.objects.filter(article=long_article).order_by("-start").first()
    page.locator(f"#article-text mark[data-id='{claim.pk}']").click()
    page.wait_for_selector(f"#detail [data-selected='{claim.pk}'] #id_note")
    # Meanwhile a colleague saves the same annotation.
    annotation_edit(annotation=claim, user=team["annotator"], version=claim.version, note="theirs")
    page.fill("#id_note", "mine")
    page.click("#detail-form button[type=submit]")
    conflict = page.wait_for_selector("#conflict")
    # Brought into view once htmx has settled the swap (workspace.js showConflict), a few
    # milliseconds after the box exists: wait for that, not for the box alone.
    page.wait_for_function(
        "() => { const r = document.getElementById('conflict').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }",
        timeout=5000,
    )
    box, height = conflict.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] < height, "the conflict is in view"
    assert "mine" in conflict.inner_text() and "theirs" in conflict.inner_text()
    assert page.locator("#take-theirs").is_visible()
    page.screenshot(path=SHOTS / "saves-desktop-conflict.png", caret="initial")
    page.click("#keep-mine")
    page.wait_for_function("() => document.getElementById('save-status').textContent === 'Saved'")
    claim.refresh_from_db()
    assert claim.note == "mine"
