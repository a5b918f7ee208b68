"""Offsets and segments as pure functions, on the text shapes that break naive code."""

import html
import re
from types import SimpleNamespace

import pytest

from annotator.annotations.highlight import segments, text_html
from annotator.annotations.offsets import (
    adjust_span,
    codepoint_to_utf16,
    is_grapheme_boundary,
    span_problem,
    utf16_length,
    utf16_to_codepoint,
)

FAMILY = "👨\u200d👩\u200d👧"  # one grapheme, 5 code points, 8 UTF-16 units
FLAG = "🇸🇾"  # regional indicators: one grapheme, 2 code points, 4 UTF-16 units
ARABIC = "قالَ المسؤولُ إنّ القاعدةَ أُخليَت"  # with harakat and shadda
TATWEEL = "الـــقاعدة"
RLM = "\u200f"
MIXED = "نقلاً عن Meridian Wire، قال"
TEXT = f"Intro {FAMILY} and {FLAG}.\n\n{ARABIC} {TATWEEL}{RLM} {MIXED}\nEnd"


def span(pk, start, end, kind="claim", status="draft"):
    return SimpleNamespace(pk=pk, start=start, end=end, kind=kind, status=status)


@pytest.mark.parametrize("piece", [FAMILY, FLAG, ARABIC, TATWEEL, RLM, MIXED, "\n\n", "End"])
def test_utf16_and_code_points_round_trip(piece):
    start = TEXT.index(piece)
    u16 = codepoint_to_utf16(TEXT, start)
    assert u16 == utf16_length(TEXT[:start])
    assert utf16_to_codepoint(TEXT, u16) == start
    end_u16 = u16 + utf16_length(piece)
    assert utf16_to_codepoint(TEXT, end_u16) == start + len(piece)


def test_utf16_offset_inside_a_surrogate_pair_is_refused():
    inside_flag = codepoint_to_utf16(TEXT, TEXT.index(FLAG)) + 1
    with pytest.raises(ValueError, match="surrogate"):
        utf16_to_codepoint(TEXT, inside_flag)


def test_emoji_sizes():
    assert (len(FAMILY), utf16_length(FAMILY)) == (5, 8)
    assert (len(FLAG), utf16_length(FLAG)) == (2, 4)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (TEXT.index(FAMILY), True),
        (TEXT.index(FAMILY) + 1, False),  # after the man, before the ZWJ
        (TEXT.index(FAMILY) + 2, False),
        (TEXT.index(FLAG) + 1, False),  # between the two regional indicators
        (TEXT.index("قالَ") + 3, False),  # between lam and its fatha
        (TEXT.index("قالَ") + 4, True),
        (TEXT.index("\n\n") + 1, True),
        (0, True),
        (len(TEXT), True),
    ],
)
def test_grapheme_boundaries(index, expected):
    assert is_grapheme_boundary(TEXT, index) is expected


def test_span_problem_accepts_exact_quotes_and_explains_the_rest():
    start = TEXT.index(ARABIC)
    assert span_problem(TEXT, start, start + len(ARABIC), ARABIC) is None
    assert "does not match" in span_problem(TEXT, start, start + 4, "قال")
    assert "split a character" in span_problem(TEXT, start, start + 3, TEXT[start : start + 3])
    family = TEXT.index(FAMILY)
    assert "split a character" in span_problem(TEXT, family, family + 1, TEXT[family])
    assert "outside" in span_problem(TEXT, 0, len(TEXT) + 1, TEXT)
    assert "at least one" in span_problem(TEXT, 5, 5, "")
    assert "whitespace" in span_problem(TEXT, TEXT.index("\n\n"), TEXT.index("\n\n") + 2, "\n\n")


def test_segments_cut_at_every_boundary_with_outermost_first():
    outer, inner, overlap = span(1, 0, 20), span(2, 5, 10), span(3, 8, 25)
    cuts = segments(30, [overlap, inner, outer])
    assert [(s.start, s.end) for s in cuts] == [
        (0, 5),
        (5, 8),
        (8, 10),
        (10, 20),
        (20, 25),
        (25, 30),
    ]
    assert [tuple(x.pk for x in s.layers) for s in cuts] == [
        (1,),
        (1, 2),
        (1, 3, 2),
        (1, 3),
        (3,),
        (),
    ]


def test_text_html_keeps_the_text_character_for_character():
    spans = [
        span(1, TEXT.index(FAMILY), TEXT.index(FLAG) + len(FLAG)),
        span(2, TEXT.index(ARABIC), TEXT.index(ARABIC) + 4, "hedge"),
        span(3, TEXT.index(ARABIC), len(TEXT), "attribution"),
    ]
    rendered = text_html(TEXT + "<script>x</script>", spans)
    assert "<script>" not in rendered
    assert html.unescape(re.sub(r"<[^>]+>", "", rendered)) == TEXT + "<script>x</script>"
    assert rendered.count('data-label="claim"') == 1  # one label per span, on its last piece


def test_adjust_span_by_words_in_english_and_arabic():
    text = "The base, believed to be 4 km west."
    start = text.index("believed")
    end = start + len("believed to be")
    assert text.__getitem__(slice(*adjust_span(text, start, end, "widen-start"))) == (
        "base, believed to be"
    )
    assert text.__getitem__(slice(*adjust_span(text, start, end, "narrow-end"))) == "believed to"
    arabic = "وتقع القاعدة على بعد نحو 3 كم"
    s = arabic.index("نحو")
    e = s + len("نحو")
    assert arabic.__getitem__(slice(*adjust_span(arabic, s, e, "widen-end"))) == "نحو 3"
    assert adjust_span(arabic, s, e, "narrow-end") == (s, e)  # never empties a span
