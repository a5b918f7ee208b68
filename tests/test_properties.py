"""Property-based tests (Hypothesis) of the pure functions that everything rests on: offset
conversion, span boundaries, segmenting for highlights, and every import parser, fed
random Unicode (Arabic with marks, emoji and ZWJ sequences, flags, direction marks,
line breaks) and random bytes.

Example counts stay small so the suite stays fast: the "ci" profile (used when CI is set)
runs 50 examples per property, "dev" 30. Both are derandomized (the same examples on every
run, so a failure is never a matter of luck); HYPOTHESIS_PROFILE=thorough runs 1000 new
random examples per property to look for more (the profiles are in conftest.py).

Strategies draw valid inputs directly rather than filtering them (`.filter`, `assume`):
a filter that throws most draws away fails Hypothesis's health check, and with another
Hypothesis version the same derandomized run may start to.
"""

import html
import re
import unicodedata
from types import SimpleNamespace

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.annotations.highlight import segments, text_html
from annotator.annotations.offsets import (
    adjust_span,
    codepoint_to_utf16,
    is_grapheme_boundary,
    span_problem,
    utf16_length,
    utf16_to_codepoint,
)
from annotator.articles.archives import ArchiveRejected, zip_members
from annotator.articles.dates import FoundDate, find_date_in_text, parse_date
from annotator.articles.parsing import (
    ParsedArticle,
    Rejected,
    decode_bytes,
    normalise_text,
    parse_html,
    parse_text,
    parse_upload,
    split_front_matter,
)

# HTML goes through trafilatura, which takes milliseconds per page: fewer examples.
FEWER = settings(max_examples=max(10, settings.default.max_examples // 2))

# Pieces that break naive code, mixed with arbitrary text.
PIECES = [
    "👨\u200d👩\u200d👧",  # one grapheme, five code points, eight UTF-16 units
    "🇸🇾",  # a flag: two regional indicators
    "👍🏽",  # emoji with a skin-tone modifier
    "قالَ المسؤولُ إنّ",  # Arabic with harakat and shadda
    "الـــقاعدة",  # tatweel
    "e\u0301",  # e + combining acute (NFD)
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u200d",  # a lone zero-width joiner
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "Meridian Wire",
    "١٥ كانون الثاني ٢٠٢٤",
    "12 March 2025 09:40 GMT+3",
]
texts = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(PIECES)), max_size=12).map("".join)
stored_texts = texts.map(normalise_text)  # what articles hold: NFC, "\n" line ends
# Never empty, by construction: at least one non-empty piece (normalising keeps it so).
nonempty_stored_texts = (
    st.lists(st.one_of(st.text(min_size=1, max_size=8), st.sampled_from(PIECES)), min_size=1,
             max_size=12)
    .map("".join)
    .map(normalise_text)
)  # fmt: skip


def clusters(text: str) -> set[int]:
    """Grapheme cluster boundaries of the whole text."""
    bounds, position = {0}, 0
    for match in regex.finditer(r"\X", text):
        position += len(match.group())
        bounds.add(position)
    return bounds


# --- Offsets ---------------------------------------------------------------------------


@given(texts)
def test_codepoint_and_utf16_offsets_round_trip(text):
    assert utf16_length(text) == len(text.encode("utf-16-le")) // 2
    for index in range(len(text) + 1):
        units = codepoint_to_utf16(text, index)
        assert units == len(text[:index].encode("utf-16-le")) // 2
        assert utf16_to_codepoint(text, units) == index


@given(texts)
def test_utf16_offsets_inside_a_surrogate_pair_are_refused(text):
    valid = {codepoint_to_utf16(text, i) for i in range(len(text) + 1)}
    for units in range(utf16_length(text) + 2):
        if units in valid:
            assert codepoint_to_utf16(text, utf16_to_codepoint(text, units)) == units
        else:
            try:
                utf16_to_codepoint(text, units)
            except ValueError as error:
                assert "surrogate" in str(error) or "past the end" in str(error)
            else:
                raise AssertionError(f"UTF-16 offset {units} accepted")


