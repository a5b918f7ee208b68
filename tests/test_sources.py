"""The source registry: grades with history, who may assess, and merging duplicates."""

import pghistory.models
import pytest
from django.urls import reverse

from annotator.accounts.services import api_token_create
from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.sources.models import ReliabilityAssessment, Source, SourceMerge


@pytest.fixture
def wire(demo):
    return Source.objects.get(project=demo, name="Meridian Wire")


def test_source_list_shows_grades_counts_and_meaning(
    login, demo_users, demo, django_assert_max_num_queries
):
    client = login(demo_users["annotator"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("sources:list", args=["demo"]))
    html = response.content.decode()
    assert 'title="B: usually reliable">B</abbr>' in html  # Meridian Wire's newest grade
    row = next(s for s in response.context["sources"] if s.name == "Meridian Wire")
    assert (row.article_count, row.citation_count, row.current_grade_by) == (1, 2, "reviewer")
    assert "شبكة راصد" in html  # other names, Arabic too


def test_source_page_keeps_the_whole_history(login, demo_users, wire):
    response = login(demo_users["annotator"]).get(reverse("sources:detail", args=["demo", wire.pk]))
    html = response.content.decode()
    assert html.index("Twelve of fourteen") < html.index("New to our desk")  # newest first
    assert "The Northern Ledger" in html  # an outlet citing it
    assert "Add an assessment" not in html  # annotators read only


def test_reviewers_add_assessments_and_nothing_is_overwritten(login, demo_users, wire):
    client = login(demo_users["reviewer"])
    url = reverse("sources:assess", args=["demo", wire.pk])
    client.post(url, {"grade": "C", "rationale": "Two corrections this month."})
    grades = list(wire.assessments.values_list("grade", flat=True))
    assert grades == ["C", "B", "C"]
    assert Source.objects.with_current_grade().get(pk=wire.pk).current_grade == "C"
    client.post(url, {"grade": "A", "rationale": "   "})
    assert wire.assessments.count() == 3  # a grade needs a rationale


def test_annotators_cannot_assess_or_merge(login, demo_users, wire, outsider):
    annotator = login(demo_users["annotator"])
    data = {"grade": "A", "rationale": "I like them"}
    assert (
        annotator.post(reverse("sources:assess", args=["demo", wire.pk]), data).status_code == 403
    )
    assert (
        annotator.post(reverse("sources:merge", args=["demo", wire.pk]), {"merge": 1}).status_code
        == 403
    )
    assert login(outsider).get(reverse("sources:detail", args=["demo", wire.pk])).status_code == 404


def test_merge_moves_articles_citations_and_history(login, demo_users, demo, wire):
    duplicate = Source.objects.create(project=demo, name="Meridian", other_names=["ميريديان نيوز"])
    ReliabilityAssessment.objects.create(
        source=duplicate,
        grade="D",
        rationale="Graded before we knew it was the same wire.",
        assessed_by=demo_users["reviewer"],
        assessed_at="2024-01-01T00:00Z",
    )
    ledger_attribution = Annotation.objects.get(quote="Meridian Wire reported")
    Annotation.objects.filter(pk=ledger_attribution.pk).update(cited_source=duplicate)
    article = Article.objects.get(project=demo, outlet__name="Rased Network")
    Article.objects.filter(pk=article.pk).update(outlet=duplicate)

    response = login(demo_users["owner"]).post(
        reverse("sources:merge", args=["demo", wire.pk]), {"merge": duplicate.pk}
    )
    assert response.status_code == 302
    assert not Source.objects.filter(pk=duplicate.pk).exists()
    wire.refresh_from_db()
    assert {"Meridian", "ميريديان نيوز"} <= set(wire.other_names)
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
    assert moved.pgh_context["user"] == demo_users["owner"].pk


def test_sources_api(login, demo_users, wire, client):

    key = api_token_create(user=demo_users["reviewer"], name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listing = client.get("/api/projects/demo/sources/", **auth).json()
    assert next(s for s in listing if s["name"] == "Meridian Wire")["current_grade"] == "B"
    detail = client.get(f"/api/projects/demo/sources/{wire.pk}/", **auth).json()
    assert [a["grade"] for a in detail["assessments"]] == ["B", "C"]
    created = client.post(
        f"/api/projects/demo/sources/{wire.pk}/assessments/",
        {"grade": "A", "rationale": "Confirmed again"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    annotator_key = api_token_create(user=demo_users["annotator"], name="t")[1]
    forbidden = client.post(
        f"/api/projects/demo/sources/{wire.pk}/assessments/",
        {"grade": "A", "rationale": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {annotator_key}",
    )
    assert forbidden.status_code == 403
