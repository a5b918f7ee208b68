"""Twins: a person's new span and an open suggestion of the same kind over (nearly) the same
passage are one span (annotation_create takes the suggestion over)."""

from dataclasses import dataclass

from django.db import connection

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


# The open suggestions of one kind overlapping a span and starting and ending within reach
# of it, locked, in Annotation's order. A constant, not a queryset: every span a person
# saves asks it (annotator/rows.py says why).
SUGGESTIONS_NEAR = (
    f'SELECT id, start, "end" FROM {Annotation._meta.db_table}'  # noqa: S608 (no value in it)
    " WHERE article_id = %s AND kind = %s AND status = %s"
    ' AND start < %s AND "end" > %s AND start >= %s AND "end" <= %s'
    ' ORDER BY start, "end" DESC, id FOR UPDATE'
)


def open_twin(article: Article, kind: str, start: int, end: int) -> Annotation | None:
    """The open suggestion of `kind` closest to start–end, if (nearly) the same span; those
    near enough to be it stay locked until the transaction ends."""
    best, best_share = None, NEARLY_THE_SAME
    # A twin's union with the span is at most (end - start) / NEARLY_THE_SAME long, so it
    # starts and ends within that of the span's other end: the index on (article, start)
    # reads those few rows, not every span before this one (+1: no float at the edge).
    reach = int((end - start) / NEARLY_THE_SAME) + 1
    with connection.cursor() as cursor:
        cursor.execute(
            SUGGESTIONS_NEAR,
            [article.pk, kind, Status.SUGGESTED.value, end, start, end - reach, start + reach],
        )
        candidates = cursor.fetchall()
    for pk, candidate_start, candidate_end in candidates:
        shared = min(end, candidate_end) - max(start, candidate_start)
        share = shared / (max(end, candidate_end) - min(start, candidate_start))
        if share >= best_share:
            best, best_share = pk, share
    return None if best is None else Annotation.objects.get(pk=best)


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
