"""Agreement measures on a worked example computed by hand (annotator.review.agreement),
and the agreement page that shows them per pair of annotators and per kind."""

import pytest

from annotator.review.agreement import (
    PairCounts,
    agreement,
    cohen_kappa,
    compare,
    compare_kind,
    overlap_matches,
    span_groups,
)
from annotator.review.queries import Span

KINDS = ["claim", "attribution", "hedge"]

# The worked example: one article, annotators A and B.
#
#   A: a1 claim [0,10)   a2 attribution [12,20)   a3 hedge [25,30)   a4 claim [40,50)
#   B: b1 claim [0,10)   b2 claim       [12,20)   b3 hedge [26,30)   b4 claim [60,70)
A = [
    Span(0, 10, "claim"),
    Span(12, 20, "attribution"),
    Span(25, 30, "hedge"),
    Span(40, 50, "claim"),
]
B = [Span(0, 10, "claim"), Span(12, 20, "claim"), Span(26, 30, "hedge"), Span(60, 70, "claim")]


def test_worked_example_by_hand():
    counts = compare(A, B)
    # Exact matches (same start and end, kind not compared): a1=b1 and a2=b2 -> m = 2.
    # n_A = 4, n_B = 4, so F1 = 2·2 / (4 + 4) = 0.5.
    assert (counts.a_spans, counts.b_spans, counts.exact) == (4, 4, 2)
    assert counts.exact_f1 == pytest.approx(0.5)
    # Overlapping matches: a1-b1, a2-b2, and a3 [25,30) with b3 [26,30) (4 shared points);
    # a4 and b4 overlap nothing -> m = 3, F1 = 2·3 / 8 = 0.75.
    assert counts.overlap == 3
    assert counts.overlap_f1 == pytest.approx(0.75)
    # Kappa on the kinds of the 3 overlapping pairs:
    #   (claim, claim), (attribution, claim), (hedge, hedge)
    #   p_o = 2/3 (two pairs agree).
    #   A's kinds: claim 1/3, attribution 1/3, hedge 1/3; B's: claim 2/3, hedge 1/3.
    #   p_e = 1/3·2/3 (claim) + 1/3·0 (attribution) + 1/3·1/3 (hedge) = 2/9 + 1/9 = 1/3.
    #   κ = (2/3 − 1/3) / (1 − 1/3) = (1/3) / (2/3) = 0.5.
    assert sorted(counts.kind_pairs) == [
        ("attribution", "claim"),
        ("claim", "claim"),
        ("hedge", "hedge"),
    ]
    assert counts.kappa == pytest.approx(0.5)


def test_worked_example_per_kind_by_hand():
    # Claims only: A has a1, a4; B has b1, b2, b4. Exact and overlap: a1=b1 only -> m = 1.
    # F1 = 2·1 / (2 + 3) = 0.4.
    claims = compare_kind(A, B, "claim")
    assert claims.exact_f1 == pytest.approx(0.4)
    assert claims.overlap_f1 == pytest.approx(0.4)
    # Hedges: a3 [25,30) and b3 [26,30) -> exact m = 0 (F1 0), overlap m = 1 (F1 2/2 = 1).
    hedges = compare_kind(A, B, "hedge")
    assert (hedges.exact_f1, hedges.overlap_f1) == (0, 1)
    # Attributions: A has a2, B none -> F1 = 0 / 1 = 0.
    assert compare_kind(A, B, "attribution").overlap_f1 == 0


def test_pooling_over_articles_sums_counts_before_dividing():
    # Article 2: A marks [0,5) claim; B marks [0,5) claim and [10,15) claim.
    # Summed: n_A = 4 + 1 = 5, n_B = 4 + 2 = 6, exact m = 2 + 1 = 3 -> F1 = 6 / 11.
    # Not the mean of the per-article F1s ((0.5 + 2/3) / 2 = 0.583...).
    second = {"A": [Span(0, 5, "claim")], "B": [Span(0, 5, "claim"), Span(10, 15, "claim")]}
    result = agreement({1: {"A": A, "B": B}, 2: second}, KINDS)
    pair = result.pairs[("A", "B")]
    assert (pair.articles, pair.a_spans, pair.b_spans, pair.exact) == (2, 5, 6, 3)
    assert pair.exact_f1 == pytest.approx(6 / 11)
    # Claims over both articles: article 1 gives n 2/3, m 1; article 2 gives n 1/2, m 1.
    # F1 = 2·2 / (3 + 5) = 0.5.
    assert result.kinds["claim"].exact_f1 == pytest.approx(0.5)


def test_three_annotators_give_three_pairs_in_name_order():
    article = {"carol": A, "alice": A, "bob": B}
    result = agreement({1: article}, KINDS)
    assert list(result.pairs) == [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]
    assert result.pairs[("alice", "carol")].exact_f1 == 1
    assert result.pairs[("alice", "carol")].kappa == 1


def test_overlap_matching_is_one_to_one_and_prefers_the_closest_pair():
    # A's [0,10) overlaps B's [0,4) (Jaccard 0.4) and [2,10) (0.8): it takes [2,10).
    # A's [3,4) then can only take [0,4).
    a = [Span(0, 10, "claim"), Span(3, 4, "claim")]
    b = [Span(0, 4, "claim"), Span(2, 10, "claim")]
    pairs = overlap_matches(a, b)
    assert sorted((x.start, y.start) for x, y in pairs) == [(0, 2), (3, 0)]
    # One long span against two short ones inside it: only one match.
    assert compare([Span(0, 20, "claim")], [Span(0, 5, "claim"), Span(6, 20, "claim")]).overlap == 1


def test_undefined_measures_are_none():
    assert compare([], []).exact_f1 is None
    assert cohen_kappa([]) is None
    # Both used only claims: chance agreement is total, kappa cannot say anything.
    assert cohen_kappa([("claim", "claim"), ("claim", "claim")]) is None
    # Complete disagreement on two kinds used equally: p_o = 0, p_e = 1/2 -> κ = -1.
    assert cohen_kappa([("claim", "hedge"), ("hedge", "claim")]) == pytest.approx(-1)
    assert PairCounts().overlap_f1 is None


def test_span_groups_chain_overlaps_of_one_kind():
    spans = [
        Span(0, 10, "claim"),
        Span(8, 15, "claim"),  # overlaps the first: same group
        Span(14, 20, "claim"),  # overlaps the second: same group (a chain)
        Span(20, 25, "claim"),  # touches but does not overlap: new group
        Span(5, 9, "hedge"),  # other kind: its own group
    ]
    groups = span_groups(spans)
    assert [[(s.start, s.end, s.kind) for s in g] for g in groups] == [
        [(0, 10, "claim"), (8, 15, "claim"), (14, 20, "claim")],
        [(5, 9, "hedge")],
        [(20, 25, "claim")],
    ]
