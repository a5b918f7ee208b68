"""The event page, its timeline, independence figures on four reports of one event,
credibility and exports."""

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import factories
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.annotations.models import Annotation, HedgeType, Link, TimePrecision
from annotator.annotations.services import annotation_update
from annotator.articles.models import Article
from annotator.events.fragments import quote_with_hedges
from annotator.events.models import ClaimRelation, Event, RelationKind
from annotator.events.services import claim_relation_create
from annotator.sources.models import SourceKind

HTMX = {"HTTP_HX_REQUEST": "true"}
SVG = "{http://www.w3.org/2000/svg}"

# Four outlets report one withdrawal and disagree on the day and the distance.
WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base on "
    "Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport, according to the officials, who asked not "
    "to be named."
)
LEDGER = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, Meridian Wire "
    "reported, citing local officials.\n\n"
    "The base, believed to be 4 km west of the airport, had been shelled for weeks."
)
SAHIL = (
    "أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين.\n\n"
    "وتقع القاعدة على بعد نحو 3 كم غرب مطار قرمل."
)
RASED = (
    "نقلاً عن وكالة ميريديان (Meridian Wire)، انسحبت القوات الأجنبية من قاعدة تل صفرا "
    "فجر الثلاثاء.\n\n"
    "وبحسب مصادر، فإن القاعدة تبعد 5 كم عن المطار."
)


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def event(team):
    """The withdrawal from Tal Safra base, as four outlets report it ("annotator" marked
    them; ← is "attributed to"):

    - Meridian Wire (graded B), 12 March 09:40: "Foreign troops withdrew … on Tuesday"
      ← local officials; "The base lies 3 km west of Qarmal airport" ← local officials.
    - The Northern Ledger, 13 March: "Foreign forces have reportedly evacuated …" (hedged)
      ← Meridian Wire ← local officials; "The base, believed to be 4 km west …" (hedged).
    - Al-Sahil Daily, 11 March 18:05: the withdrawal on Monday ← local officials; "… 3 km
      west of Qarmal airport" (hedged), citing nobody.
    - Rased Network, 12 March 07:15: the withdrawal on Tuesday ← Meridian Wire; "the base
      is 5 km from the airport" ← unnamed sources.

    Related: the three Tuesday claims are the same assertion, and contradict Monday's; the
    two 3 km claims are the same, and contradict the 4 km and 5 km ones (as these do each
    other).
    """
    project, by = team.project, team["annotator"]
    officials = factories.source(project, "local officials", kind=SourceKind.ANONYMOUS)
    agency = factories.source(project, "Meridian Wire", kind=SourceKind.AGENCY, grade="B")
    withdrawal = factories.event(
        project,
        "Withdrawal from Tal Safra base",
        place="Qarmal, Qarmalia",
        start_date=date(2025, 3, 10),
        end_date=date(2025, 3, 11),
    )

    def claim_in(article, quote, **fields):
        return factories.span(article, quote, event=withdrawal, by=by, **fields)

    def said(article, quote, *claims, cited=None):
        attribution = factories.span(article, quote, ATTRIBUTION, cited_source=cited, by=by)
        for target in claims:
            factories.link(attribution, target, by=by)
        return attribution

    def hedge(article, quote, hedge_type, target):
        qualifier = factories.span(article, quote, HEDGE, hedge_type=hedge_type, by=by)
        factories.link(qualifier, target, by=by)

    wire = factories.article(project, WIRE, outlet=agency, published_at=at("2025-03-12T09:40"))
    w_tuesday = claim_in(
        wire,
        "Foreign troops withdrew from the Tal Safra base on Tuesday",
        claimed_at=at("2025-03-11"),
        claimed_precision=TimePrecision.DAY,
    )
    said(wire, "two local officials told Meridian Wire", w_tuesday, cited=officials)
    w_3km = claim_in(wire, "The base lies 3 km west of Qarmal airport")
    said(wire, "according to the officials", w_3km, cited=officials)

    ledger = factories.article(
        project,
        LEDGER,
        outlet=factories.source(project, "The Northern Ledger"),
        published_at=at("2025-03-13T00:00"),
        published_precision="day",
    )
    l_tuesday = claim_in(
        ledger, "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal"
    )
    hedge(ledger, "reportedly", HedgeType.HEARSAY, l_tuesday)
    reported = said(ledger, "Meridian Wire reported", l_tuesday, cited=agency)
    said(ledger, "citing local officials", reported, cited=officials)  # reached via the wire
    l_4km = claim_in(ledger, "The base, believed to be 4 km west of the airport")
    hedge(ledger, "believed to be", HedgeType.EPISTEMIC, l_4km)

    sahil = factories.article(
        project,
        SAHIL,
        outlet=factories.source(project, "Al-Sahil Daily"),
        language="ar",
        published_at=at("2025-03-11T18:05"),
    )
    s_monday = claim_in(
        sahil,
        "القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين",
        claimed_at=at("2025-03-10"),
        claimed_precision=TimePrecision.DAY,
    )
    said(sahil, "أفادت مصادر محلية لصحيفة الساحل", s_monday, cited=officials)
    s_3km = claim_in(sahil, "تقع القاعدة على بعد نحو 3 كم غرب مطار قرمل")
    hedge(sahil, "نحو", HedgeType.APPROXIMATOR, s_3km)

    rased = factories.article(
        project,
        RASED,
        outlet=factories.source(project, "Rased Network", kind=SourceKind.SOCIAL),
        language="ar",
        published_at=at("2025-03-12T07:15"),
    )
    r_tuesday = claim_in(
        rased,
        "انسحبت القوات الأجنبية من قاعدة تل صفرا فجر الثلاثاء",
        claimed_at=at("2025-03-11"),
        claimed_precision=TimePrecision.APPROXIMATE,
    )
    said(rased, "نقلاً عن وكالة ميريديان (Meridian Wire)", r_tuesday, cited=agency)
    r_5km = claim_in(rased, "فإن القاعدة تبعد 5 كم عن المطار")
    said(rased, "وبحسب مصادر", r_5km)

    same, contradicts = RelationKind.SAME, RelationKind.CONTRADICTS
    for one, other, kind in [
        (w_tuesday, l_tuesday, same),
        (w_tuesday, r_tuesday, same),
        (w_tuesday, s_monday, contradicts),
        (w_3km, s_3km, same),
        (w_3km, l_4km, contradicts),
        (w_3km, r_5km, contradicts),
        (l_4km, r_5km, contradicts),
    ]:
        claim_relation_create(claim=one, other=other, kind=kind, user=by)
    return withdrawal


