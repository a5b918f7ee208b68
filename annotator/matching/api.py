"""Proposed matches of a claim through the API: candidates with their scores and the facts
that agree or differ, and a person's decision on one (the same service as the pages)."""

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from annotator.annotations.access import annotation_for_member
from annotator.api_input import Input
from annotator.matching import queries, services
from annotator.matching.models import MatchCandidate
from annotator.projects.access import membership_or_404

router = Router(tags=["matching"])


class Error(Schema):
    detail: str


class DifferenceOut(Schema):
    facet: str = Field(description="quantity, date, means, action, place or negation")
    this: str = Field(description="The value as this claim says it, e.g. “10 km”")
    other: str = Field(description="The value as the other claim says it, e.g. “12 km”")


class MatchOut(Schema):
    id: int = Field(description="The candidate's id, for the decision")
    other_id: int
    other_quote: str
    other_article_id: int
    other_outlet: str
    other_language: str
    score: float = Field(description="0–1: the embeddings' similarity with the facts' evidence")
    similarity: float = Field(description="Cosine similarity of the two claims' embeddings")
    agree: list[str] = Field(description="Facts both claims state, e.g. “22 killed”")
    differ: list[DifferenceOut]
    event_id: int | None = Field(description="The pair's event, or the one proposed")
    proposes_event: bool = Field(description="True when this claim has no event yet")
    related_as: str = Field(description="same when already related by hand, else empty")


class DecisionIn(Input):
    decision: str = Field(description="same, contradicts or reject")


class DecisionOut(Schema):
    id: int
    status: str


def _out(row: queries.MatchRow) -> dict:
    return {
        "id": row.id,
        "other_id": row.other.id,
        "other_quote": row.other.quote,
        "other_article_id": row.other.article_id,
        "other_outlet": row.other.outlet,
        "other_language": row.other.language,
        "score": row.score,
        "similarity": row.similarity,
        "agree": list(row.agree),
        "differ": [{"facet": d.facet, "this": d.a, "other": d.b} for d in row.differ],
        "event_id": row.event_id,
        "proposes_event": row.proposes_event,
        "related_as": row.related_as,
    }


@router.get(
    "/projects/{slug}/annotations/{annotation_id}/matches/",
    response=list[MatchOut],
    summary="Claims possibly making the same assertion as this one, best first",
)
def matches(request, slug: str, annotation_id: int):
    _, claim = annotation_for_member(request.user, slug, annotation_id)
    return [_out(row) for row in queries.claim_matches(claim.pk)]


@router.post(
    "/projects/{slug}/matches/{candidate_id}/",
    response={200: DecisionOut, 422: Error},
    summary="Decide a proposed match (its id from …/matches/): same, contradicts or reject",
)
def match_decide(request, slug: str, candidate_id: int, payload: DecisionIn):
    membership = membership_or_404(request.user, slug)
    candidate = get_object_or_404(MatchCandidate, pk=candidate_id, project=membership.project)
    try:
        decided = services.match_decide(
            candidate=candidate, decision=payload.decision, user=request.user
        )
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    return Status(200, {"id": decided.pk, "status": decided.status})
