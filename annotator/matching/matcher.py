"""The worker's part of claim matching: embed a project's new or changed claims, then
propose their matches (proposals.py) and write them as MatchCandidate rows.

Loaded by the first matching task (tasks.py), never by web processes: it imports the model
(embeddings.py), numpy and the fact extraction (dateparser).
"""

from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation, Status
from annotator.events.models import ClaimRelation, RelationKind
from annotator.events.services import DIFFERENCES_MAX, VALUE_MAX
from annotator.matching import embeddings
from annotator.matching.models import (
    ClaimEmbedding,
    EventRefusal,
    MatchCandidate,
    MatchStatus,
    TitleEmbedding,
)
from annotator.matching.proposals import MIN_SCORE, PoolClaim, Proposal, proposals_for

MATCHED = (Status.DRAFT, Status.APPROVED)  # suggested claims wait for a person to accept them
CLAIMS_PER_TASK = 200  # then the task queues itself again: other work takes its turn
POOL_MAX = 2000  # claims a pool holds at most: the newest


@dataclass
class MatchRun:
    embedded: int = 0
    proposed: int = 0
    more: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def matched_claims(project_id: int):
    return Annotation.objects.filter(
        article__project_id=project_id, kind=CLAIM, status__in=MATCHED
    ).select_related("article")


def claims_match(*, project_id: int) -> MatchRun:
    run = MatchRun()
    stale = list(
        matched_claims(project_id)
        .filter(Q(embedding__isnull=True) | ~Q(embedding__annotation_version=F("version")))
        .order_by("-pk")[: CLAIMS_PER_TASK + 1]
    )
    run.more = len(stale) > CLAIMS_PER_TASK
    stale = stale[:CLAIMS_PER_TASK]
    if not stale:
        return run
    run.embedded = _embed(stale)
    _embed_titles({claim.article_id: claim.article for claim in stale}.values())
    pools = _Pools(project_id)
    for claim in stale:
        run.proposed += _propose(claim, pools)
    return run


def _embed(claims: list[Annotation]) -> int:
    """Embed the claims whose text changed (or never was); every one gets its version."""
    known = dict(
        ClaimEmbedding.objects.filter(annotation__in=claims).values_list(
            "annotation_id", "text_digest"
        )
    )
    changed = [c for c in claims if known.get(c.pk) != embeddings.text_digest(c.quote)]
    vectors = embeddings.vectors_of([c.quote for c in changed])
    now = timezone.now()
    for claim, vector in zip(changed, vectors, strict=True):
        ClaimEmbedding.objects.update_or_create(
            annotation=claim,
            defaults={
                "project_id": claim.article.project_id,
                "text_digest": embeddings.text_digest(claim.quote),
                "vector": embeddings.to_bytes(vector),
                "model": embeddings.MODEL_NAME,
                "annotation_version": claim.version,
                "computed_at": now,
            },
        )
    unchanged = [c for c in claims if c not in changed]
    for claim in unchanged:
        ClaimEmbedding.objects.filter(annotation=claim).update(annotation_version=claim.version)
    return len(changed)


def _embed_titles(articles) -> None:
    """The headlines of these articles, where new or changed."""
    known = dict(
        TitleEmbedding.objects.filter(article__in=articles).values_list("article_id", "text_digest")
    )
    changed = [a for a in articles if known.get(a.pk) != embeddings.text_digest(a.title)]
    now = timezone.now()
    for article, vector in zip(
        changed, embeddings.vectors_of([a.title for a in changed]), strict=True
    ):
        TitleEmbedding.objects.update_or_create(
            article=article,
            defaults={
                "text_digest": embeddings.text_digest(article.title),
                "vector": embeddings.to_bytes(vector),
                "model": embeddings.MODEL_NAME,
                "computed_at": now,
            },
        )


class _Pools:
    """The claims a claim is compared with: those of its event and the project's claims
    without one (for a claim with an event), or the project's claims that have an event
    (for a claim without: their events are what it may belong to); the newest POOL_MAX,
    chosen in SQL, read once per event; never the claim's own article."""

    def __init__(self, project_id: int):
        self.project_id = project_id
        self.read: dict[int | None, list[PoolClaim]] = {}
        self.relations: dict[int | None, _Linked] = {}
        self.event_of: dict[int, int | None] = {}
        self.article_of: dict[int, int] = {}

    def for_claim(self, claim: Annotation) -> list[PoolClaim]:
        if claim.event_id not in self.read:
            self.read[claim.event_id] = self._rows(claim.event_id)
        return [c for c in self.read[claim.event_id] if self.article_of[c.id] != claim.article_id]

    def linked(self, event_id: int | None) -> "_Linked":
        if event_id not in self.relations:
            self.relations[event_id] = _Linked(event_id)
        return self.relations[event_id]

    def me(self, claim: Annotation) -> PoolClaim | None:
        row = self._query().filter(annotation=claim).first()
        return self._claim(*row) if row else None

    def _rows(self, event_id: int | None) -> list[PoolClaim]:
        rows = self._query()
        if event_id is None:
            rows = rows.filter(annotation__event__isnull=False)
        else:
            rows = rows.filter(Q(annotation__event_id=event_id) | Q(annotation__event__isnull=True))
        return [self._claim(*row) for row in rows.order_by("-annotation_id")[:POOL_MAX]]

    def _query(self):
        return ClaimEmbedding.objects.filter(
            project_id=self.project_id,
            annotation__kind=CLAIM,
            annotation__status__in=MATCHED,
        ).values_list(
            "annotation_id",
            "vector",
            "annotation__quote",
            "annotation__event_id",
            "annotation__article_id",
            "annotation__article__language",
            "annotation__article__published_at",
            "annotation__article__title_embedding__vector",
        )

    def _claim(self, pk, vector, quote, event_id, article_id, language, published_at, title):
        self.event_of[pk], self.article_of[pk] = event_id, article_id
        title = embeddings.from_bytes(title) if title else None
        return PoolClaim(pk, quote, language, published_at, embeddings.from_bytes(vector), title)


