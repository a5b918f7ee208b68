"""Agreement between annotators who marked the same article independently. Pure functions.

A span is anything with `.start`, `.end` (Unicode code points, end exclusive) and `.kind`.
Spans are compared within one article; over several articles the counts are summed.

Measures, for annotators A and B with n_A and n_B spans in an article:

- **Exact match**: a span of A and a span of B match when they have the same start and
  end. The kind is not compared (that is what kappa measures). Matching is one to one:
  boundaries that A marked twice and B once make one match.
- **Overlapping match**: a span of A and a span of B match when they share at least one
  code point. Matching is one to one and greedy: candidate pairs are taken best first by
  Jaccard overlap (shared length / length of the union, so an exact match always comes
  first), then pairs of the same kind, then text order; a pair is taken when neither of
  its spans is matched yet.
- **Span F1** with m matched pairs: precision m / n_B, recall m / n_A (B measured against
  A), F1 = 2m / (n_A + n_B), their harmonic mean. It is symmetric, so it does not matter
  who counts as the reference. Undefined (None) when neither marked anything.
- **Cohen's kappa on kind**, over the pairs of the overlapping match: p_o is the share of
  pairs whose two spans have the same kind; p_e = Σ_k a_k · b_k, where a_k (b_k) is the
  share of pairs in which A's (B's) span has kind k; κ = (p_o − p_e) / (1 − p_e).
  1 is perfect agreement, 0 what chance gives. Undefined (None) without pairs, or when
  p_e = 1 (both used one and the same kind throughout, so chance explains everything).
- **Per kind**: span F1 with both annotators' spans restricted to that kind, so matched
  spans always have the same kind.
"""

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations


@dataclass
class PairCounts:
    """What the measures are computed from; add() sums articles (micro average)."""

    a_spans: int = 0
    b_spans: int = 0
    exact: int = 0
    overlap: int = 0
    kind_pairs: list = field(default_factory=list)  # (A's kind, B's kind) per overlap match
    articles: int = 0

    def add(self, other: "PairCounts") -> "PairCounts":
        return PairCounts(
            self.a_spans + other.a_spans,
            self.b_spans + other.b_spans,
            self.exact + other.exact,
            self.overlap + other.overlap,
            self.kind_pairs + other.kind_pairs,
            self.articles + other.articles,
        )

    @property
    def exact_f1(self) -> float | None:
        return span_f1(self.exact, self.a_spans, self.b_spans)

    @property
    def overlap_f1(self) -> float | None:
        return span_f1(self.overlap, self.a_spans, self.b_spans)

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(self.kind_pairs)


def span_f1(matched: int, a_spans: int, b_spans: int) -> float | None:
    if a_spans + b_spans == 0:
        return None
    return 2 * matched / (a_spans + b_spans)


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    a_share, b_share = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(a_share[k] * b_share[k] for k in a_share) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def exact_matches(a, b) -> int:
    """How many spans match one to one on (start, end)."""
    return sum(
        (Counter((s.start, s.end) for s in a) & Counter((s.start, s.end) for s in b)).values()
    )


def overlap_matches(a, b) -> list[tuple]:
    """The one-to-one greedy overlapping match, as (span of A, span of B) pairs."""
    candidates = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            shared = min(x.end, y.end) - max(x.start, y.start)
            if shared > 0:
                union = max(x.end, y.end) - min(x.start, y.start)
                candidates.append((-shared / union, x.kind != y.kind, x.start, y.start, i, j))
    candidates.sort()
    used_a, used_b, pairs = set(), set(), []
    for *_, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((a[i], b[j]))
    return pairs


def compare(a, b) -> PairCounts:
    """A's and B's spans of one article."""
    a, b = list(a), list(b)
    pairs = overlap_matches(a, b)
    return PairCounts(
        a_spans=len(a),
        b_spans=len(b),
        exact=exact_matches(a, b),
        overlap=len(pairs),
        kind_pairs=[(x.kind, y.kind) for x, y in pairs],
        articles=1,
    )


def compare_kind(a, b, kind: str) -> PairCounts:
    return compare([s for s in a if s.kind == kind], [s for s in b if s.kind == kind])


@dataclass
class Agreement:
    pairs: dict  # (annotator A, annotator B) -> PairCounts, A < B
    kinds: dict  # kind -> PairCounts summed over every pair of annotators


def agreement(articles: dict, kinds) -> Agreement:
    """`articles` maps an article to {annotator: [spans]}; only articles that two or more
    annotators marked count. Annotators are anything sortable (user names)."""
    pairs, per_kind = {}, {kind: PairCounts() for kind in kinds}
    for by_annotator in articles.values():
        for a, b in combinations(sorted(by_annotator), 2):
            spans_a, spans_b = by_annotator[a], by_annotator[b]
            pairs[(a, b)] = pairs.get((a, b), PairCounts()).add(compare(spans_a, spans_b))
            for kind in kinds:
                per_kind[kind] = per_kind[kind].add(compare_kind(spans_a, spans_b, kind))
    return Agreement(pairs=pairs, kinds=per_kind)


def span_groups(spans) -> list[list]:
    """Spans of one kind that overlap, directly or through a chain, form a group: the rows
    of the side-by-side view. Groups come in text order."""
    groups = []
    for kind in sorted({s.kind for s in spans}):
        group, group_end = [], -1
        for span in sorted((s for s in spans if s.kind == kind), key=lambda s: (s.start, s.end)):
            if group and span.start >= group_end:
                groups.append(group)
                group = []
            group.append(span)
            group_end = max(group_end, span.end) if len(group) > 1 else span.end
        if group:
            groups.append(group)
    return sorted(
        groups, key=lambda g: (min(s.start for s in g), -max(s.end for s in g), g[0].kind)
    )
