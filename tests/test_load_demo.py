from django.core.management import call_command

from annotator.annotations.models import Annotation, Link
from annotator.articles.models import Article
from annotator.projects.models import Project
from annotator.sources.models import ReliabilityAssessment, Source


def counts():
    return [
        m.objects.count()
        for m in (Project, Article, Source, ReliabilityAssessment, Annotation, Link)
    ]


def test_load_demo_is_idempotent(db, capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert "already present" in capsys.readouterr().out


def test_demo_has_what_the_issue_promises(demo):
    articles = Article.objects.filter(project=demo)
    assert articles.count() >= 4
    assert {"en", "ar"} <= set(articles.values_list("language", flat=True))
    assert set(demo.memberships.values_list("role", flat=True)) == {
        "owner",
        "reviewer",
        "annotator",
    }
    assert Source.objects.filter(project=demo, assessments__isnull=False).distinct().count() >= 3
    assert demo.events.count() == 1
    for annotation in Annotation.objects.filter(article__project=demo).select_related("article"):
        assert annotation.article.text[annotation.start : annotation.end] == annotation.quote
    # One outlet cites another: the Northern Ledger attributes to Meridian Wire.
    assert Annotation.objects.filter(
        article__outlet__name="The Northern Ledger", cited_source__name="Meridian Wire"
    ).exists()


def test_full_demo_has_a_reviewed_article_and_suggestions(db):
    call_command("load_demo", "--full")
    statuses = set(Annotation.objects.values_list("status", flat=True))
    assert {"approved", "rejected", "suggested", "draft"} <= statuses
    assert Article.objects.filter(status="reviewed").count() == 1
    rejected = Annotation.objects.get(status="rejected")
    assert rejected.review_comment