def claim(quote_start):
    return Annotation.objects.get(kind="claim", quote__startswith=quote_start)


def page(client, event):
    return client.get(reverse("events:detail", args=[event.project.slug, event.pk]))


def test_independence_figures_match_a_hand_count(login, team, event, client):
    """By hand, from the articles of the `event` fixture:
    - "withdrew on Tuesday": Meridian Wire ← local officials; The Northern Ledger ← Meridian
      Wire ← local officials; Rased Network ← Meridian Wire, which is followed to Meridian
      Wire's own claim ← local officials. Three articles, one independent origin.
    - "3 km west": Meridian Wire ← local officials; Al-Sahil Daily cites nobody. Two origins.
    """
    response = page(login(team["reviewer"]), event)
    assert response.status_code == 200
    groups = response.context["groups"]

    def group_of(quote_start):
        pk = claim(quote_start).pk
        return next(g for g in groups if pk in [c.pk for c in g.claims])

    tuesday = group_of("Foreign troops withdrew")
    assert (tuesday.articles, tuesday.independent) == (3, 1)
    assert tuesday.origin_names == ["local officials"]
    assert tuesday.first.article.outlet.name == "Rased Network"  # 07:15 on 12 March
    distance = group_of("The base lies 3 km")
    assert (distance.articles, distance.independent) == (2, 2)
    monday = group_of("القوات الأجنبية أخلت")
    assert tuesday.number in monday.contradicts
    assert len(groups) == 5