class _Linked:
    """An event's relations as groups: two claims already in one same-assertion group (by
    way of others), or in groups that contradict, are decided; a pair related directly is
    left to _relation_status (a "same" whose facts differ is proposed as a discrepancy)."""

    def __init__(self, event_id: int | None):
        self.root: dict[int, int] = {}
        self.direct: set[tuple[int, int]] = set()
        contradicting, rows = [], []
        if event_id is not None:  # claims without an event have no relations
            rows = ClaimRelation.objects.filter(claim_a__event_id=event_id).values_list(
                "claim_a", "claim_b", "kind"
            )
        for a, b, kind in rows:
            self.direct.add((a, b))
            if kind == RelationKind.SAME:
                self.root[self._find(a)] = self._find(b)
            else:
                contradicting.append((a, b))
        self.contradict = {frozenset((self._find(a), self._find(b))) for a, b in contradicting}

    def _find(self, pk: int) -> int:
        while self.root.get(pk, pk) != pk:
            pk = self.root[pk]
        return pk

    def decided(self, a: int, b: int) -> bool:
        if (min(a, b), max(a, b)) in self.direct:
            return False
        ra, rb = self._find(a), self._find(b)
        return ra == rb or frozenset((ra, rb)) in self.contradict


def _propose(claim: Annotation, pools: _Pools) -> int:
    me = pools.me(claim)
    if me is None:
        return 0
    linked = pools.linked(claim.event_id)
    refusals = _refusals(claim)
    pool = pools.for_claim(claim)
    # Headlines count for the pairs with a claim without an event (proposals.py says why).
    headlines = frozenset(
        c.id for c in pool if claim.event_id is None or pools.event_of[c.id] is None
    )
    found = proposals_for(me, pool, min_score=MIN_SCORE, headlines=headlines)
    found += _still_earned(me, pool, found, headlines)
    found = [
        proposal
        for proposal in found
        if not linked.decided(claim.pk, proposal.other.id)
        and not _refused(claim, proposal.other.id, pools, refusals)
    ]
    with transaction.atomic():
        kept = {_write(claim, proposal, pools) for proposal in found}
        # Open proposals the claim no longer earns (edited, moved) go; decisions stay.
        MatchCandidate.objects.open().touching(claim.pk).exclude(pk__in=kept).delete()
    return len(found)


def _still_earned(me: PoolClaim, pool, found, headlines) -> list:
    """Open pairs another claim proposed (this one among its best five, not it among this
    one's) stay while they still earn it: checked again, not dropped for not being here."""
    proposed = {p.other.id for p in found}
    open_pairs = set(
        MatchCandidate.objects.open().touching(me.id).values_list("claim_a_id", "claim_b_id")
    )
    again = [c for c in pool if c.id not in proposed and _pair(me.id, c.id) in open_pairs]
    return proposals_for(me, again, keep=len(again), min_score=MIN_SCORE, headlines=headlines)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _refusals(claim: Annotation) -> set[tuple[int, int]]:
    """(claim without an event, event) pairs a person said "not this event" of, that touch
    this claim: said of it, or of another claim for this claim's event."""
    said = Q(claim=claim) | Q(event_id=claim.event_id) if claim.event_id else Q(claim=claim)
    return set(EventRefusal.objects.filter(said).values_list("claim_id", "event_id"))


def _refused(claim: Annotation, other: int, pools: _Pools, refusals: set) -> bool:
    if claim.event_id is None:
        return (claim.pk, pools.event_of[other]) in refusals
    return pools.event_of[other] is None and (other, claim.event_id) in refusals


def _write(claim: Annotation, proposal: Proposal, pools: _Pools) -> int:
    other = proposal.other.id
    a, b = sorted((claim.pk, other))
    swap = a != claim.pk  # the comparison was made claim-first; rows store a-first
    differ = [
        {"facet": d.facet, "a": _short(d.b if swap else d.a), "b": _short(d.a if swap else d.b)}
        for d in proposal.comparison.differ[:DIFFERENCES_MAX]
    ]
    values = {
        "project_id": claim.article.project_id,
        "event_id": claim.event_id or pools.event_of[other],
        "score": round(proposal.score, 4),
        "similarity": round(proposal.similarity, 4),
        "agree": list(proposal.comparison.agree),
        "differ": differ,
        "computed_at": timezone.now(),
    }
    candidate, made = MatchCandidate.objects.get_or_create(
        claim_a_id=a, claim_b_id=b, defaults=values | _relation_status(a, b, differ)
    )
    if not made:  # decided pairs keep their facts, also when decided a moment ago
        MatchCandidate.objects.filter(pk=candidate.pk, status=MatchStatus.OPEN).update(**values)
    return candidate.pk


def _short(value: str) -> str:
    """A value as a contradicts relation may record it (events.services checks it)."""
    return value if len(value) <= VALUE_MAX else value[: VALUE_MAX - 1] + "…"


def _relation_status(a: int, b: int, differ: list) -> dict:
    """A pair a person already related (on the event page) is born decided, unless it is
    "same" and the facts differ: then it is open, proposed as a discrepancy."""
    relation = ClaimRelation.objects.filter(claim_a_id=a, claim_b_id=b).first()
    if relation is None or (relation.kind == MatchStatus.SAME and differ):
        return {"status": MatchStatus.OPEN}
    return {
        "status": relation.kind,
        "decided_by_id": relation.created_by_id,
        "decided_at": relation.created_at,
    }
