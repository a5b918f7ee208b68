"""Events, their claims' independence figures, and same / contradicts links, through the API.
Claims are assigned to an event by setting `event_id` on the annotation (annotations API)."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from annotator.annotations.kinds import CLAIM
from annotator.api_input import Input
from annotator.events import services
from annotator.events.analysis import event_analysis
from annotator.events.models import ClaimRelation, Event
from annotator.projects.access import membership_or_404

router = Router(tags=["events"])


class Error(Schema):
    detail: str


class EventIn(Input):
    title: str
    description: str = ""
    place: str = ""
    start_date: date | None = None
    end_date: date | None = None


class EventOut(EventIn):
    id: int


class ClaimOut(Schema):
    id: int
    article_id: int
    quote: str
    outlet: str | None
    outlet_grade: str | None
    claimed_at: datetime | None
    claimed_precision: str
    reported_at: datetime | None
    attribution_chains: list[str] = Field(description="e.g. “Outlet ← Agency ← “sources””")
    credibility: int | None
    admiralty: str = Field(description="Outlet grade + credibility, e.g. C3")
    status: str
    group: int


class GroupOut(Schema):
    number: int
    claim_ids: list[int]
    articles: int
    independent_origins: int = Field(
        description="Distinct origins after following attribution chains; outlets repeating "
        "the same origin count once"
    )
    origins: list[str]
    first_reported_claim_id: int | None
    contradicts: list[int] = Field(description="Numbers of the groups this one contradicts")


class DifferenceOut(Schema):
    facet: str = Field(description="quantity, date, means, action, place or negation")
    a: str = Field(description="What claim_a says, e.g. “10 km”")
    b: str = Field(description="What claim_b says, e.g. “12 km”")


class RelationOut(Schema):
    id: int
    claim_a_id: int
    claim_b_id: int
    kind: str
    differences: list[DifferenceOut] = Field(
        default=[], description="For contradicts: the facts recorded as differing"
    )


class EventDetail(EventOut):
    claims: list[ClaimOut]
    groups: list[GroupOut]
    relations: list[RelationOut]


class RelationIn(Schema):
    claim_id: int
    other_id: int
    kind: str = Field(description="same or contradicts")


@router.get("/projects/{slug}/events/", response=list[EventOut], summary="A project's events")
def event_list(request, slug: str):
    return Event.objects.filter(project=membership_or_404(request.user, slug).project)


@router.post(
    "/projects/{slug}/events/", response={201: EventOut, 422: Error}, summary="Create an event"
)
def event_create(request, slug: str, payload: EventIn):
    membership = membership_or_404(request.user, slug)
    try:
        event = services.event_create(project=membership.project, **payload.dict())
    except services.EventError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, event)


@router.get(
    "/projects/{slug}/events/{event_id}/",
    response=EventDetail,
    summary="An event with its claims, same-assertion groups and independence figures",
)
def event_detail(request, slug: str, event_id: int):
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    analysis = event_analysis(event)
    claims = [
        {
            "id": row.claim.pk,
            "article_id": row.claim.article_id,
            "quote": row.claim.quote,
            "outlet": row.claim.article.outlet.name if row.claim.article.outlet else None,
            "outlet_grade": row.grade,
            "claimed_at": row.claim.claimed_at,
            "claimed_precision": row.claim.claimed_precision,
            "reported_at": row.claim.article.published_at,
            "attribution_chains": [str(chain) for chain in row.chains],
            "credibility": row.claim.credibility,
            "admiralty": row.admiralty,
            "status": row.claim.status,
            "group": row.group,
        }
        for row in analysis.rows
    ]
    groups = [
        {
            "number": g.number,
            "claim_ids": [c.pk for c in g.claims],
            "articles": g.articles,
            "independent_origins": g.independent,
            "origins": g.origin_names,
            "first_reported_claim_id": g.first.pk if g.first else None,
            "contradicts": sorted(g.contradicts),
        }
        for g in analysis.groups
    ]
    relations = [
        {
            "id": r.pk,
            "claim_a_id": r.claim_a_id,
            "claim_b_id": r.claim_b_id,
            "kind": r.kind,
            "differences": [{"facet": d.facet, "a": d.a, "b": d.b} for d in r.differences],
        }
        for r in analysis.relations
    ]
    return {
        **EventOut.from_orm(event).dict(),
        "claims": claims,
        "groups": groups,
        "relations": relations,
    }


@router.post(
    "/projects/{slug}/events/{event_id}/relations/",
    response={201: RelationOut, 422: Error},
    summary="Mark two claims of the event as the same assertion or contradicting",
)
def relation_create(request, slug: str, event_id: int, payload: RelationIn):
    membership = membership_or_404(request.user, slug)
    event = get_object_or_404(Event, pk=event_id, project=membership.project)
    claims = event.claims.filter(kind=CLAIM)
    claim = get_object_or_404(claims, pk=payload.claim_id)
    other = get_object_or_404(claims, pk=payload.other_id)
    try:
        relation = services.claim_relation_create(
            claim=claim, other=other, kind=payload.kind, user=request.user
        )
    except services.EventError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, relation)


@router.delete(
    "/projects/{slug}/relations/{relation_id}/",
    response={204: None},
    summary="Remove a same / contradicts link",
)
def relation_delete(request, slug: str, relation_id: int):
    membership = membership_or_404(request.user, slug)
    relation = get_object_or_404(
        ClaimRelation, pk=relation_id, claim_a__event__project=membership.project
    )
    services.claim_relation_delete(relation=relation, user=request.user)
    return Status(204, None)
