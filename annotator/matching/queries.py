"""Reads of claim matching for the pages and the API: typed rows, one query per list."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation, Status
from annotator.events.analysis import Difference
from annotator.events.models import ClaimRelation, RelationKind
from annotator.matching.models import MatchCandidate

SHOWN = 50  # proposals listed on a page before "more"
MATCHED = (Status.DRAFT, Status.APPROVED)  # the claims matching proposes (as matcher.py)


@dataclass(frozen=True)
class ClaimSide:
    id: int
    quote: str
    article_id: int
    article_title: str
    outlet: str
    language: str
    event_id: int | None


@dataclass(frozen=True)
class MatchRow:
    """A proposed pair seen from one of its claims (`this`); `event_id`/`event_title` the
    event proposed when `this` has none."""

    id: int
    score: float
    similarity: float
    status: str
    this: ClaimSide
    other: ClaimSide
    agree: tuple[str, ...]
    differ: tuple[Difference, ...]  # a: as `this` says it, b: as `other` does
    event_id: int | None
    event_title: str
    related_as: str  # "same" / "contradicts" when already related on the event page, or ""

    @property
    def proposes_event(self) -> bool:
        return self.this.event_id is None and self.event_id is not None


def _side(claim: Annotation) -> ClaimSide:
    article = claim.article
    return ClaimSide(
        id=claim.pk,
        quote=claim.quote,
        article_id=article.pk,
        article_title=article.title,
        outlet=article.outlet.name if article.outlet else "",
        language=article.language,
        event_id=claim.event_id,
    )


def _row(candidate: MatchCandidate, this_id: int) -> MatchRow:
    flip = this_id != candidate.claim_a_id
    this, other = (
        (candidate.claim_b, candidate.claim_a) if flip else (candidate.claim_a, candidate.claim_b)
    )
    return MatchRow(
        id=candidate.pk,
        score=candidate.score,
        similarity=candidate.similarity,
        status=candidate.status,
        this=_side(this),
        other=_side(other),
        agree=tuple(candidate.agree),
        differ=tuple(
            Difference(d["facet"], d["b"] if flip else d["a"], d["a"] if flip else d["b"])
            for d in candidate.differ
        ),
        event_id=candidate.event_id,
        event_title=candidate.event.title if candidate.event else "",
        related_as=candidate.related_as or "",
    )


# What a card shows: not the articles' texts.
SHOWN_FIELDS = [
    *("score", "similarity", "status", "agree", "differ", "claim_a", "claim_b", "event__title"),
    *(
        f"{claim}__{field}"
        for claim in ("claim_a", "claim_b")
        for field in (
            "quote",
            "event_id",
            "article__title",
            "article__language",
            "article__outlet__name",
        )
    ),
]


def _candidates():
    relation = ClaimRelation.objects.filter(
        claim_a_id=OuterRef("claim_a_id"), claim_b_id=OuterRef("claim_b_id")
    )
    return (
        MatchCandidate.objects.open()
        .filter(claim_a__status__in=MATCHED, claim_b__status__in=MATCHED)
        .filter(claim_a__kind=CLAIM, claim_b__kind=CLAIM)  # one made a hedge meanwhile
        .exclude(Exists(relation.filter(kind=RelationKind.CONTRADICTS)))
        .annotate(related_as=Subquery(relation.values("kind")[:1]))
        .select_related("event", "claim_a__article__outlet", "claim_b__article__outlet")
        .only(*SHOWN_FIELDS)
        .order_by("-score", "pk")
    )


def claim_matches(claim_id: int, limit: int = SHOWN) -> list[MatchRow]:
    """Open proposals of one claim, best first, each seen from that claim."""
    rows = _candidates().filter(Q(claim_a_id=claim_id) | Q(claim_b_id=claim_id))[:limit]
    return [_row(candidate, claim_id) for candidate in rows]


def event_matches(event_id: int, limit: int = SHOWN) -> list[MatchRow]:
    """Open proposals within the event (both claims in it) or proposing it for a claim
    without an event, best first; each seen from its first claim."""
    rows = _candidates().filter(event_id=event_id)[:limit]
    return [_row(candidate, _first(candidate)) for candidate in rows]


def _first(candidate: MatchCandidate) -> int:
    """The claim a row is seen from: the one without an event, when one has none (the
    row then proposes the event for it)."""
    if candidate.claim_a.event_id is not None and candidate.claim_b.event_id is None:
        return candidate.claim_b_id
    return candidate.claim_a_id


@dataclass(frozen=True)
class EventMatches:
    """A claim's proposals in one event, for the claim panel."""

    event_id: int | None
    event_title: str
    proposes_event: bool
    matches: list[MatchRow]


def by_event(rows: list[MatchRow]) -> list[EventMatches]:
    """Rows grouped by event, the groups in the order of their best row."""
    groups: dict[int | None, list[MatchRow]] = {}
    for row in rows:
        groups.setdefault(row.event_id, []).append(row)
    return [
        EventMatches(rows[0].event_id, rows[0].event_title, rows[0].proposes_event, rows)
        for rows in groups.values()
    ]


def event_match_count(event_id: int) -> int:
    return _candidates().filter(event_id=event_id).count()
