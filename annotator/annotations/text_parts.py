"""The article text in parts, each with a stable id, so that a change redraws only the
part(s) a span touches instead of the whole text.

A part is a paragraph (a line of the stored text) or, for a long paragraph, a piece of it
cut after a space: a wire story pasted as one 20,000-character line still redraws a few
hundred characters at a time. The text is immutable once annotated, so a part's index
is its id for as long as it has spans. The "\\n" ending a paragraph stays outside every
part (in the paragraph's element, after its parts), so swapping a part never touches it;
textContent stays the stored text, character for character.
"""

import bisect
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from annotator.annotations.highlight import text_html

PART_LIMIT = 200  # code points: a short paragraph, or a sentence or two of a long one


@dataclass(frozen=True)
class Part:
    index: int
    start: int
    end: int  # exclusive; the paragraph's "\n" (if any) follows
    html: SafeString = mark_safe("")


def part_bounds(text: str, limit: int = PART_LIMIT) -> list[tuple[int, int]]:
    """[start, end) of every part, in text order."""
    bounds, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        bounds.extend(_cut(text, start, end, limit))
        start = end + 1
    return bounds


def _cut(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """A line in pieces of at most `limit` code points, each cut after a space when one
    is near enough (else at the limit: a line of one unbroken word)."""
    pieces = []
    while end - start > limit:
        space = text.rfind(" ", start + limit // 2, start + limit)
        cut = space + 1 if space != -1 else start + limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def parts_touched(text: str, ranges) -> list[int]:
    """The indexes of the parts that [start, end) ranges overlap (a span that ends where
    a part starts does not touch it)."""
    starts = [start for start, _ in part_bounds(text)]
    touched = set()
    for start, end in ranges:
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, max(start, end - 1)) - 1
        touched.update(range(max(first, 0), last + 1))
    return sorted(touched)


def text_parts(text: str, annotations, selected_id=None, only=None) -> list[Part]:
    """The parts (all, or those indexed in `only`) with their highlighted HTML; each part
    gets the annotations that overlap it, so the whole text costs one pass."""
    bounds = part_bounds(text)
    wanted = range(len(bounds)) if only is None else [i for i in only if i < len(bounds)]
    starts = [start for start, _ in bounds]
    spans_of = {index: [] for index in wanted}
    for annotation in annotations:
        first = bisect.bisect_right(starts, annotation.start) - 1
        last = bisect.bisect_right(starts, max(annotation.start, annotation.end - 1)) - 1
        for index in range(max(first, 0), last + 1):
            if index in spans_of:
                spans_of[index].append(annotation)
    return [
        Part(index, *bounds[index], text_html(text, spans_of[index], selected_id, bounds[index]))
        for index in wanted
    ]


def parts_html(text: str, parts: list[Part]) -> SafeString:
    """The whole text: each paragraph (line) an element of its own, holding its parts and
    its "\n", so that the browser gives every paragraph its own direction (CSS: block,
    unicode-bidi: plaintext): alignment, arrow keys and any override in it stay there."""
    out = []
    for part in parts:
        if part.start == 0 or text[part.start - 1] == "\n":
            out.append('<span class="paragraph">')
        out.append(f'<span class="text-part" id="text-part-{part.index}">{part.html}</span>')
        if part.end == len(text) or text[part.end] == "\n":
            out.append("\n</span>" if part.end < len(text) else "</span>")
    return mark_safe("".join(out))  # noqa: S308 (the parts' text is escaped by text_html)
