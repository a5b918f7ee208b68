"""Twins: a person's new span and an open suggestion of the same kind over (nearly) the same
passage are one span (annotation_create takes the suggestion over)."""

from dataclasses import dataclass

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article

# A person's span and an open suggestion overlapping it this much (shared / union) are one.
NEARLY_THE_SAME = 0.75


@dataclass(frozen=True)
class SuggestedSpan:
    """A suggestion as it was before a person took it over (for the decision record)."""

    article_id: int
    kind: str
    start: int
    end: int
    quote: str
    suggested_by: str
    suggestion_rule: str
    confidence: float | None


def open_twin(article: Article, kind: str, start: int, end: int) -> Annotation | None:
    """The open suggestion of `kind` closest to start–end, if (nearly) the same span."""
    best, best_share = None, NEARLY_THE_SAME
    for candidate in Annotation.objects.filter(
        article=article, kind=kind, status=Status.SUGGESTED, start__lt=end, end__gt=start
    ).select_for_update():
        shared = min(end, candidate.end) - max(start, candidate.start)
        share = shared / (max(end, candidate.end) - min(start, candidate.start))
        if share >= best_share:
            best, best_share = candidate, share
    return best


def takes_over_one_of(spans, index: int) -> bool:
    """Whether spans[index], a person's span, would take over an earlier open suggestion of
    the same list (what open_twin finds in the database once those are stored). Items have
    kind, start, end and status."""
    span = spans[index]
    for candidate in spans[:index]:
        if candidate.kind != span.kind or candidate.status != Status.SUGGESTED:
            continue
        shared = min(span.end, candidate.end) - max(span.start, candidate.start)
        if (
            shared > 0
            and shared / (max(span.end, candidate.end) - min(span.start, candidate.start))
            >= NEARLY_THE_SAME
        ):
            return True
    return False
