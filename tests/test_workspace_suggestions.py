"""Deciding suggestions in the workspace, and the suggestions statistics page."""

from datetime import UTC, datetime

import factories
import pytest
from django.urls import reverse

from annotator.annotations.models import Annotation
from annotator.annotations.services import annotation_create
from annotator.suggestions.models import DateSuggestion, SuggestionDecision
from annotator.suggestions.runs import suggestions_run

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = (
    "Troops reportedly left the eastern base on Thursday, according to Meridian Wire.\n\n"
    "The convoy may have included up to 40 trucks, local officials said."
)


@pytest.fixture
def article(team):
    """An English report published on Saturday 15 March, with the suggestions run on it."""
    article = factories.article(
        team.project,
        TEXT,
        title="Convoy",
        language="en",
        published_at=datetime(2025, 3, 15, 12, 0, tzinfo=UTC),
    )
    suggestions_run(article=article)
    return article


URL_NAMES = {
    "workspace": "workspace:article",
    "decide": "suggestions:decide",
    "date_decide": "suggestions:date_decide",
    "accept_all": "suggestions:accept_all",
    "suggest_again": "suggestions:run",
}


@pytest.fixture
def url(team):
    """url(name, *args) -> the path of a workspace or suggestions page in the team's project."""

    def make(name, *args):
        return reverse(URL_NAMES.get(name, f"workspace:{name}"), args=[team.slug, *args])

    return make


def pending(article, kind=None):
    query = Annotation.objects.filter(article=article, status="suggested")
    return query.filter(kind=kind) if kind else query


def test_suggestions_are_drawn_faint_and_listed(login, team, url, article):
    html = login(team["annotator"]).get(url("workspace", article.pk)).content.decode()
    assert "st-suggested" in html
    assert pending(article, "hedge").filter(quote="reportedly").exists()
    assert 'id="suggestions-bar"' in html


def test_accept_makes_a_draft_of_mine_and_moves_on(login, team, url, article):
    hedge = pending(article, "hedge").get(quote="reportedly")
    response = login(team["annotator"]).post(
        url("decide", hedge.pk), {"decision": "accept"}, **HTMX
    )
    assert response.status_code == 200
    hedge.refresh_from_db()
    assert (hedge.status, hedge.created_by) == ("draft", team["annotator"])
    assert (
        SuggestionDecision.objects.get(article=article, quote="reportedly").decision == "accepted"
    )
    selected = response.content.decode().split('data-selected="')[1].split('"')[0]
    assert selected and int(selected) != hedge.pk  # on to the next open suggestion


def test_rejected_suggestions_do_not_come_back(login, team, url, article):
    hedge = pending(article, "hedge").get(quote="reportedly")
    client = login(team["annotator"])
    client.post(url("decide", hedge.pk), {"decision": "reject"}, **HTMX)
    assert not Annotation.objects.filter(pk=hedge.pk).exists()
    response = client.post(url("suggest_again", article.pk), **HTMX)
    assert response.status_code == 200
    assert not Annotation.objects.filter(article=article, quote="reportedly").exists()


def test_accepting_over_my_own_annotation_asks_first(login, team, url, article):
    hedge = pending(article, "hedge").get(quote="reportedly")
    start = TEXT.index("Troops reportedly")
    annotation_create(
        article=article,
        kind="hedge",
        start=start,
        end=start + 17,
        quote="Troops reportedly",
        created_by=team["annotator"],
    )
    client = login(team["annotator"])
    asked = client.post(url("decide", hedge.pk), {"decision": "accept"}, **HTMX)
    assert asked.status_code == 409
    assert "Accept anyway" in asked.content.decode()
    assert pending(article).filter(pk=hedge.pk).exists()
    client.post(url("decide", hedge.pk), {"decision": "accept", "allow_overlap": "1"}, **HTMX)
    hedge.refresh_from_db()
    assert hedge.status == "draft"


def test_accept_all_of_a_kind_after_a_preview(login, team, url, article):
    client = login(team["annotator"])
    hedges = list(pending(article, "hedge").values_list("quote", flat=True))
    assert len(hedges) >= 2
    preview = client.get(url("accept_all", article.pk), {"kind": "hedge"}, **HTMX)
    for quote in hedges:
        assert quote in preview.content.decode()
    assert pending(article, "hedge").count() == len(hedges)  # a preview changes nothing
    client.post(url("accept_all", article.pk), {"kind": "hedge"}, **HTMX)
    assert not pending(article, "hedge").exists()
    assert Annotation.objects.filter(article=article, kind="hedge", status="draft").count() == len(
        hedges
    )


def test_suggested_claim_time(login, team, url, article):
    date = DateSuggestion.objects.get(article=article)
    assert date.quote.endswith("Thursday") and "2025-03-13" in date.resolution
    client = login(team["annotator"])
    panel = client.get(url("detail", date.claim_id), **HTMX).content.decode()
    assert "Suggested claimed time" in panel
    client.post(
        reverse("suggestions:date_decide", args=[team.slug, date.pk]),
        {"decision": "accept"},
        **HTMX,
    )
    claim = Annotation.objects.get(pk=date.claim_id)
    assert claim.claimed_at.date().isoformat() == "2025-03-13"
    assert claim.claimed_precision == "day"


def test_statistics_page_and_rule_switches(login, team, url, article):
    hedge = pending(article, "hedge").get(quote="reportedly")
    login(team["annotator"]).post(url("decide", hedge.pk), {"decision": "reject"}, **HTMX)
    page = login(team["annotator"]).get(reverse("suggestions:stats", args=[team.slug]))
    assert "hedge:en:reportedly" in page.content.decode()
    toggle = reverse("suggestions:toggle", args=[team.slug])
    data = {"rule": "hedge:en:reportedly", "enabled": "0"}
    assert login(team["annotator"]).post(toggle, data).status_code == 403
    login(team["reviewer"]).post(toggle, data)
    page = login(team["reviewer"]).get(reverse("suggestions:stats", args=[team.slug]))
    assert "Switch on" in page.content.decode()
