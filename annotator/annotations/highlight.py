"""Article text as HTML with every annotation highlighted, overlaps included.

The text is cut at every span boundary into flat segments; each segment lists the
spans covering it, outermost first, and is drawn as nested inline layers so that
depth shows as stacked underlines. The HTML holds the text character for character
(no added whitespace): the browser computes offsets from it.
"""

from dataclasses import dataclass
from html import escape  # Django's lazy-aware wrapper costs 3x this, per piece

from django.utils.safestring import SafeString, mark_safe

from annotator.annotations.kinds import KINDS


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    layers: tuple  # the spans covering [start, end), outermost (longest) first


def segments(text_length: int, spans, start: int = 0) -> list[Segment]:
    """Cut [start, text_length) at every span boundary. `spans` have .start, .end (code
    points); a span reaching outside is cut at the window's edges."""
    cuts = {start, text_length}
    for span in spans:
        cuts.add(span.start)
        cuts.add(span.end)
    points = sorted(cut for cut in cuts if start <= cut <= text_length)
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.pk))
    result, active, next_span, count = [], [], 0, len(ordered)
    for left, right in zip(points, points[1:], strict=False):
        while next_span < count and ordered[next_span].start <= left:
            active.append(ordered[next_span])
            next_span += 1
        if active:  # most segments of a densely marked text lie under one span or none
            active = [span for span in active if span.end > left]
        layers = tuple(sorted(active, key=_outermost_first)) if len(active) > 1 else (*active,)
        result.append(Segment(left, right, layers))
    return result


def _outermost_first(span):
    return -(span.end - span.start), span.start, span.pk


def text_html(
    text: str, annotations, selected_id: int | None = None, window: tuple[int, int] | None = None
) -> SafeString:
    """The article text as HTML: plain text where nothing is marked, nested <mark>s elsewhere.
    Only text[window[0]:window[1]] when a window is given (the spans cut at its edges)."""
    low, high = window or (0, len(text))
    last_segment_end = {a.pk: a.end for a in annotations}
    names = {a.pk: _name(text, a) for a in annotations}
    parts = []
    for segment in segments(high, annotations, low):
        piece = escape(text[segment.start : segment.end])
        for span in reversed(segment.layers):  # innermost first, so it ends up deepest
            classes = f"hl hl-{span.kind} st-{span.status}"
            if span.pk == selected_id:
                classes += " is-selected"
            label = ""
            if span.start == segment.start:  # named once, where a screen reader meets it
                label = f' aria-label="{names[span.pk]}"'
            if last_segment_end[span.pk] == segment.end:
                label += f' data-label="{span.kind}"'
            piece = f'<mark class="{classes}" data-id="{span.pk}"{label}>{piece}</mark>'
        parts.append(piece)
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text is escaped above)


def _name(text: str, span) -> str:
    """What a screen reader says of a span: its kind, its status and how its quote starts."""
    kind = KINDS[span.kind].label if span.kind in KINDS else span.kind
    quote = text[span.start : span.end]
    start = quote if len(quote) <= 40 else quote[:40] + "…"
    return escape(f"{kind}, {span.status}: {start}")
