"""Everything the event page shows, loaded in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.utils.html import escape
from django.utils.safestring import mark_safe

from annotator.annotations.highlight import segments
from annotator.annotations.models import Annotation, Kind, Link, LinkKind, Status
from annotator.events.layout import group_colour, timeline_layout
from annotator.events.models import ClaimRelation, RelationKind
from annotator.events.timeline import build_groups, claim_chains, claim_origins
from annotator.sources.models import Grade, Source


@dataclass
class Named:
    pk: int
    name: str


@dataclass
class ArticleRef:
    pk: int
    title: str
    published_at: datetime | None
    outlet_id: int | None
    outlet: Named | None


@dataclass
class ClaimRef:
    """What the event page needs of a claim: plain data, no model instance (2,000 of them
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


@dataclass
class SpanRef:
    """An attribution or hedge linked to a claim."""

    pk: int
    quote: str
    start: int
    end: int
    cited_source_id: int | None
    cited_source: Named | None


def event_claims(event) -> list[ClaimRef]:
    rows = Annotation.objects.filter(event=event, kind=Kind.CLAIM).values_list(
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


def _linked_spans(links) -> list[tuple[str, int, SpanRef]]:
    """(link kind, target id, span) for each link, from a values_list query."""
    return [
        (
            kind,
            to_id,
            SpanRef(
                pk,
                quote,
                start,
                end,
                source_id,
                Named(source_id, source_name) if source_id else None,
            ),
        )
        for kind, to_id, pk, quote, start, end, source_id, source_name in links.values_list(
            "kind",
            "to_annotation_id",
            "from_annotation_id",
            "from_annotation__quote",
            "from_annotation__start",
            "from_annotation__end",
            "from_annotation__cited_source_id",
            "from_annotation__cited_source__name",
        )
    ]


def event_data(event) -> dict:
    claims = event_claims(event)
    # Joins and subqueries rather than IN lists of thousands of ids.
    attributions_of, hedges_of, via_into = defaultdict(list), defaultdict(list), defaultdict(list)
    direct = Link.objects.filter(
        to_annotation__event=event,
        to_annotation__kind=Kind.CLAIM,
        kind__in=[LinkKind.ATTRIBUTES, LinkKind.QUALIFIES],
    )
    for kind, to_id, span in _linked_spans(direct):
        (attributions_of if kind == LinkKind.ATTRIBUTES else hedges_of)[to_id].append(span)
    event_articles = Annotation.objects.filter(event=event).values("article_id")
    nested = Link.objects.filter(kind=LinkKind.VIA, to_annotation__article_id__in=event_articles)
    for _, to_id, span in _linked_spans(nested):
        via_into[to_id].append(span)
    relations = list(
        ClaimRelation.objects.filter(claim_a__event=event)
        .order_by("pk")
        .only("id", "claim_a_id", "claim_b_id", "kind")
    )
    by_id = {c.pk: c for c in claims}
    for relation in relations:  # show them without one query per relation
        relation.a, relation.b = by_id.get(relation.claim_a_id), by_id.get(relation.claim_b_id)
    same = [(r.claim_a_id, r.claim_b_id) for r in relations if r.kind == RelationKind.SAME]
    contradicts = [
        (r.claim_a_id, r.claim_b_id) for r in relations if r.kind == RelationKind.CONTRADICTS
    ]

    claims.sort(key=claim_time_key)
    chains = {c.pk: claim_chains(c, attributions_of, via_into) for c in claims}
    origins = {c.pk: claim_origins(c, chains[c.pk]) for c in claims}
    groups = build_groups(claims, same, contradicts, origins)
    group_of = {c.pk: g.number for g in groups.values() for c in g.claims}
    source_ids = {c.article.outlet_id for c in claims} | {
        key[1] for keys in origins.values() for key in keys if key[0] == "source"
    }
    sources = {
        s.pk: s
        for s in Source.objects.filter(pk__in=source_ids - {None})
        .with_current_grade()
        .only("id", "name")
    }
    rows = [
        {
            "claim": c,
            "group": group_of[c.pk],
            "chains": chains[c.pk],
            "quote_html": quote_with_hedges(c, hedges_of.get(c.pk, [])),
            "hedges": hedges_of.get(c.pk, []),
            "grade": getattr(sources.get(c.article.outlet_id), "current_grade", None),
            "colour": group_colour(group_of[c.pk]),
        }
        for c in claims
    ]
    grade_of_claim = {}
    for row in rows:
        row["grade_label"] = Grade(row["grade"]).label if row["grade"] else ""
        # Admiralty code: the outlet's reliability letter and the reviewer's credibility digit.
        row["admiralty"] = (
            f"{row['grade'] or '?'}{row['claim'].credibility}" if row["claim"].credibility else ""
        )
        grade_of_claim[row["claim"].pk] = row["grade"]
    for group in groups.values():
        group.colour = group_colour(group.number)
        group.outlets = sorted(
            {
                (c.article.outlet.name if c.article.outlet_id else "?", grade_of_claim[c.pk] or "")
                for c in group.claims
            }
        )
        group.origin_names = sorted(_origin_name(key, sources) for key in group.origins)
    return {
        "claims": claims,
        "rows": rows,
        "groups": sorted(groups.values(), key=lambda g: g.number),
        # Cards for assertions made more than once or contradicted; lone claims are counted.
        "linked_groups": sorted(
            (g for g in groups.values() if len(g.claims) > 1 or g.contradicts),
            key=lambda g: (-len(g.claims), g.number),
        ),
        "lone_claims": sum(1 for g in groups.values() if len(g.claims) == 1 and not g.contradicts),
        "groups_by_number": groups,
        "group_of": group_of,
        "relations": relations,
        "contradictions": [  # pairs of groups, side by side
            [groups[a], groups[b]]
            for a, b in sorted(
                {
                    tuple(sorted((g.number, other)))
                    for g in groups.values()
                    for other in g.contradicts
                }
            )
        ],
        "sources": sources,
        "layout": timeline_layout(claims, group_of),
    }


def _origin_name(key, sources) -> str:
    kind, pk = key
    source = sources.get(pk) if kind == "source" else None
    return source.name if source else "an unnamed outlet"


def claim_time_key(claim):
    """Sort by claimed time, then report time; unknown times last."""
    published = claim.article.published_at
    return (
        claim.claimed_at is None,
        claim.claimed_at.timestamp() if claim.claimed_at else 0,
        published is None,
        published.timestamp() if published else 0,
        claim.pk,
    )


def quote_with_hedges(claim, hedges) -> str:
    """The claim's quote as HTML with the hedges that fall inside it marked."""
    if not hedges:
        return escape(claim.quote)
    shifted = [
        SimpleNamespace(pk=h.pk, start=h.start - claim.start, end=h.end - claim.start)
        for h in hedges
        if claim.start <= h.start and h.end <= claim.end
    ]
    parts = []
    for segment in segments(len(claim.quote), shifted):
        piece = escape(claim.quote[segment.start : segment.end])
        parts.append(f'<mark class="hedge-in-quote">{piece}</mark>' if segment.layers else piece)
    return mark_safe("".join(parts))  # noqa: S308 (the quote is escaped piece by piece)


def group_independence(claim) -> int:
    """How many independent origins the same-assertion group of `claim` has."""
    data = event_data(claim.event)
    number = data["group_of"].get(claim.pk)
    return data["groups_by_number"][number].independent if number else 0
