"""The event page, its timeline, independence figures on the demo, credibility and exports."""

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from annotator.annotations.models import Annotation, Link
from annotator.annotations.services import annotation_create, annotation_update
from annotator.articles.models import Article
from annotator.events.fragments import quote_with_hedges
from annotator.events.models import ClaimRelation, Event

HTMX = {"HTTP_HX_REQUEST": "true"}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def event(demo):
    return Event.objects.get(project=demo)


def claim(quote_start):
    return Annotation.objects.get(kind="claim", quote__startswith=quote_start)


def page(client, event):
    return client.get(reverse("events:detail", args=["demo", event.pk]))


def test_independence_figures_match_a_hand_count(login, demo_users, event, client):
    """By hand, from the demo articles:
    - "withdrew on Tuesday": Meridian Wire ← local officials; The Northern Ledger ← Meridian
      Wire ← local officials; Rased Network ← Meridian Wire, which is followed to Meridian
      Wire's own claim ← local officials. Three articles, one independent origin.
    - "3 km west": Meridian Wire ← local officials; Al-Sahil Daily cites nobody. Two origins.
    """
    response = page(login(demo_users["reviewer"]), event)
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


def test_svg_is_valid_and_has_a_mark_per_claim(login, demo_users, event):
    response = page(login(demo_users["annotator"]), event)
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


def test_chains_and_admiralty_code_in_the_table(login, demo_users, event):
    client = login(demo_users["reviewer"])
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
        reverse("events:credibility", args=["demo", distance.pk]),
        {"credibility": "1", "version": distance.version},
        **HTMX,
    )
    assert response.status_code == 200
    distance.refresh_from_db()
    assert distance.credibility == 1
    assert "B1" in response.content.decode()  # Meridian Wire is graded B


def test_credibility_1_needs_two_independent_origins(login, demo_users, event):
    tuesday = claim("Foreign troops withdrew")
    response = login(demo_users["reviewer"]).post(
        reverse("events:credibility", args=["demo", tuesday.pk]),
        {"credibility": "1", "version": tuesday.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "1 independent origin" in response.content.decode()
    tuesday.refresh_from_db()
    assert tuesday.credibility is None


def test_only_reviewers_rate_credibility(login, demo_users, event, outsider):
    tuesday = claim("Foreign troops withdrew")
    data = {"credibility": "3", "version": tuesday.version}
    url = reverse("events:credibility", args=["demo", tuesday.pk])
    assert login(demo_users["annotator"]).post(url, data, **HTMX).status_code == 403
    assert login(outsider).post(url, data, **HTMX).status_code == 404
    assert login(outsider).get(reverse("events:detail", args=["demo", event.pk])).status_code == 404


def test_link_and_unlink_claims(login, demo_users, event):
    client = login(demo_users["annotator"])
    ledger, rased = claim("The base, believed"), claim("فإن القاعدة")
    ClaimRelation.objects.filter(claim_a__in=[ledger, rased], claim_b__in=[ledger, rased]).delete()
    url = reverse("events:relation_create", args=["demo", event.pk])
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
        reverse("events:relation_delete", args=["demo", event.pk]),
        {"relation": relation.pk},
        **HTMX,
    )
    assert not ClaimRelation.objects.filter(pk=relation.pk).exists()


def test_relations_only_between_claims_of_one_event(demo, event):
    other_event = Event.objects.create(project=demo, title="Another")
    a, b = claim("Foreign troops withdrew"), claim("The base lies 3 km")
    Annotation.objects.filter(pk=b.pk).update(event=other_event)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimRelation.objects.create(
            claim_a=min(a, b, key=lambda c: c.pk),
            claim_b=max(a, b, key=lambda c: c.pk),
            kind="same",
        )


def test_moving_a_claim_to_another_event_drops_its_relations(login, demo_users, demo, event):

    other_event = Event.objects.create(project=demo, title="Another")
    tuesday = claim("Foreign troops withdrew")
    annotation_update(
        annotation=tuesday, version=tuesday.version, user=demo_users["annotator"], event=other_event
    )
    assert not ClaimRelation.objects.filter(claim_a=tuesday).exists()
    assert not ClaimRelation.objects.filter(claim_b=tuesday).exists()


def test_exports_keep_markup_as_text(login, demo_users, demo, event):
    text = 'Officials said <script>alert("x")</script> the base "=1+1" emptied.'
    article = Article.objects.create(
        project=demo,
        title="Hostile",
        text=text,
        published_at="2025-03-14T10:00:00Z",
        published_precision="minute",
        text_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    annotation_create(
        article=article,
        kind="claim",
        start=0,
        end=len(text),
        quote=text,
        created_by=demo_users["annotator"],
        event=event,
    )
    client = login(demo_users["annotator"])
    timeline = client.get(reverse("events:timeline_json", args=["demo", event.pk]))
    payload = json.loads(timeline.content)
    texts = [e["text"]["text"] for e in payload["events"]]
    assert not any("<script>" in t for t in texts)
    assert any("&lt;script&gt;" in t for t in texts)
    for item in payload["events"]:
        assert {"start_date", "text", "group"} <= set(item) and "headline" in item["text"]
    table = client.get(reverse("events:timeline_csv", args=["demo", event.pk]))
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert any(r["quote"] == text for r in rows), [r["quote"] for r in rows]
    assert len(rows) == Annotation.objects.filter(event=event, kind="claim").count()
    html = page(client, event).content.decode()
    assert "<script>alert" not in html


def test_event_page_queries_are_bounded_with_2000_claims(
    login, demo_users, demo, event, django_assert_max_num_queries
):
    """500 articles with 4 claims each (bulk inserted: this is about reading), some of
    them attributed and related, render in a fixed number of queries."""
    user = demo_users["annotator"]
    agency = demo.sources.get(name="Meridian Wire")
    texts = [
        f"Report {i}: the base was emptied on day {i % 30}, Meridian Wire reported. "
        f"About {i % 9} trucks left. The road closed. Calm returned."
        for i in range(500)
    ]
    articles = Article.objects.bulk_create(
        Article(
            project=demo,
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


def test_event_list_and_create(login, demo_users, demo):
    client = login(demo_users["annotator"])
    listing = client.get(reverse("events:list", args=["demo"]))
    assert "Withdrawal from Tal Safra base" in listing.content.decode()
    response = client.post(reverse("events:list", args=["demo"]), {"title": "Convoy sighting"})
    assert response.status_code == 302
    assert Event.objects.filter(project=demo, title="Convoy sighting").exists()
    assert client.post(reverse("events:list", args=["demo"]), {"title": " "}).status_code == 422
