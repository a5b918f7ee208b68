"""Article text as HTML with every annotation highlighted, overlaps included.

The text is cut at every span boundary into flat segments; each segment lists the
spans covering it, outermost first, and is drawn as nested inline layers so that
depth shows as stacked underlines. The HTML holds the text character for character
(no added whitespace): the browser computes offsets from it.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    layers: tuple  # the spans covering [start, end), outermost (longest) first


def segments(text_length: int, spans) -> list[Segment]:
    """Cut [0, text_length) at every span boundary. `spans` have .start, .end (code points)."""
    cuts = {0, text_length}
    for span in spans:
        cuts.add(span.start)
        cuts.add(span.end)
    points = sorted(cut for cut in cuts if 0 <= cut <= text_length)
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.pk))
    result, active, next_span = [], [], 0
    for left, right in zip(points, points[1:], strict=False):
        while next_span < len(ordered) and ordered[next_span].start <= left:
            active.append(ordered[next_span])
            next_span += 1
        active = [span for span in active if span.end > left]
        layers = tuple(sorted(active, key=lambda s: (-(s.end - s.start), s.start, s.pk)))
        result.append(Segment(left, right, layers))
    return result


def text_html(text: str, annotations, selected_id: int | None = None) -> SafeString:
    """The article text as HTML: plain text where nothing is marked, nested <mark>s elsewhere."""
    last_segment_end = {a.pk: a.end for a in annotations}
    parts = []
    for segment in segments(len(text), annotations):
        piece = escape(text[segment.start : segment.end])
        for span in reversed(segment.layers):  # innermost first, so it ends up deepest
            classes = f"hl hl-{span.kind} st-{span.status}"
            if span.pk == selected_id:
                classes += " is-selected"
            label = ""
            if last_segment_end[span.pk] == segment.end:
                label = f' data-label="{span.kind}"'
            piece = f'<mark class="{classes}" data-id="{span.pk}"{label}>{piece}</mark>'
        parts.append(piece)
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text is escaped above)