@given(stored_texts)
def test_grapheme_boundaries_are_those_of_the_whole_text(text):
    expected = clusters(text)
    for index in range(len(text) + 1):
        boundary = is_grapheme_boundary(text, index)
        assert boundary == (index in expected), index
        if boundary and 0 < index < len(text) and unicodedata.category(text[index - 1])[0] in "LN":
            # A letter keeps its marks, and an emoji joiner its sequence (after a line
            # break or a format character, Unicode starts a new cluster whatever follows).
            assert unicodedata.category(text[index]) not in ("Mn", "Me")
            assert text[index] != "\u200d"


@given(stored_texts, st.integers(-3, 60), st.integers(-3, 60))
def test_a_span_is_accepted_only_on_whole_characters_with_its_exact_quote(text, start, end):
    quote = text[max(start, 0) : max(end, 0)]
    problem = span_problem(text, start, end, quote)
    if problem is None:
        assert 0 <= start < end <= len(text)
        assert text[start:end] == quote and quote.strip()
        assert is_grapheme_boundary(text, start) and is_grapheme_boundary(text, end)
    else:
        assert isinstance(problem, str) and problem
    if 0 <= start < end <= len(text):
        assert span_problem(text, start, end, quote + "x") is not None


@st.composite
def spans_in(draw, text: str) -> tuple[int, int]:
    """start < end within `text` (non-empty): drawn inside, nothing filtered away."""
    start = draw(st.integers(0, len(text) - 1))
    return start, draw(st.integers(start + 1, len(text)))


@st.composite
def text_and_span(draw):
    """A non-empty text and a span inside it."""
    text = draw(nonempty_stored_texts)
    return (text, *draw(spans_in(text)))


@given(
    text_and_span(),
    st.sampled_from(["widen-start", "narrow-start", "widen-end", "narrow-end"]),
)
def test_adjusting_a_span_never_empties_it_or_leaves_the_text(case, move):
    text, start, end = case
    assert 0 <= start < end <= len(text)  # what the strategy promises
    new_start, new_end = adjust_span(text, start, end, move)
    assert 0 <= new_start < new_end <= len(text)
    if move.startswith("widen"):
        assert new_start <= start and new_end >= end
    else:
        assert start <= new_start and new_end <= end


# --- Segments and highlighted HTML -----------------------------------------------------


@st.composite
def text_and_spans(draw):
    text = draw(nonempty_stored_texts)
    pairs = draw(st.lists(spans_in(text), max_size=8))
    kinds = ["claim", "attribution", "hedge"]
    spans = [
        SimpleNamespace(
            pk=i + 1, start=s, end=e, kind=kinds[i % 3], status=draw(st.sampled_from(["draft"]))
        )
        for i, (s, e) in enumerate(pairs)
    ]
    return text, spans


@given(text_and_spans())
def test_segments_tile_the_text_and_list_exactly_the_covering_spans(case):
    text, spans = case
    cut = segments(len(text), spans)
    assert [s.start for s in cut[:1]] == [0]
    assert all(a.end == b.start for a, b in zip(cut, cut[1:], strict=False))
    assert cut[-1].end == len(text)
    for segment in cut:
        assert segment.start < segment.end
        covering = {s.pk for s in spans if s.start <= segment.start and segment.end <= s.end}
        assert {s.pk for s in segment.layers} == covering
        lengths = [s.end - s.start for s in segment.layers]
        assert lengths == sorted(lengths, reverse=True)  # outermost first


@given(text_and_spans(), st.none() | st.integers(1, 8))
def test_highlighted_html_holds_the_text_character_for_character(case, selected):
    text, spans = case
    rendered = str(text_html(text, spans, selected))
    assert html.unescape(re.sub(r"<[^>]*>", "", rendered)) == text
    assert rendered.count("<mark") == rendered.count("</mark>")
    assert "<script" not in rendered.lower()


# --- Import parsers --------------------------------------------------------------------


def assert_stored_form(article: ParsedArticle):
    assert article.text.strip()
    assert "\r" not in article.text and "\r" not in article.title
    assert unicodedata.is_normalized("NFC", article.text)
    assert unicodedata.is_normalized("NFC", article.title)
    assert article.published is None or isinstance(article.published, FoundDate)


@given(st.binary(max_size=400))
def test_any_bytes_decode_or_are_rejected_with_a_reason(data):
    try:
        text, encoding = decode_bytes(data)
    except Rejected as rejection:
        assert str(rejection)
    else:
        assert isinstance(text, str) and encoding


