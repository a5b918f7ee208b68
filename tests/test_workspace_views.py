"""The workspace's HTTP endpoints: what each role may do, and that bad input changes nothing."""

import html
import re

import factories
import pytest
from django.test import Client
from django.urls import reverse

from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.annotations.models import Annotation, HedgeType, Link
from annotator.annotations.services import annotation_create
from annotator.articles.models import Article

HTMX = {"HTTP_HX_REQUEST": "true"}

WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel, "
    "according to the officials, who spoke on condition of anonymity.\n\n"
    "A convoy of trucks was seen leaving the base at dawn, a resident said. "
    "The defence ministry declined to comment."
)
LEDGER = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, "
    "Meridian Wire reported, citing local officials.\n\n"
    "The base, believed to be 4 km west of the airport, may have hosted up to 350 troops."
)
SAHIL = (
    "أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين.\n\n"
    "وتقع القاعدة على بعد نحو 3 كم غرب مطار قرمل، ويُعتقد أنها كانت تضم حوالي 300 عنصر.\n\n"
    "وقال مسؤول في محافظة قرمل إن الانسحاب جاء بعد هجمات متكررة على القاعدة."
)
RASED = (
    "نقلاً عن وكالة ميريديان (Meridian Wire)، انسحبت القوات الأجنبية من قاعدة تل صفرا "
    "فجر الثلاثاء 🚚.\n\n"
    "وبحسب مصادر، فإن القاعدة تبعد 5 كم عن المطار."
)


def report(team, outlet, text, language="en"):
    return factories.article(
        team.project, text, outlet=factories.source(team.project, outlet), language=language
    )


@pytest.fixture
def wire(team):
    """Meridian Wire's report, annotated by the annotator: the withdrawal (a claim in the
    event, attributed to two local officials) and two claims about the base."""
    wire = report(team, "Meridian Wire", WIRE)
    by = team["annotator"]
    withdrawal = factories.event(team.project, "Withdrawal from Tal Safra base")
    claim = factories.span(
        wire, "Foreign troops withdrew from the Tal Safra base on Tuesday", by=by, event=withdrawal
    )
    said = factories.span(wire, "two local officials told Meridian Wire", kind=ATTRIBUTION, by=by)
    factories.link(said, claim, by=by)
    factories.span(wire, "The base lies 3 km west of Qarmal airport", by=by)
    factories.span(wire, "housed about 300 personnel", by=by)
    return wire


@pytest.fixture
def ledger(team):
    """The Northern Ledger's report with two hedges; "reportedly" qualifies its claim."""
    ledger = report(team, "The Northern Ledger", LEDGER)
    by = team["annotator"]
    claim = factories.span(
        ledger, "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal", by=by
    )
    hearsay = factories.span(ledger, "reportedly", HEDGE, by=by, hedge_type=HedgeType.HEARSAY)
    factories.link(hearsay, claim, by=by)
    factories.span(ledger, "believed to be", HEDGE, by=by, hedge_type=HedgeType.EPISTEMIC)
    return ledger


@pytest.fixture
def sahil(team):
    """Al-Sahil Daily's Arabic report: local sources (an attribution) say the troops left."""
    sahil = report(team, "Al-Sahil Daily", SAHIL, language="ar")
    by = team["annotator"]
    claim = factories.span(sahil, "القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين", by=by)
    said = factories.span(sahil, "أفادت مصادر محلية لصحيفة الساحل", kind=ATTRIBUTION, by=by)
    factories.link(said, claim, by=by)
    return sahil


URL_NAMES = {
    "workspace": "workspace:article",
    "decide": "suggestions:decide",
    "date_decide": "suggestions:date_decide",
    "accept_all": "suggestions:accept_all",
    "suggest_again": "suggestions:run",
}


@pytest.fixture
def url(team):
    """url(name, *args) -> the path of a workspace page in the team's project."""

    def make(name, *args):
        return reverse(URL_NAMES.get(name, f"workspace:{name}"), args=[team.slug, *args])

    return make