def test_svg_is_valid_and_has_a_mark_per_claim(login, team, event):
    response = page(login(team["annotator"]), event)
    html = response.content.decode()
    svg_text = html[
        html.index('<svg class="timeline"') : html.index(
            "</svg>", html.index('<svg class="timeline"')
        )
        + len("</svg>")
    ]
    svg = ET.fromstring(svg_text)  # noqa: S314 (our own page): well-formed XML
    marks = svg.findall(f"{SVG}a")
    claims = Annotation.objects.filter(event=event, kind="claim")
    assert {int(m.get("data-claim")) for m in marks} == set(claims.values_list("pk", flat=True))
    for mark in marks:
        assert mark.find(f"{SVG}title").text  # the quote on hover
    assert "Rased Network" in svg_text and "Al-Sahil Daily" in svg_text


def test_chains_and_admiralty_code_in_the_table(login, team, event):
    client = login(team["reviewer"])
    rows = {r.claim.pk: r for r in page(client, event).context["rows"]}
    ledger = rows[claim("Foreign forces have reportedly").pk]
    assert [str(c) for c in ledger.chains] == [
        "The Northern Ledger ← Meridian Wire ← local officials"
    ]
    assert 'class="hedge-in-quote">reportedly</mark>' in quote_with_hedges(
        ledger.claim, ledger.hedges
    )
    distance = claim("The base lies 3 km")
    response = client.post(
        reverse("events:credibility", args=[team.slug, distance.pk]),
        {"credibility": "1", "version": distance.version},
        **HTMX,
    )
    assert response.status_code == 200
    distance.refresh_from_db()
    assert distance.credibility == 1
    assert "B1" in response.content.decode()  # Meridian Wire is graded B


