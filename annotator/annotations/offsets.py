"""Span offsets: pure functions, no Django.

Stored offsets are Unicode code points into the article text (Python str indices).
Browsers count UTF-16 code units, so anything coming from a page is converted here.
A span may only start and end on grapheme cluster boundaries: never inside a
surrogate pair, an emoji ZWJ sequence, a flag, or between a letter and its diacritics.
"""

import regex

GRAPHEME = regex.compile(r"\X")
ASTRAL = regex.compile(r"[\U00010000-\U0010FFFF]")  # two UTF-16 units each
CONTEXT_CHARS = 32


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Code point index for a UTF-16 offset; ValueError if it falls inside a surrogate pair."""
    if offset < 0:
        raise ValueError("offset must not be negative")
    if offset <= len(text) and not ASTRAL.search(text, 0, offset):
        return offset  # one unit per code point up to there (most text: no loop)
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} splits a surrogate pair")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is past the end of the text")


def codepoint_to_utf16(text: str, offset: int) -> int:
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text")
    return utf16_length(text[:offset])


def _plain(char: str) -> bool:
    """Printable ASCII, Latin-1, Cyrillic, Arabic and CJK letters: characters that Unicode's
    cluster rules join neither to what comes before nor to what comes after them."""
    return (
        " " <= char <= "~"
        or "\u00c0" <= char <= "\u00ff"
        or "\u0400" <= char <= "\u045f"
        or "\u0621" <= char <= "\u064a"
        or "\u4e00" <= char <= "\u9fff"
    )


def is_grapheme_boundary(text: str, index: int) -> bool:
    """True if `index` lies between two user-perceived characters."""
    if index <= 0 or index >= len(text):
        return index in (0, len(text))
    if _plain(text[index - 1]) and _plain(text[index]):
        return True
    # Segmentation restarts at any boundary: scan from the nearest one known, the last
    # pair of plain characters before `index`, or the start of its line ("\n" always ends
    # a cluster; the text has no "\r"). Long paragraphs cost no more than short ones.
    start = index - 1
    while (
        start > 0
        and text[start - 1] != "\n"
        and not (_plain(text[start - 1]) and _plain(text[start]))
    ):
        start -= 1
    line_end = text.find("\n", index)
    position = start
    for match in GRAPHEME.finditer(text, start, len(text) if line_end == -1 else line_end):
        if position == index:
            return True
        if position > index:
            return False
        position += len(match.group())
    return position == index


def span_context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT_CHARS code points before and after a span, for re-anchoring its quote."""
    return text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]


def span_problem(text: str, start: int, end: int, quote: str) -> str | None:
    """Why (start, end, quote) is not a valid span of `text`, or None if it is."""
    if not (isinstance(start, int) and isinstance(end, int)):
        return "Start and end must be whole numbers."
    if start < 0 or end > len(text):
        return f"The span {start}–{end} lies outside the text (length {len(text)})."
    if start >= end:
        return "A span must contain at least one character (start must be before end)."
    actual = text[start:end]
    if actual != quote:
        return (
            f"The selected text does not match the article at {start}–{end}: "
            f"expected {actual!r}, got {quote!r}. Reload the page and select again."
        )
    if not actual.strip():
        return "A span cannot be only whitespace."
    if not is_grapheme_boundary(text, start) or not is_grapheme_boundary(text, end):
        return "The span would split a character (an emoji or a letter and its marks)."
    return None


WORD = regex.compile(r"\w+(?:['’\-]\w+)*")
WINDOW = 300  # how far to look for the next word when adjusting a span


def _words_near(text: str, index: int) -> list[tuple[int, int]]:
    left = max(0, index - WINDOW)
    return [(left + m.start(), left + m.end()) for m in WORD.finditer(text[left : index + WINDOW])]


def adjust_span(text: str, start: int, end: int, move: str) -> tuple[int, int]:
    """Widen or narrow a span by one word at either end. `move` is one of
    widen-start, narrow-start, widen-end, narrow-end. Never empties the span."""
    if move == "widen-start":
        starts = [s for s, _ in _words_near(text, start) if s < start]
        return (max(starts) if starts else 0), end
    if move == "narrow-start":
        starts = [s for s, _ in _words_near(text, start) if start < s < end]
        return (min(starts) if starts else start), end
    if move == "widen-end":
        ends = [e for _, e in _words_near(text, end) if e > end]
        return start, (min(ends) if ends else len(text))
    if move == "narrow-end":
        ends = [e for _, e in _words_near(text, end) if start < e < end]
        return start, (max(ends) if ends else end)
    raise ValueError(f"unknown move {move!r}")
