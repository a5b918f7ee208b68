"""The source registry: grades with history, who may assess, and merging duplicates."""

from datetime import UTC, datetime

import factories
import pghistory.models
import pytest
from django.urls import reverse

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import ATTRIBUTION
from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.sources.models import ReliabilityAssessment, Source, SourceKind, SourceMerge
from annotator.sources.services import assessment_create

WIRE_TEXT = "Foreign troops left the Tal Safra base on Tuesday, two local officials said."
LEDGER_TEXT = "Troops have reportedly left the base near Qarmal, Meridian Wire reported."
RASED_TEXT = "نقلاً عن وكالة ميريديان، انسحبت القوات الأجنبية من قاعدة تل صفرا فجر الثلاثاء."


def assess(source, grade, rationale, day, by):
    """A grading given on `day` (so the history has a fixed order)."""
    when = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return assessment_create(
        source=source, grade=grade, rationale=rationale, user=by, assessed_at=when
    )


@pytest.fixture
def wire(team):
    """The agency Meridian Wire, graded C and later B by "reviewer", with one report of its
    own; The Northern Ledger and Rased Network (an Arabic channel) each cite it once."""
    agency = factories.source(
        team.project, "Meridian Wire", kind=SourceKind.AGENCY, aliases=["ميريديان"]
    )
    assess(agency, "C", "New to our desk; few checks so far.", "2024-06-01", team["reviewer"])
    assess(
        agency,
        "B",
        "Twelve of fourteen reports since June confirmed by other outlets.",
        "2025-01-15",
        team["reviewer"],
    )
    factories.article(team.project, WIRE_TEXT, outlet=agency)

    ledger = factories.source(team.project, "The Northern Ledger")
    story = factories.article(team.project, LEDGER_TEXT, outlet=ledger)
    factories.span(
        story, "Meridian Wire reported", ATTRIBUTION, cited_source=agency, by=team["annotator"]
    )

    rased = factories.source(
        team.project, "Rased Network", kind=SourceKind.SOCIAL, aliases=["شبكة راصد", "راصد"]
    )
    post = factories.article(team.project, RASED_TEXT, outlet=rased, language="ar")
    factories.span(
        post, "نقلاً عن وكالة ميريديان", ATTRIBUTION, cited_source=agency, by=team["annotator"]
    )
    return agency


def test_source_list_shows_grades_counts_and_meaning(
    login, team, wire, django_assert_max_num_queries
):
    client = login(team["annotator"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("sources:list", args=[team.slug]))
    html = response.content.decode()
    assert 'title="B: usually reliable">B</abbr>' in html  # Meridian Wire's newest grade
    row = next(s for s in response.context["sources"] if s.name == "Meridian Wire")
    assert (row.article_count, row.citation_count, row.current_grade_by) == (1, 2, "reviewer")
    assert "شبكة راصد" in html  # other names, Arabic too


def test_source_page_keeps_the_whole_history(login, team, wire):
    response = login(team["annotator"]).get(reverse("sources:detail", args=[team.slug, wire.pk]))
    html = response.content.decode()
    assert html.index("Twelve of fourteen") < html.index("New to our desk")  # newest first
    assert "The Northern Ledger" in html  # an outlet citing it
    assert "Add an assessment" not in html  # annotators read only


def test_reviewers_add_assessments_and_nothing_is_overwritten(login, team, wire):
    client = login(team["reviewer"])
    url = reverse("sources:assess", args=[team.slug, wire.pk])
    client.post(url, {"grade": "C", "rationale": "Two corrections this month."})
    grades = list(wire.assessments.values_list("grade", flat=True))
    assert grades == ["C", "B", "C"]
    assert Source.objects.with_current_grade().get(pk=wire.pk).current_grade == "C"
    client.post(url, {"grade": "A", "rationale": "   "})
    assert wire.assessments.count() == 3  # a grade needs a rationale


def test_annotators_cannot_assess_or_merge(login, team, wire, outsider):
    annotator = login(team["annotator"])
    data = {"grade": "A", "rationale": "I like them"}
    assert (
        annotator.post(reverse("sources:assess", args=[team.slug, wire.pk]), data).status_code
        == 403
    )
    assert (
        annotator.post(
            reverse("sources:merge", args=[team.slug, wire.pk]), {"merge": 1}
        ).status_code
        == 403
    )
    assert (
        login(outsider).get(reverse("sources:detail", args=[team.slug, wire.pk])).status_code == 404
    )


def test_merge_moves_articles_citations_and_history(login, team, wire):
    duplicate = Source.objects.create(
        project=team.project, name="Meridian", aliases=["ميريديان نيوز"]
    )
    ReliabilityAssessment.objects.create(
        source=duplicate,
        grade="D",
        rationale="Graded before we knew it was the same wire.",
        assessed_by=team["reviewer"],
        assessed_at="2024-01-01T00:00Z",
    )
    ledger_attribution = Annotation.objects.get(quote="Meridian Wire reported")
    Annotation.objects.filter(pk=ledger_attribution.pk).update(cited_source=duplicate)
    article = Article.objects.get(project=team.project, outlet__name="Rased Network")
    Article.objects.filter(pk=article.pk).update(outlet=duplicate)

    owner = login(team["owner"])
    url = reverse("sources:merge", args=[team.slug, wire.pk])
    preview = owner.post(url, {"merge": duplicate.pk})  # what would move, before anything does
    assert preview.status_code == 200
    assert Source.objects.filter(pk=duplicate.pk).exists()
    text = " ".join(preview.content.decode().split())
    assert "<strong>1</strong> article it published" in text
    assert "<strong>1</strong> attribution citing it" in text
    response = owner.post(url, {"merge": duplicate.pk, "confirm": "1"})
    assert response.status_code == 302
    assert not Source.objects.filter(pk=duplicate.pk).exists()
    wire.refresh_from_db()
    assert {"Meridian", "ميريديان نيوز"} <= set(wire.aliases)
    assert Article.objects.get(pk=article.pk).outlet == wire
    assert Annotation.objects.get(pk=ledger_attribution.pk).cited_source == wire
    assert wire.assessments.filter(grade="D").exists()  # history kept, not dropped
    merge = SourceMerge.objects.get(into=wire)
    assert (
        merge.merged_name,
        merge.articles_moved,
        merge.citations_moved,
        merge.assessments_moved,
    ) == ("Meridian", 1, 1, 1)
    moved = pghistory.models.Events.objects.tracks(ledger_attribution).order_by("pgh_id").last()
    assert moved.pgh_diff["cited_source_id"] == [duplicate.pk, wire.pk]
    assert moved.pgh_context["user"] == team["owner"].pk


def test_sources_api(login, team, wire, client):

    key = api_token_create(user=team["reviewer"], name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listing = client.get(f"/api/projects/{team.slug}/sources/", **auth).json()
    assert next(s for s in listing if s["name"] == "Meridian Wire")["current_grade"] == "B"
    detail = client.get(f"/api/projects/{team.slug}/sources/{wire.pk}/", **auth).json()
    assert [a["grade"] for a in detail["assessments"]] == ["B", "C"]
    created = client.post(
        f"/api/projects/{team.slug}/sources/{wire.pk}/assessments/",
        {"grade": "A", "rationale": "Confirmed again"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    annotator_key = api_token_create(user=team["annotator"], name="t")[1]
    forbidden = client.post(
        f"/api/projects/{team.slug}/sources/{wire.pk}/assessments/",
        {"grade": "A", "rationale": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {annotator_key}",
    )
    assert forbidden.status_code == 403
