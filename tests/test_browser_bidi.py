"""Right-to-left text in the workspace, in Chromium: each paragraph takes its direction
from its own text (an Arabic article whose first line is Latin, an English paragraph in
it, a long Arabic paragraph drawn in several parts), and the arrow keys follow it."""

import factories
import pytest

pytestmark = pytest.mark.browser

DATELINE = "MARSA (Meridian Wire) 12 March"
# Over 200 characters: text_parts draws it in several parts.
LONG_ARABIC = (
    "قال مسؤول في الميناء إن نحو ثلاثمئة عنصر غادروا القاعدة الشمالية يوم الثلاثاء، "
    "وأضاف أن القافلة ضمت أربعين شاحنة على الأقل وأنها اتجهت نحو الطريق الساحلي قبل "
    "الفجر، فيما قال شهود إن الرافعات في الرصيف توقفت عن العمل طوال اليوم."
)
ENGLISH = "Port officials declined to comment on the figures."
TEXT = f"{DATELINE}\n{LONG_ARABIC}\n{ENGLISH}"

LAYOUT = """() => {
  const box = document.getElementById('article-text').getBoundingClientRect();
  const paragraphs = [...document.querySelectorAll('#article-text .paragraph')];
  const edges = paragraphs.map((p) => {
    const range = document.createRange();
    range.setStart(p.firstChild.firstChild || p.firstChild, 0);
    range.setEnd(p.firstChild.firstChild || p.firstChild, 1);
    const r = range.getBoundingClientRect();
    return [Math.round(box.right - r.right), Math.round(r.left - box.left)];
  });
  // The last character of the long paragraph's first part, and the first of its second.
  const parts = paragraphs[1].querySelectorAll('.text-part');
  const rectOf = (node, offset) => {
    const range = document.createRange();
    range.setStart(node, offset); range.setEnd(node, offset + 1);
    return range.getBoundingClientRect();
  };
  const lastText = parts[0].lastChild;
  const a = rectOf(lastText, lastText.data.length - 2), b = rectOf(parts[1].firstChild, 0);
  return {edges, parts: parts.length, sameLine: Math.abs(a.top - b.top) < 2,
          secondLeftOfFirst: b.right <= a.left + 1, secondBelow: b.top > a.top + 2};
}"""

CARET = """() => {
  const selection = window.getSelection();
  const range = document.createRange();
  range.setStart(document.getElementById('article-text'), 0);
  range.setEnd(selection.focusNode, selection.focusOffset);
  return range.toString().length;
}"""

PLACE_CARET = """(offset) => {
  const box = document.getElementById('article-text');
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  let node, seen = 0;
  while ((node = walker.nextNode())) {
    if (seen + node.data.length > offset) {
      window.getSelection().collapse(node, offset - seen);
      return;
    }
    seen += node.data.length;
  }
}"""


DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
def test_each_paragraph_has_its_own_direction_and_the_arrow_keys_follow_it(
    live_pages, team, viewport, artifacts
):
    article = factories.article(team.project, TEXT, language="ar", title="الميناء")
    page = live_pages(team["annotator"], viewport)
    page.goto(f"/p/{team.slug}/articles/{article.pk}/")
    page.wait_for_selector("#article-text .paragraph")
    layout = page.evaluate(LAYOUT)
    (latin_right, latin_left), (arabic_right, _), (english_right, english_left) = layout["edges"]
    assert latin_left <= 2 and latin_right > 20  # the Latin dateline starts at the left
    assert arabic_right <= 2  # the Arabic paragraph starts at the right edge
    assert english_left <= 2 and english_right > 20
    assert layout["parts"] >= 2
    # The long paragraph's pieces keep the reading order: the second continues to the left
    # of the first on its line (or below it).
    assert (layout["sameLine"] and layout["secondLeftOfFirst"]) or layout["secondBelow"]
    page.screenshot(path=artifacts / f"bidi-paragraphs-{viewport['width']}.png")

    page.focus("#article-text")
    inside_arabic = len(DATELINE) + 1 + 5
    page.evaluate(PLACE_CARET, inside_arabic)
    page.keyboard.press("ArrowLeft")  # right to left: the next character
    assert page.evaluate(CARET) == inside_arabic + 1
    inside_english = len(DATELINE) + 1 + len(LONG_ARABIC) + 1 + 5
    page.evaluate(PLACE_CARET, inside_english)
    page.keyboard.press("ArrowRight")
    assert page.evaluate(CARET) == inside_english + 1
    page.evaluate(PLACE_CARET, 5)
    page.keyboard.press("ArrowRight")  # the Latin first line of an Arabic article
    assert page.evaluate(CARET) == 6
