"""The analysis of an event: its claims in time order, each claim's attribution chains,
the same-assertion groups with their independent origins, the contradictions, and the
discrepancies (the facts accepted "contradicts" relations record as differing).

Every consumer reads this one analysis: the event page (views.py, which adds colours,
HTML and the picture), its CSV and TimelineJS files, the API and the credibility rule.
The rules themselves are pure functions in timeline.py.

Loaded in a fixed number of queries, each on one table or joined by primary key only,
so a planner misled by stale statistics cannot multiply the work.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from annotator.annotations.kinds import ATTRIBUTES, ATTRIBUTION, CLAIM, QUALIFIES, VIA
from annotator.annotations.models import Annotation, Link, Status
from annotator.events.models import ClaimRelation, RelationKind
from annotator.events.timeline import (
    Chain,
    Group,
    Origin,
    attribution_paths,
    build_groups,
    claim_chains,
    claim_origins,
    independent_origins,
    own_origin,
    source_label,
)
from annotator.sources.models import Grade, Source

UNKNOWN_OUTLET = "unknown outlet"


@dataclass(frozen=True)
class Named:
    pk: int
    name: str


@dataclass(frozen=True)
class ArticleRef:
    pk: int
    title: str
    published_at: datetime | None
    outlet_id: int | None
    outlet: Named | None

    @property
    def outlet_name(self) -> str:
        return self.outlet.name if self.outlet else UNKNOWN_OUTLET


@dataclass(frozen=True)
class ClaimRef:
    """What the analysis needs of a claim: plain data, no model instance (2,000 of them
    load in a tenth of the time)."""

    pk: int
    article_id: int
    article: ArticleRef
    start: int
    end: int
    quote: str
    status: str
    claimed_at: datetime | None
    claimed_precision: str
    credibility: int | None
    version: int

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass(frozen=True)
class SpanRef:
    """An attribution or hedge linked to a claim."""

    pk: int
    quote: str
    start: int
    end: int
    cited_source_id: int | None


@dataclass(frozen=True)
class Difference:
    """A fact on which two claims differ: `a` is what the first says, `b` the second (for
    a "contradicts" relation, claim_a, the smaller id, and claim_b; for a proposed match,
    the claim it is seen from and the other)."""

    facet: str
    a: str
    b: str

    def __str__(self):
        return f"{self.a} vs {self.b}"


@dataclass(frozen=True)
class RelationRef:
    pk: int
    kind: str
    claim_a_id: int
    claim_b_id: int
    a: ClaimRef | None
    b: ClaimRef | None
    differences: tuple[Difference, ...] = ()

    @property
    def label(self) -> str:
        return RelationKind(self.kind).label


@dataclass(frozen=True)
class ClaimDifference:
    """A recorded difference as one claim of the relation sees it (for the exports)."""

    facet: str
    this: str  # what this claim says
    other: str  # what the other claim says
    other_claim_id: int
    other_claim: ClaimRef | None


@dataclass(frozen=True)
class DiscrepancySide:
    """One value of a discrepancy and who carries it."""

    value: str
    outlets: list[str]  # "name (grade)", as the group cards name them
    claims: list[ClaimRef]  # by claimed time, as the analysis orders claims
    independent: int  # independent origins behind these claims, counted as for a group


@dataclass(frozen=True)
class Discrepancy:
    """A difference on one facet, merged over every relation recording the same two values."""

    facet: str
    sides: tuple[DiscrepancySide, DiscrepancySide]


@dataclass(frozen=True)
class SourceRef:
    pk: int
    name: str
    grade: str | None  # the current reliability grade, A–F


@dataclass
class ClaimRow:
    """One claim with what the analysis found about it."""

    claim: ClaimRef
    group: int
    chains: list[Chain]
    hedges: list[SpanRef]
    grade: str | None  # its outlet's current grade

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label if self.grade else ""

    @property
    def admiralty(self) -> str:
        """The outlet's reliability letter and the reviewer's credibility digit, e.g. B2."""
        credibility = self.claim.credibility
        return f"{self.grade or '?'}{credibility}" if credibility else ""


@dataclass
class EventAnalysis:
    claims: list[ClaimRef]  # by claimed time, then report time
    rows: list[ClaimRow]  # the same order
    groups: list[Group]  # by number
    relations: list[RelationRef]
    sources: dict[int, SourceRef] = field(default_factory=dict)
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def by_number(self) -> dict[int, Group]:
        return {g.number: g for g in self.groups}

    def group_of(self, claim_id: int) -> Group | None:
        number = next((row.group for row in self.rows if row.claim.pk == claim_id), None)
        return self.by_number.get(number)

    @property
    def linked_groups(self) -> list[Group]:
        """Assertions made more than once or contradicted, largest first."""
        return sorted(
            (g for g in self.groups if len(g.claims) > 1 or g.contradicts),
            key=lambda g: (-len(g.claims), g.number),
        )

    @property
    def lone_claims(self) -> int:
        return sum(1 for g in self.groups if len(g.claims) == 1 and not g.contradicts)

    def differences_by_claim(self) -> dict[int, list[ClaimDifference]]:
        """claim id -> the differences its contradicts relations record, this claim first."""
        found = defaultdict(list)
        for r in self.relations:
            if r.kind != RelationKind.CONTRADICTS:
                continue
            for d in r.differences:
                found[r.claim_a_id].append(ClaimDifference(d.facet, d.a, d.b, r.claim_b_id, r.b))
                found[r.claim_b_id].append(ClaimDifference(d.facet, d.b, d.a, r.claim_a_id, r.a))
        return found

    @property
    def contradictions(self) -> list[tuple[Group, Group]]:
        """Pairs of contradicting groups, each pair once."""
        numbers = self.by_number
        pairs = {tuple(sorted((g.number, other))) for g in self.groups for other in g.contradicts}
        return [(numbers[a], numbers[b]) for a, b in sorted(pairs)]


def claim_time_key(claim: ClaimRef):
    """Sort by claimed time, then report time; unknown times last."""
    published = claim.article.published_at
    return (
        claim.claimed_at is None,
        claim.claimed_at.timestamp() if claim.claimed_at else 0,
        published is None,
        published.timestamp() if published else 0,
        claim.pk,
    )


def event_analysis(event) -> EventAnalysis:
    claims = sorted(_claims(event), key=claim_time_key)
    claim_ids = [c.pk for c in claims]
    attributed_by, hedged_by = _direct_links(claim_ids)
    reached_via = _via_links({c.article_id for c in claims})
    paths = {c.pk: attribution_paths(c.pk, attributed_by, reached_via) for c in claims}
    spans = _spans(
        {a for claim_paths in paths.values() for path in claim_paths for a in path}
        | {h for ids in hedged_by.values() for h in ids}
    )
    relations = _relations(claim_ids, {c.pk: c for c in claims})
    same = [(r.claim_a_id, r.claim_b_id) for r in relations if r.kind == RelationKind.SAME]
    contradicts = [
        (r.claim_a_id, r.claim_b_id) for r in relations if r.kind == RelationKind.CONTRADICTS
    ]
    source_ids = {c.article.outlet_id for c in claims} | {s.cited_source_id for s in spans.values()}
    sources = _sources(source_ids - {None})

    def label_of(attribution_id):
        span = spans[attribution_id]
        cited = sources.get(span.cited_source_id)
        return source_label(cited.name if cited else None, span.quote), span.cited_source_id

    chains, origins = {}, {}
    for claim in claims:
        chains[claim.pk] = claim_chains(claim.article.outlet_name, paths[claim.pk], label_of)
        own = own_origin(claim.article.outlet_id, claim.article_id)
        origins[claim.pk] = claim_origins(own, chains[claim.pk])
    groups = build_groups(claims, same, contradicts, origins)
    for group in groups.values():
        _name(group, sources)
    group_of = {c.pk: g.number for g in groups.values() for c in g.claims}
    rows = [
        ClaimRow(
            claim=c,
            group=group_of[c.pk],
            chains=chains[c.pk],
            hedges=[spans[h] for h in hedged_by.get(c.pk, []) if h in spans],
            grade=_grade(sources, c.article.outlet_id),
        )
        for c in claims
    ]
    return EventAnalysis(
        claims,
        rows,
        [groups[n] for n in sorted(groups)],
        relations,
        sources,
        event_discrepancies(claims, relations, origins, sources),
    )


def _value_key(value: str) -> str:
    return value.strip().casefold()


@dataclass
class _Found:
    """A discrepancy while relations are read: value key -> (first spelling, claim ids)."""

    facet: str
    values: dict[str, tuple[str, set[int]]] = field(default_factory=dict)

    def add(self, value: str, claim_id: int) -> None:
        self.values.setdefault(_value_key(value), (value.strip(), set()))[1].add(claim_id)


def event_discrepancies(
    claims: list[ClaimRef],
    relations: list[RelationRef],
    origins: dict[int, set[Origin]],
    sources: dict[int, SourceRef],
) -> list[Discrepancy]:
    """One discrepancy per facet and pair of values (in either order, compared without
    case or surrounding space; the first spelling is kept), in the order first recorded."""
    found: dict[tuple, _Found] = {}
    for relation in relations:
        if relation.kind != RelationKind.CONTRADICTS:
            continue
        for difference in relation.differences:
            a, b = _value_key(difference.a), _value_key(difference.b)
            if a == b:
                continue  # nothing differs
            key = (_value_key(difference.facet), tuple(sorted((a, b))))
            entry = found.setdefault(key, _Found(difference.facet.strip()))
            entry.add(difference.a, relation.claim_a_id)
            entry.add(difference.b, relation.claim_b_id)
    position = {c.pk: i for i, c in enumerate(claims)}
    return [
        Discrepancy(
            entry.facet,
            tuple(
                _side(
                    value,
                    [claims[i] for i in sorted(position[pk] for pk in ids if pk in position)],
                    origins,
                    sources,
                )
                for value, ids in entry.values.values()
            ),
        )
        for entry in found.values()
    ]


def _side(value, claims, origins, sources) -> DiscrepancySide:
    """A value with its claims (in time order), their outlets and independent origins."""
    outlets = sorted(
        {(c.article.outlet_name, _grade(sources, c.article.outlet_id) or "") for c in claims}
    )
    return DiscrepancySide(
        value=value,
        outlets=[f"{name} ({grade})" if grade else name for name, grade in outlets],
        claims=claims,
        independent=len(independent_origins(claims, origins)),
    )


def claim_independence(claim) -> int:
    """How many independent origins the same-assertion group of `claim` has (0 when it
    belongs to no event)."""
    if claim.event_id is None:
        return 0
    group = event_analysis(claim.event).group_of(claim.pk)
    return group.independent if group else 0


def _grade(sources: dict[int, SourceRef], source_id: int | None) -> str | None:
    source = sources.get(source_id)
    return source.grade if source else None


def _name(group: Group, sources: dict[int, SourceRef]) -> None:
    """The outlets (with grades) and origins of a group, as the page and the API name them."""
    group.outlets = sorted(
        {(c.article.outlet_name, _grade(sources, c.article.outlet_id) or "") for c in group.claims}
    )
    group.origin_names = sorted(
        sources[pk].name if kind == "source" and pk in sources else "an unnamed outlet"
        for kind, pk in group.origins
    )


# Loading ---------------------------------------------------------------------------------


def _claims(event) -> list[ClaimRef]:
    rows = Annotation.objects.filter(event=event, kind=CLAIM).values_list(
        "id",
        "article_id",
        "start",
        "end",
        "quote",
        "status",
        "claimed_at",
        "claimed_precision",
        "credibility",
        "version",
        "article__title",
        "article__published_at",
        "article__outlet_id",
        "article__outlet__name",
    )
    claims = []
    for (
        pk,
        article_id,
        start,
        end,
        quote,
        status,
        claimed_at,
        precision,
        credibility,
        version,
        title,
        published_at,
        outlet_id,
        outlet_name,
    ) in rows:
        outlet = Named(outlet_id, outlet_name) if outlet_id else None
        article = ArticleRef(article_id, title, published_at, outlet_id, outlet)
        claims.append(
            ClaimRef(
                pk,
                article_id,
                article,
                start,
                end,
                quote,
                status,
                claimed_at,
                precision,
                credibility,
                version,
            )
        )
    return claims


def _direct_links(claim_ids: list[int]) -> tuple[dict, dict]:
    """claim id -> attribution ids that attribute it, and -> hedge ids that qualify it."""
    attributed_by, hedged_by = defaultdict(list), defaultdict(list)
    for kind, to_id, from_id in (
        Link.objects.filter(to_annotation_id__in=claim_ids, kind__in=[ATTRIBUTES, QUALIFIES])
        .order_by("pk")
        .values_list("kind", "to_annotation_id", "from_annotation_id")
    ):
        (attributed_by if kind == ATTRIBUTES else hedged_by)[to_id].append(from_id)
    return attributed_by, hedged_by


def _via_links(article_ids: set[int]) -> dict[int, list[int]]:
    """attribution id -> the attributions reached via it, within these articles."""
    attributions = Annotation.objects.filter(
        article_id__in=article_ids, kind=ATTRIBUTION
    ).values_list("id", flat=True)
    reached_via = defaultdict(list)
    for to_id, from_id in (
        Link.objects.filter(kind=VIA, to_annotation_id__in=list(attributions))
        .order_by("pk")
        .values_list("to_annotation_id", "from_annotation_id")
    ):
        reached_via[to_id].append(from_id)
    return reached_via


def _spans(ids: set[int]) -> dict[int, SpanRef]:
    return {
        pk: SpanRef(pk, quote, start, end, source_id)
        for pk, quote, start, end, source_id in Annotation.objects.filter(
            id__in=list(ids)
        ).values_list("id", "quote", "start", "end", "cited_source_id")
    }


def _relations(claim_ids: list[int], claims: dict[int, ClaimRef]) -> list[RelationRef]:
    # Both ends are claims of one event (a database trigger), so claim_a is enough.
    return [
        RelationRef(pk, kind, a, b, claims.get(a), claims.get(b), _differences(differences))
        for pk, kind, a, b, differences in ClaimRelation.objects.filter(claim_a_id__in=claim_ids)
        .order_by("pk")
        .values_list("id", "kind", "claim_a_id", "claim_b_id", "differences")
    ]


def _differences(stored) -> tuple[Difference, ...]:
    """The recorded differences; an entry not of the form {facet, a, b} (strings) is left
    out rather than failing the page."""
    if not isinstance(stored, list):
        return ()
    return tuple(
        Difference(d["facet"], d["a"], d["b"])
        for d in stored
        if isinstance(d, dict) and all(isinstance(d.get(k), str) for k in ("facet", "a", "b"))
    )


def _sources(ids: set[int]) -> dict[int, SourceRef]:
    return {
        pk: SourceRef(pk, name, grade)
        for pk, name, grade in Source.objects.filter(pk__in=list(ids))
        .with_current_grade()
        .values_list("id", "name", "current_grade")
    }
