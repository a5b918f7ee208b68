"""Attribution chains, origins and independence, as pure functions on small worked examples."""

from datetime import UTC, datetime
from types import SimpleNamespace

from annotator.events.timeline import (
    attribution_paths,
    build_groups,
    claim_chains,
    claim_origins,
    own_origin,
    source_label,
)


def source(pk, name):
    return SimpleNamespace(pk=pk, name=name)


def article(pk, outlet, day):
    return SimpleNamespace(
        pk=pk,
        outlet=outlet,
        outlet_id=outlet.pk,
        published_at=datetime(2025, 3, day, 9, 0, tzinfo=UTC),
    )


def claim(pk, art):
    return SimpleNamespace(pk=pk, article=art, article_id=art.pk)


def attribution(pk, cited=None, quote="sources"):
    return SimpleNamespace(
        pk=pk, cited_source=cited, cited_source_id=cited.pk if cited else None, quote=quote
    )


def chains_of(c, attributions_of, via_into):
    """The chains of claim `c`, as the event analysis builds them from ids."""
    spans = {a.pk: a for group in (*attributions_of.values(), *via_into.values()) for a in group}
    paths = attribution_paths(
        c.pk,
        {k: [a.pk for a in v] for k, v in attributions_of.items()},
        {k: [a.pk for a in v] for k, v in via_into.items()},
    )

    def label_of(pk):
        a = spans[pk]
        name = a.cited_source.name if a.cited_source else None
        return source_label(name, a.quote), a.cited_source_id

    return claim_chains(c.article.outlet.name, paths, label_of)


def origins_of(c, chains):
    return claim_origins(own_origin(c.article.outlet_id, c.article_id), chains)


AGENCY, OFFICIALS, MINISTRY = source(10, "Agency"), source(11, "officials"), source(12, "Ministry")
OUTLET_A, OUTLET_B, OUTLET_C = source(1, "Outlet A"), source(2, "Outlet B"), source(3, "Outlet C")


def test_chains_of_depth_one_to_three():
    c = claim(100, article(1, OUTLET_A, 1))
    direct = attribution(200, AGENCY)  # "Agency said"
    inner = attribution(201, OFFICIALS)  # "... citing officials"
    innermost = attribution(202, None, "a source")  # "... who heard it from a source"
    cases = [
        ({100: [direct]}, {}, "Outlet A ← Agency"),
        ({100: [direct]}, {200: [inner]}, "Outlet A ← Agency ← officials"),
        (
            {100: [direct]},
            {200: [inner], 201: [innermost]},
            "Outlet A ← Agency ← officials ← “a source”",
        ),
    ]
    for attributions_of, via_into, expected in cases:
        chains = chains_of(c, attributions_of, via_into)
        assert [str(chain) for chain in chains] == [expected]
    assert [str(x) for x in chains_of(c, {}, {})] == ["Outlet A"]


def test_citation_cycles_do_not_loop():
    a, b = attribution(1, AGENCY), attribution(2, MINISTRY)
    paths = attribution_paths(99, {99: [a.pk]}, {1: [b.pk], 2: [a.pk]})  # A via B via A …
    assert [list(path) for path in paths] == [[1, 2]]


def test_unnamed_last_hop_keeps_the_last_named_source_as_origin():
    c = claim(100, article(1, OUTLET_A, 1))
    chains = chains_of(c, {100: [attribution(1, AGENCY)]}, {1: [attribution(2)]})
    assert origins_of(c, chains) == {("source", AGENCY.pk)}


def test_independence_worked_example():
    """Five claims making the same assertion:

    - Outlet A and Outlet B both cite the Agency      -> origin Agency (counts once)
    - Outlet C cites nobody                            -> origin Outlet C
    - a second article of Outlet B cites Outlet A      -> follows A to the Agency
    - a second article of Outlet C cites the Ministry  -> origin Ministry (C's own stays C)
    Independent origins by hand: {Agency, Outlet C, Ministry} = 3.
    """
    art_a, art_b, art_c = article(1, OUTLET_A, 2), article(2, OUTLET_B, 1), article(3, OUTLET_C, 3)
    art_b2, art_m = article(4, OUTLET_B, 4), article(5, OUTLET_C, 5)
    claims = [
        claim(101, art_a),
        claim(102, art_b),
        claim(103, art_c),
        claim(104, art_b2),
        claim(105, art_m),
    ]
    attributions_of = {
        101: [attribution(1, AGENCY)],
        102: [attribution(2, AGENCY)],
        104: [attribution(3, OUTLET_A)],
        105: [attribution(4, MINISTRY)],
    }
    origins = {c.pk: origins_of(c, chains_of(c, attributions_of, {})) for c in claims}
    assert origins[103] == {("source", OUTLET_C.pk)}
    same = [(101, 102), (102, 103), (103, 104), (104, 105)]
    groups = build_groups(claims, same, [], origins)
    assert len(groups) == 1
    group = groups[1]
    assert group.origins == {
        ("source", AGENCY.pk),
        ("source", OUTLET_C.pk),
        ("source", MINISTRY.pk),
    }
    assert group.independent == 3
    assert group.articles == 5
    assert group.first.pk == 102  # Outlet B published first (1 March)


def test_two_outlets_citing_each_other_count_once():
    art_a, art_b = article(1, OUTLET_A, 1), article(2, OUTLET_B, 2)
    claims = [claim(1, art_a), claim(2, art_b)]
    attributions_of = {1: [attribution(1, OUTLET_B)], 2: [attribution(2, OUTLET_A)]}
    origins = {c.pk: origins_of(c, chains_of(c, attributions_of, {})) for c in claims}
    groups = build_groups(claims, [(1, 2)], [], origins)
    assert groups[1].independent == 1  # circular: A cites B, B cites A


def test_contradicting_groups_are_paired():
    claims = [claim(i, article(i, OUTLET_A, i)) for i in (1, 2, 3)]
    origins = {c.pk: {("source", OUTLET_A.pk)} for c in claims}
    groups = build_groups(claims, [(1, 2)], [(2, 3)], origins)
    assert groups[1].contradicts == {2} and groups[2].contradicts == {1}
