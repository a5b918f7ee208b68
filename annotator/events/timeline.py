"""Who claimed what happened when, on whose word, and how independent the reports are.

Pure functions over already-loaded annotations (see queries.event_data), no database.

Attribution chain of a claim: the outlet, then the source cited by each attribution
that attributes the claim, then, hop by hop, the sources of attributions linked to that
one with a "via" link ("sources told Al-Mayadeen": the sources reached the outlet via
Al-Mayadeen). The last source of a chain is the claim's *origin*; a claim that cites
nobody has its outlet as origin. Within a group of claims making the same assertion, an
origin that is itself the outlet of another claim of the group is followed to that
claim's origins, so outlets repeating each other (circular reporting) count once.
"""

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Chain:
    """outlet ← source ← source …; `sources` holds (label, source_id or None) pairs."""

    outlet: str
    sources: list[tuple[str, int | None]] = field(default_factory=list)

    def __str__(self):
        return " ← ".join([self.outlet, *(label for label, _ in self.sources)])


def attribution_paths(claim_id, attributions_of, via_into) -> list[list]:
    """Every path of attributions from the claim outwards; cycles are cut, never looped.

    attributions_of: claim id -> attributions that attribute it.
    via_into: attribution id -> attributions linked to it with "via" (one hop further out).
    """
    if not attributions_of.get(claim_id):
        return []
    paths = []

    def walk(attribution, path, seen):
        further = [a for a in via_into.get(attribution.pk, []) if a.pk not in seen]
        if not further:
            paths.append(path)
        for nxt in further:
            walk(nxt, [*path, nxt], seen | {nxt.pk})

    for attribution in attributions_of.get(claim_id, []):
        walk(attribution, [attribution], {attribution.pk})
    return paths


def source_label(attribution) -> tuple[str, int | None]:
    if attribution.cited_source_id:
        return attribution.cited_source.name, attribution.cited_source_id
    return f"“{attribution.quote}”", None


def claim_chains(claim, attributions_of, via_into) -> list[Chain]:
    outlet = claim.article.outlet.name if claim.article.outlet_id else "unknown outlet"
    paths = attribution_paths(claim.pk, attributions_of, via_into)
    if not paths:
        return [Chain(outlet)]
    return [Chain(outlet, [source_label(a) for a in path]) for path in paths]


def own_origin(claim):
    """The origin key of a claim that cites nobody (or no named source): its outlet."""
    return (
        ("source", claim.article.outlet_id)
        if claim.article.outlet_id
        else ("article", claim.article_id)
    )


def claim_origins(claim, chains: list[Chain]) -> set:
    """Origin keys of a claim: the last named source of each chain, else the outlet."""
    origins = set()
    for chain in chains:
        named = [source_id for _, source_id in chain.sources if source_id]
        origins.add(("source", named[-1]) if named else own_origin(claim))
    return origins


def group_claims(claim_ids, same_pairs) -> dict:
    """claim id -> group number; claims joined by "same assertion" share a group."""
    parent = {cid: cid for cid in claim_ids}

    def find(cid):
        while parent[cid] != cid:
            parent[cid] = parent[parent[cid]]
            cid = parent[cid]
        return cid

    for a, b in same_pairs:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    roots, groups = {}, {}
    for cid in claim_ids:  # numbered in the order given (e.g. by claimed time)
        groups[cid] = roots.setdefault(find(cid), len(roots) + 1)
    return groups


def independent_origins(claims, origins_of: dict) -> set:
    """Resolved origins of a group: an origin that is the outlet of another claim in the
    group is replaced by that claim's origins (followed transitively, cycles cut)."""
    if len(claims) == 1:  # nothing to follow within a group of one
        return set(origins_of[claims[0].pk])
    by_outlet = defaultdict(list)
    for claim in claims:
        by_outlet[("source", claim.article.outlet_id)].append(claim)
    resolved = set()

    def resolve(origin, claim, path):
        if origin in path:  # outlets citing each other in a circle: one origin for all
            resolved.add(min(path[path.index(origin) :]))
            return
        others = [c for c in by_outlet.get(origin, []) if c.article_id != claim.article_id]
        if not others or origin == own_origin(claim):  # the outlet's own reporting
            resolved.add(origin)
            return
        for other in others:
            for nxt in origins_of[other.pk]:
                resolve(nxt, other, (*path, origin))

    for claim in claims:
        for origin in origins_of[claim.pk]:
            resolve(origin, claim, ())
    return resolved


@dataclass
class Group:
    number: int
    claims: list
    origins: set
    articles: int
    first: object  # the claim published first
    contradicts: set = field(default_factory=set)  # group numbers

    @property
    def independent(self) -> int:
        return len(self.origins)


def build_groups(claims, same_pairs, contradict_pairs, origins_of) -> dict[int, Group]:
    group_of = group_claims([c.pk for c in claims], same_pairs)
    members = defaultdict(list)
    for claim in claims:
        members[group_of[claim.pk]].append(claim)
    groups = {}
    for number, group_claims_ in members.items():
        published = [c for c in group_claims_ if c.article.published_at]
        groups[number] = Group(
            number=number,
            claims=group_claims_,
            origins=independent_origins(group_claims_, origins_of),
            articles=len({c.article_id for c in group_claims_}),
            first=min(published, key=lambda c: c.article.published_at) if published else None,
        )
    for a, b in contradict_pairs:
        if a in group_of and b in group_of and group_of[a] != group_of[b]:
            groups[group_of[a]].contradicts.add(group_of[b])
            groups[group_of[b]].contradicts.add(group_of[a])
    return groups