def texts_in(encoding: str):
    """Texts every character of which `encoding` can write (drawn so, not filtered)."""
    if encoding.startswith("utf"):
        return texts
    alphabet = bytes(range(256)).decode(encoding, errors="ignore")  # single-byte code pages
    pieces = [piece for piece in PIECES if set(piece) <= set(alphabet)]
    return st.lists(
        st.one_of(st.text(alphabet=alphabet, max_size=8), st.sampled_from(pieces)), max_size=12
    ).map("".join)


@given(
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1256", "cp1252"]).flatmap(
        lambda encoding: st.tuples(texts_in(encoding), st.just(encoding))
    )
)
def test_text_in_any_supported_encoding_reads_back(case):
    text, encoding = case
    data = text.encode(encoding)
    try:
        decoded, _ = decode_bytes(data)
    except Rejected:
        return  # e.g. control characters that look like binary data: refused, not garbled
    if encoding.startswith("utf"):
        assert decoded == text


@given(
    st.one_of(st.binary(max_size=600), texts.map(lambda t: t.encode("utf-8"))),
    st.sampled_from(["a.txt", "b.md", "c.html", "d.htm", "e.zip", "f.pdf", "g", "h.TXT"]),
)
@FEWER
def test_any_upload_becomes_a_clean_article_or_a_clear_rejection(data, name):
    try:
        article = parse_upload(name, data)
    except Rejected as rejection:
        assert str(rejection)
    else:
        assert_stored_form(article)


@given(texts, st.booleans())
def test_any_text_becomes_a_clean_article_or_a_clear_rejection(text, markdown):
    try:
        article = parse_text(text, "upload.md" if markdown else "upload.txt", "utf-8", markdown)
    except Rejected as rejection:
        assert str(rejection)
    else:
        assert_stored_form(article)
        assert article.text in normalise_text(text)  # nothing invented, only trimmed


@given(texts, texts, texts)
@FEWER
def test_any_web_page_becomes_a_clean_article_or_a_clear_rejection(title, body, extra):
    page = (
        f"<!doctype html><html><head><title>{html.escape(title)}</title>"
        f'<meta property="article:published_time" content="{html.escape(extra)}"></head>'
        f"<body><nav>{html.escape(extra)}</nav><article><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(body)}</p><p>{html.escape(body)} {html.escape(extra)}</p>"
        "</article></body></html>"
    )
    try:
        article = parse_html(page.encode("utf-8"))
    except Rejected as rejection:
        assert str(rejection)
    else:
        assert_stored_form(article)


@given(texts)
def test_front_matter_is_split_without_losing_text(text):
    meta, rest = split_front_matter(normalise_text(text))
    assert isinstance(meta, dict)
    assert rest == normalise_text(text) or normalise_text(text).endswith(rest)


@given(texts)
def test_normalising_is_idempotent_nfc_without_carriage_returns(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert "\r" not in once and unicodedata.is_normalized("NFC", once)


date_words = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Published", "Updated", "نشر", "تاريخ النشر", "كانون الثاني", "شباط", "مارس",
                "January", "Sept", "2024", "١٥", "٢٠٢٤", "15", "31", "29", "02", "9:40",
                "19:32", "GMT+3", "UTC", "+05:30", "دمشق", "Beirut time", "AM", "pm", ",",
                "/", "-", "T", "Z", "2024-02-30", "2025-03-12T09:40:00+00:00",
            ]
        ),
        st.text(max_size=4),
    ),
    max_size=8,
).map(" ".join)  # fmt: skip


@given(st.one_of(date_words, st.text(max_size=40)))
def test_dates_are_found_or_not_but_never_crash(value):
    found = parse_date(value)
    assert found is None or isinstance(found, FoundDate)
    if found is not None and found.value is not None:
        assert 1 <= found.value.month <= 12


@given(st.lists(st.one_of(date_words, texts), max_size=12).map("\n".join))
def test_date_lines_are_found_or_not_but_never_crash(text):
    found = find_date_in_text(text)
    assert found is None or isinstance(found, FoundDate)


@given(st.binary(max_size=300))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_bytes_as_a_zip_are_read_or_rejected_with_a_reason(data):
    try:
        members = list(
            zip_members(b"PK\x03\x04" + data, max_files=5, max_total_bytes=10_000,
                        max_member_bytes=5_000)
        )  # fmt: skip
    except ArchiveRejected as rejection:
        assert str(rejection)
    else:
        for member in members:
            assert member.data is not None or member.reason