def test_credibility_1_needs_two_independent_origins(login, team, event):
    tuesday = claim("Foreign troops withdrew")
    response = login(team["reviewer"]).post(
        reverse("events:credibility", args=[team.slug, tuesday.pk]),
        {"credibility": "1", "version": tuesday.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "1 independent origin" in response.content.decode()
    tuesday.refresh_from_db()
    assert tuesday.credibility is None


def test_only_reviewers_rate_credibility(login, team, event, outsider):
    tuesday = claim("Foreign troops withdrew")
    data = {"credibility": "3", "version": tuesday.version}
    url = reverse("events:credibility", args=[team.slug, tuesday.pk])
    assert login(team["annotator"]).post(url, data, **HTMX).status_code == 403
    assert login(outsider).post(url, data, **HTMX).status_code == 404
    assert (
        login(outsider).get(reverse("events:detail", args=[team.slug, event.pk])).status_code == 404
    )


def test_link_and_unlink_claims(login, team, event):
    client = login(team["annotator"])
    ledger, rased = claim("The base, believed"), claim("فإن القاعدة")
    ClaimRelation.objects.filter(claim_a__in=[ledger, rased], claim_b__in=[ledger, rased]).delete()
    url = reverse("events:relation_create", args=[team.slug, event.pk])
    response = client.post(url, {"claims": [rased.pk, ledger.pk], "kind": "same"}, **HTMX)
    assert response.status_code == 200
    relation = ClaimRelation.objects.get(
        claim_a=min(ledger, rased, key=lambda c: c.pk),
        claim_b=max(ledger, rased, key=lambda c: c.pk),
    )
    assert relation.kind == "same"
    bad = client.post(url, {"claims": [rased.pk], "kind": "same"}, **HTMX)
    assert bad.status_code == 422
    client.post(
        reverse("events:relation_delete", args=[team.slug, event.pk]),
        {"relation": relation.pk},
        **HTMX,
    )
    assert not ClaimRelation.objects.filter(pk=relation.pk).exists()


def test_relations_only_between_claims_of_one_event(team, event):
    other_event = Event.objects.create(project=team.project, title="Another")
    a, b = claim("Foreign troops withdrew"), claim("The base lies 3 km")
    Annotation.objects.filter(pk=b.pk).update(event=other_event)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(
            claim_a=min(a, b, key=lambda c: c.pk),
            claim_b=max(a, b, key=lambda c: c.pk),
            kind="same",
        )


def test_moving_a_claim_to_another_event_drops_its_relations(login, team, event):

    other_event = Event.objects.create(project=team.project, title="Another")
    tuesday = claim("Foreign troops withdrew")
    annotation_update(
        annotation=tuesday, version=tuesday.version, user=team["annotator"], event=other_event
    )
    assert not ClaimRelation.objects.filter(claim_a=tuesday).exists()
    assert not ClaimRelation.objects.filter(claim_b=tuesday).exists()


def test_exports_keep_markup_as_text(login, team, event):
    text = 'Officials said <script>alert("x")</script> the base "=1+1" emptied.'
    article = factories.article(
        team.project, text, title="Hostile", published_at=at("2025-03-14T10:00")
    )
    factories.span(article, text, "claim", by=team["annotator"], event=event)
    client = login(team["annotator"])
    timeline = client.get(reverse("events:timeline_json", args=[team.slug, event.pk]))
    payload = json.loads(timeline.content)
    texts = [e["text"]["text"] for e in payload["events"]]
    assert not any("<script>" in t for t in texts)
    assert any("&lt;script&gt;" in t for t in texts)
    for item in payload["events"]:
        assert {"start_date", "text", "group"} <= set(item) and "headline" in item["text"]
    table = client.get(reverse("events:timeline_csv", args=[team.slug, event.pk]))
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert any(r["quote"] == text for r in rows), [r["quote"] for r in rows]
    assert len(rows) == Annotation.objects.filter(event=event, kind="claim").count()
    html = page(client, event).content.decode()
    assert "<script>alert" not in html


def test_event_page_queries_are_bounded_with_2000_claims(
    login, team, event, django_assert_max_num_queries
):
    """500 articles with 4 claims each (bulk inserted: this is about reading), some of
    them attributed and related, render in a fixed number of queries."""
    user = team["annotator"]
    agency = team.project.sources.get(name="Meridian Wire")
    texts = [
        f"Report {i}: the base was emptied on day {i % 30}, Meridian Wire reported. "
        f"About {i % 9} trucks left. The road closed. Calm returned."
        for i in range(500)
    ]
    articles = Article.objects.bulk_create(
        Article(
            project=team.project,
            title=f"R{i}",
            text=text,
            outlet=agency,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            published_at=f"2025-03-{1 + i % 28:02}T08:00:00Z",
            published_precision="minute",
        )
        for i, text in enumerate(texts)
    )
    spans = []
    for article in articles:
        for quote in ("the base was emptied", "trucks left", "The road closed", "Calm returned"):
            start = article.text.index(quote)
            spans.append(
                Annotation(
                    article=article,
                    kind="claim",
                    start=start,
                    end=start + len(quote),
                    quote=quote,
                    event=event,
                    claimed_at="2025-03-10T00:00:00Z",
                    claimed_precision="day",
                )
            )
        start = article.text.index("Meridian Wire reported")
        spans.append(
            Annotation(
                article=article,
                kind="attribution",
                start=start,
                end=start + 22,
                quote="Meridian Wire reported",
                cited_source=agency,
            )
        )
    Annotation.objects.bulk_create(spans)
    claims = [a for a in spans if a.kind == "claim"]
    Link.objects.bulk_create(
        Link(from_annotation=a, to_annotation=spans[i - 4], kind="attributes")
        for i, a in enumerate(spans)
        if a.kind == "attribution"
    )
    ClaimRelation.objects.bulk_create(
        ClaimRelation(claim_a=claims[i], claim_b=claims[i + 4], kind="same")
        for i in range(0, 400, 8)
    )
    client = login(user)
    with django_assert_max_num_queries(14):
        response = page(client, event)
    assert response.status_code == 200
    assert response.content.decode().count('class="tl-mark"') >= 2000


def test_event_list_and_create(login, team, event):
    client = login(team["annotator"])
    listing = client.get(reverse("events:list", args=[team.slug]))
    assert "Withdrawal from Tal Safra base" in listing.content.decode()
    response = client.post(reverse("events:list", args=[team.slug]), {"title": "Convoy sighting"})
    assert response.status_code == 302
    assert Event.objects.filter(project=team.project, title="Convoy sighting").exists()
    assert client.post(reverse("events:list", args=[team.slug]), {"title": " "}).status_code == 422