def span_post(article, quote, kind="claim", occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = article.text.index(quote, start + 1)
    return {"kind": kind, "start": start, "end": start + len(quote), "quote": quote}


def test_page_shows_the_text_exactly_with_highlights(login, team, url, sahil):
    page = login(team["annotator"]).get(url("workspace", sahil.pk))
    assert page.status_code == 200
    body = page.content.decode()
    inner = re.search(r'<div id="article-text"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", inner)) == sahil.text
    assert 'class="hl hl-attribution' in inner
    assert "Keyboard shortcuts" in body


def test_create_span_stores_the_exact_quote(login, team, url, sahil):
    client = login(team["annotator"])
    data = span_post(sahil, "هجمات متكررة")
    response = client.post(url("create", sahil.pk), data, **HTMX)
    assert response.status_code == 200
    annotation = Annotation.objects.get(article=sahil, quote="هجمات متكررة")
    assert sahil.text[annotation.start : annotation.end] == annotation.quote
    assert annotation.created_by == team["annotator"]
    assert f'data-selected="{annotation.pk}"' in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()  # text and list updated in place


@pytest.mark.parametrize(
    "change",
    [
        {"quote": "something else"},  # quote does not match the text
        {"end": 10_000},  # outside the text
        {"kind": "rumour"},
    ],
)
def test_bad_spans_are_refused_with_a_message_and_nothing_stored(login, team, url, wire, change):
    before = Annotation.objects.count()
    data = {**span_post(wire, "A convoy of trucks"), **change}
    response = login(team["annotator"]).post(url("create", wire.pk), data, **HTMX)
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert Annotation.objects.count() == before


def test_span_splitting_an_emoji_is_refused(login, team, url):
    truck = RASED.index("🚚")
    text = RASED.replace("🚚", "🧑\u200d🚒")  # a ZWJ sequence, in an article of its own
    article = factories.article(team.project, text, title="ZWJ", language="ar")
    data = {"kind": "claim", "start": truck, "end": truck + 1, "quote": text[truck]}
    response = login(team["annotator"]).post(url("create", article.pk), data, **HTMX)
    assert response.status_code == 422
    assert "split a character" in response.content.decode()
    assert not Annotation.objects.filter(article=article).exists()


def test_without_htmx_the_form_redirects_back(login, team, url, wire):
    response = login(team["annotator"]).post(
        url("create", wire.pk), span_post(wire, "A convoy of trucks")
    )
    assert response.status_code == 302
    assert response.url.startswith(url("workspace", wire.pk))


def test_missing_csrf_token_is_refused(team, url, wire):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team["annotator"])
    response = client.post(url("create", wire.pk), span_post(wire, "A convoy"), **HTMX)
    assert response.status_code == 403
    assert not Annotation.objects.filter(quote="A convoy").exists()


def test_annotators_edit_only_their_own_spans(login, team, url, wire):
    theirs = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    other = login(team["annotator2"])
    data = {"version": theirs.version, "kind": "claim", "note": "mine now"}
    assert other.post(url("save", theirs.pk), data, **HTMX).status_code == 403
    assert other.post(url("delete", theirs.pk), **HTMX).status_code == 403
    reviewer = login(team["reviewer"])
    assert reviewer.post(url("save", theirs.pk), data, **HTMX).status_code == 200
    theirs.refresh_from_db()
    assert theirs.note == "mine now"


def test_version_conflict_shows_both_values_and_changes_nothing(login, team, url, wire):
    claim = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    client = login(team["annotator"])
    first = {"version": claim.version, "kind": "claim", "note": "first editor"}
    assert client.post(url("save", claim.pk), first, **HTMX).status_code == 200
    second = {"version": claim.version, "kind": "claim", "note": "second editor"}
    response = client.post(url("save", claim.pk), second, **HTMX)
    assert response.status_code == 409
    body = response.content.decode()
    assert "second editor" in body and "first editor" in body
    claim.refresh_from_db()
    assert claim.note == "first editor"
    assert claim.version == 2


def test_claim_fields_event_and_time(login, team, url, wire):
    claim = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    data = {
        "version": claim.version,
        "kind": "claim",
        "new_event_title": "Base handover",
        "claimed_date": "2025-03-11",
        "claimed_time": "05:30",
        "claimed_precision": "",
    }
    assert login(team["annotator"]).post(url("save", claim.pk), data, **HTMX).status_code == 200
    claim.refresh_from_db()
    assert claim.event.title == "Base handover" and claim.event.project == team.project
    assert claim.claimed_precision == "minute"
    assert claim.claimed_at.isoformat().startswith("2025-03-11T05:30")


def test_attribution_cites_a_source_found_by_type_ahead_or_created(login, team, url, sahil):
    factories.source(team.project, "Meridian Wire", aliases=["ميريديان", "وكالة ميريديان"])
    attribution = Annotation.objects.get(article=sahil, kind="attribution")
    client = login(team["annotator"])
    options = client.get(url("source_search", attribution.pk), {"q": "ميريديان"}, **HTMX)
    assert "Meridian Wire" in options.content.decode()
    data = {"version": attribution.version, "kind": "attribution", "new_source_name": "مصدر جديد"}
    assert client.post(url("save", attribution.pk), data, **HTMX).status_code == 200
    attribution.refresh_from_db()
    assert attribution.cited_source.name == "مصدر جديد"
    assert attribution.cited_source.project == team.project


def test_link_both_ways_and_remove(login, team, url, wire):
    client = login(team["annotator"])
    client.post(url("create", wire.pk), span_post(wire, "a resident said", "attribution"), **HTMX)
    client.post(url("create", wire.pk), span_post(wire, "A convoy of trucks was seen"), **HTMX)
    attribution = Annotation.objects.get(quote="a resident said")
    claim = Annotation.objects.get(quote="A convoy of trucks was seen")
    response = client.post(url("link_create", attribution.pk), {"to": claim.pk}, **HTMX)
    assert response.status_code == 200
    link = Link.objects.get(from_annotation=attribution, to_annotation=claim)
    assert link.kind == "attributes"
    claim_panel = client.get(url("detail", claim.pk), **HTMX).content.decode()
    assert "Attributed and hedged by" in claim_panel and "a resident said" in claim_panel
    client.post(reverse("workspace:link_delete", args=[team.slug, link.pk]), **HTMX)
    assert not Link.objects.filter(pk=link.pk).exists()


def test_wrong_link_kinds_are_refused(login, team, url, wire):
    claim = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    other_claim = Annotation.objects.get(article=wire, quote="housed about 300 personnel")
    response = login(team["annotator"]).post(
        url("link_create", claim.pk), {"to": other_claim.pk}, **HTMX
    )
    assert response.status_code == 422
    assert not Link.objects.filter(from_annotation=claim).exists()


def test_delete_and_undo_restores_the_span_and_its_links(login, team, url, wire):
    claim = Annotation.objects.get(article=wire, quote__startswith="Foreign troops withdrew")
    attribution = Link.objects.get(to_annotation=claim).from_annotation
    client = login(team["annotator"])
    response = client.post(url("delete", claim.pk), **HTMX)
    assert "Undo" in response.content.decode()
    assert not Annotation.objects.filter(pk=claim.pk).exists()
    assert client.post(url("undo", wire.pk), **HTMX).status_code == 200
    restored = Annotation.objects.get(article=wire, quote=claim.quote)
    assert (restored.start, restored.end, restored.event_id) == (
        claim.start,
        claim.end,
        claim.event_id,
    )
    assert Link.objects.filter(from_annotation=attribution, to_annotation=restored).exists()
    assert client.post(url("undo", wire.pk), **HTMX).status_code == 422  # nothing left to undo


def test_widen_and_narrow_by_a_word(login, team, url, ledger):
    hedge = Annotation.objects.get(article=ledger, quote="believed to be")
    client = login(team["annotator"])
    client.post(url("respan", hedge.pk), {"version": hedge.version, "move": "widen-end"}, **HTMX)
    hedge.refresh_from_db()
    assert hedge.quote == "believed to be 4"
    data = {"version": hedge.version, **span_post(ledger, "believed")}
    client.post(url("respan", hedge.pk), data, **HTMX)
    hedge.refresh_from_db()
    assert (hedge.quote, hedge.version) == ("believed", 3)


def test_changing_kind_drops_links_the_new_kind_cannot_have(login, team, url, ledger):
    hedge = Annotation.objects.get(article=ledger, quote="reportedly")
    data = {"version": hedge.version, "kind": "claim"}
    assert login(team["annotator"]).post(url("save", hedge.pk), data, **HTMX).status_code == 200
    hedge.refresh_from_db()
    assert hedge.kind == "claim" and hedge.hedge_type == ""
    assert not Link.objects.filter(from_annotation=hedge).exists()


def test_mark_ready_for_review(login, team, url, wire):
    client = login(team["annotator"])
    response = client.post(url("article_status", wire.pk), {"status": "ready"}, **HTMX)
    assert "Ready for review" in response.content.decode()
    wire.refresh_from_db()
    assert wire.status == "ready"


def test_outsiders_get_404_everywhere(login, team, url, outsider, wire):
    client = login(outsider)
    annotation = wire.annotations.first()
    link = Link.objects.filter(from_annotation__article=wire).first()
    assert client.get(url("workspace", wire.pk)).status_code == 404
    assert client.get(url("detail", annotation.pk), **HTMX).status_code == 404
    assert client.post(url("create", wire.pk), span_post(wire, "A convoy")).status_code == 404
    assert client.post(url("save", annotation.pk), {"version": 1}).status_code == 404
    assert client.post(url("delete", annotation.pk)).status_code == 404
    assert client.post(url("undo", wire.pk)).status_code == 404
    assert client.post(url("link_create", annotation.pk), {"to": 1}).status_code == 404
    assert (
        client.post(reverse("workspace:link_delete", args=[team.slug, link.pk])).status_code == 404
    )
    assert client.post(url("article_status", wire.pk), {"status": "ready"}).status_code == 404
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_workspace_queries_are_bounded_for_a_big_article(
    login, team, url, django_assert_max_num_queries
):
    sentence = "Officials said about 300 troops left the base on Tuesday, sources told Meridian. "
    text = (sentence * 260)[:20_000].strip()
    article = factories.article(team.project, text, title="Long")
    annotator = team["annotator"]
    words = [m.span() for m in re.finditer(r"\w+(?: \w+)?", text)]
    for index, (start, end) in enumerate(words[:1000]):
        end = min(end + (index % 3) * 7, len(text))  # some spans run into the next: overlaps
        while text[end - 1] == " ":
            end -= 1
        annotation_create(
            article=article,
            kind=["claim", "attribution", "hedge"][index % 3],
            start=start,
            end=end,
            quote=text[start:end],
            created_by=annotator,
        )
    client = login(annotator)
    with django_assert_max_num_queries(12):
        page = client.get(url("workspace", article.pk))
    assert page.status_code == 200
    assert page.content.decode().count('data-annotation-id="') == 1000


def test_author_reworking_a_rejected_span_puts_it_up_for_review(login, team, url, wire):
    claim = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    Annotation.objects.filter(pk=claim.pk).update(status="rejected", review_comment="Too long")
    data = {"version": claim.version, "kind": "claim", "note": "shortened"}
    login(team["annotator"]).post(url("save", claim.pk), data, **HTMX)
    claim.refresh_from_db()
    assert (claim.status, claim.note) == ("draft", "shortened")


def test_new_work_on_a_reviewed_article_sends_it_back_to_review(login, team, url, wire):
    Article.objects.filter(pk=wire.pk).update(status="reviewed")
    login(team["annotator"]).post(
        url("create", wire.pk), span_post(wire, "A convoy of trucks"), **HTMX
    )
    wire.refresh_from_db()
    assert wire.status == "ready"
