"""The workspace in real headless Chromium: select with the mouse or the keyboard, tag,
link, overlap, delete and undo, in English and Arabic; the database holds exact quotes."""

import pytest

from annotator.annotations.models import Annotation, Link
from annotator.articles.models import Article

pytestmark = pytest.mark.browser


def open_article(page, outlet):
    article = Article.objects.get(project__slug="demo", outlet__name=outlet)
    page.goto(f"/p/demo/articles/{article.pk}/")
    page.wait_for_selector("#article-text")
    return article


def tag(page, key, kind):
    page.wait_for_selector("#selection-toolbar:not([hidden])")
    page.keyboard.press(key)
    page.wait_for_selector(f"#detail .detail.kind-{kind}")


def assert_stored(article, quote, kind):
    annotation = Annotation.objects.get(article=article, quote=quote, kind=kind)
    assert article.text[annotation.start : annotation.end] == quote
    return annotation


def test_select_and_tag_in_english_and_arabic(page_as, drag_select, artifacts):
    page = page_as("annotator")
    wire = open_article(page, "Meridian Wire")
    drag_select(page, "A convoy of trucks was seen leaving the base at dawn")
    tag(page, "c", "claim")
    assert_stored(wire, "A convoy of trucks was seen leaving the base at dawn", "claim")
    assert page.locator("#article-text mark.hl-claim", has_text="A convoy").count() == 1

    sahil = open_article(page, "Al-Sahil Daily")
    drag_select(page, "هجمات متكررة")
    tag(page, "h", "hedge")
    assert_stored(sahil, "هجمات متكررة", "hedge")
    drag_select(page, "وقال مسؤول في محافظة قرمل")
    page.click("#selection-toolbar button[data-kind=attribution]")
    page.wait_for_selector("#detail .detail.kind-attribution")
    assert_stored(sahil, "وقال مسؤول في محافظة قرمل", "attribution")
    page.screenshot(path=str(artifacts / "workspace-arabic.png"), full_page=True)


def test_emoji_selection_snaps_to_whole_characters(page_as):
    page = page_as("annotator")
    rased = open_article(page, "Rased Network")
    # Select from "الثلاثاء" up to half of the truck emoji (one UTF-16 unit of two).
    page.evaluate(
        """() => {
          const box = document.getElementById('article-text');
          const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
          let node, found;
          while ((node = walker.nextNode())) if (node.data.includes('🚚')) found = node;
          const start = found.data.indexOf('الثلاثاء');
          const range = document.createRange();
          range.setStart(found, start);
          range.setEnd(found, found.data.indexOf('🚚') + 1);
          getSelection().removeAllRanges(); getSelection().addRange(range);
        }"""
    )
    tag(page, "c", "claim")
    assert_stored(rased, "الثلاثاء 🚚", "claim")


def test_attribution_linked_to_claim_by_clicking_it(page_as, drag_select):
    page = page_as("annotator")
    wire = open_article(page, "Meridian Wire")
    drag_select(page, "a resident said")
    tag(page, "a", "attribution")
    page.click("#point-link")  # Link to a claim
    page.click("#article-text mark[data-id] >> text=Foreign troops withdrew")
    page.wait_for_selector("#detail .links .link-kind")
    attribution = assert_stored(wire, "a resident said", "attribution")
    claim = Annotation.objects.get(article=wire, quote__startswith="Foreign troops withdrew")
    assert Link.objects.filter(from_annotation=attribution, to_annotation=claim).exists()
    # The claim lists its attributions: the link shows both ways.
    page.click("#annotation-list a >> text=Foreign troops withdrew")
    page.wait_for_selector("#detail >> text=Attributed and hedged by")
    assert page.locator("#detail .links", has_text="a resident said").count() == 1


def test_overlapping_span_is_stacked(page_as, drag_select):
    page = page_as("annotator")
    wire = open_article(page, "Meridian Wire")
    drag_select(page, "Tuesday, two local officials")  # overlaps a claim and an attribution
    tag(page, "h", "hedge")
    assert_stored(wire, "Tuesday, two local officials", "hedge")
    assert page.locator("#article-text mark.hl mark.hl-hedge").count() >= 1
    # Labels are CSS, not text: the page's text is still the stored text.
    assert page.evaluate("document.getElementById('article-text').textContent") == wire.text


def test_delete_and_undo(page_as):
    page = page_as("annotator")
    wire = open_article(page, "Meridian Wire")
    page.click("#article-text mark >> text=The base lies 3 km west of Qarmal airport")
    page.wait_for_selector("#detail .detail.kind-claim")
    page.keyboard.press("Delete")
    page.wait_for_selector("#undo-button")
    assert not Annotation.objects.filter(article=wire, quote__startswith="The base lies").exists()
    page.keyboard.press("u")
    page.wait_for_selector("#detail .detail.kind-claim")
    assert_stored(wire, "The base lies 3 km west of Qarmal airport", "claim")


def test_keyboard_only(page_as):
    page = page_as("annotator")
    wire = open_article(page, "Meridian Wire")
    for _ in range(25):  # Tab to the text like a keyboard user
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "article-text":
            break
    assert page.evaluate("document.activeElement.id") == "article-text"
    page.keyboard.press("Control+Home")
    for _ in range(len("QARMAL")):
        page.keyboard.press("Shift+ArrowRight")
    tag(page, "c", "claim")
    assert_stored(wire, "QARMAL", "claim")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.wait_for_selector("#detail [data-selected]:not([data-selected=''])")
    first = page.get_attribute("#detail [data-selected]", "data-selected")
    page.keyboard.press("j")
    page.wait_for_function(
        "id => document.querySelector('#detail [data-selected]').dataset.selected !== id", arg=first
    )
    page.keyboard.press("?")
    assert page.is_visible("#shortcuts")
    page.keyboard.press("Escape")
    assert not page.is_visible("#shortcuts")
