"""Who claimed what happened, on whose word, and how independent the reports are.

Pure functions over ids and plain values, no database: the event analysis (analysis.py)
and the dataset's CSV of claims (exports) both call them, so the rule is written once.

Attribution chain of a claim: the outlet, then the source cited by each attribution
that attributes the claim, then, hop by hop, the sources of attributions linked to that
one with a "via" link ("sources told Al-Mayadeen": the sources reached the outlet via
Al-Mayadeen). The last source of a chain is the claim's *origin*; a claim that cites
nobody has its outlet as origin. Within a group of claims making the same assertion, an
origin that is itself the outlet of another claim of the group is followed to that
claim's origins, so outlets repeating each other (circular reporting) count once.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_PATHS = 20  # chains per claim: enough to read, and a bound however links are tangled

Origin = tuple[str, int]  # ("source", source id) or ("article", article id)


@dataclass
class Chain:
    """outlet ← source ← source …; `sources` holds (label, source_id or None) pairs."""

    outlet: str
    sources: list[tuple[str, int | None]] = field(default_factory=list)

    def __str__(self):
        return " ← ".join([self.outlet, *(label for label, _ in self.sources)])


def attribution_paths(
    claim_id: int,
    attributed_by: dict[int, list[int]],
    reached_via: dict[int, list[int]],
    limit: int = MAX_PATHS,
) -> list[list[int]]:
    """Every path of attribution ids from the claim outwards, depth first; cycles are cut,
    never looped, and at most `limit` paths are returned.

    attributed_by: claim id -> ids of the attributions that attribute it.
    reached_via: attribution id -> ids of the attributions linked to it with "via" (one
    hop further out).
    """
    paths = []
    for first in attributed_by.get(claim_id, []):
        stack = [[first]]
        while stack and len(paths) < limit:
            path = stack.pop()
            further = [a for a in reached_via.get(path[-1], []) if a not in path]
            if not further:
                paths.append(path)
            stack.extend([*path, nxt] for nxt in reversed(further))
    return paths


def source_label(cited_source_name: str | None, quote: str) -> str:
    """How an attribution appears in a chain: its cited source, else its own words."""
    return cited_source_name if cited_source_name else f"“{quote}”"


def claim_chains(
    outlet: str, paths: list[list[int]], label_of: Callable[[int], tuple[str, int | None]]
) -> list[Chain]:
    """The chains of a claim from its attribution paths; `label_of(attribution id)` gives
    (label, cited source id or None). A claim attributed to nobody: its outlet alone."""
    if not paths:
        return [Chain(outlet)]
    return [Chain(outlet, [label_of(a) for a in path]) for path in paths]


def own_origin(outlet_id: int | None, article_id: int) -> Origin:
    """The origin of a claim that cites nobody (or no named source): its outlet."""
    return ("source", outlet_id) if outlet_id else ("article", article_id)


def claim_origins(own: Origin, chains: list[Chain]) -> set[Origin]:
    """Origin keys of a claim: the last named source of each chain, else its own origin."""
    origins = set()
    for chain in chains:
        named = [source_id for _, source_id in chain.sources if source_id]
        origins.add(("source", named[-1]) if named else own)
    return origins


def group_claims(claim_ids, same_pairs) -> dict[int, int]:
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


def independent_origins(claims, origins_of: dict[int, set[Origin]]) -> set[Origin]:
    """Resolved origins of a group of claims (with .pk, .article_id, .article.outlet_id):
    an origin that is the outlet of another claim in the group is replaced by that claim's
    origins (followed transitively, cycles cut)."""
    if len(claims) == 1:  # nothing to follow within a group of one
        return set(origins_of[claims[0].pk])
    by_outlet = defaultdict(list)
    for claim in claims:
        by_outlet[("source", claim.article.outlet_id)].append(claim)
    resolved = set()
    # Depth first: (origin, the claim it came from, the origins followed to get here).
    stack = [(origin, claim, ()) for claim in claims for origin in origins_of[claim.pk]]
    while stack:
        origin, claim, path = stack.pop()
        if origin in path:  # outlets citing each other in a circle: one origin for all
            resolved.add(min(path[path.index(origin) :]))
            continue
        others = [c for c in by_outlet.get(origin, []) if c.article_id != claim.article_id]
        if not others or origin == own_origin(claim.article.outlet_id, claim.article_id):
            resolved.add(origin)  # the outlet's own reporting
            continue
        for other in others:
            stack.extend((nxt, other, (*path, origin)) for nxt in origins_of[other.pk])
    return resolved


@dataclass
class Group:
    """Claims making the same assertion, and how independent they are."""

    number: int
    claims: list
    origins: set[Origin]
    articles: int
    first: object  # the claim published first
    contradicts: set[int] = field(default_factory=set)  # group numbers
    # Named by the event analysis: (outlet, its grade or ""), and the origins' names.
    outlets: list[tuple[str, str]] = field(default_factory=list)
    origin_names: list[str] = field(default_factory=list)

    @property
    def independent(self) -> int:
        return len(self.origins)


def build_groups(claims, same_pairs, contradict_pairs, origins_of) -> dict[int, Group]:
    """Groups of `claims` (in the order given) joined by same-assertion pairs, with their
    origins and the groups each contradicts."""
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
