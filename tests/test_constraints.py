"""The database itself refuses bad data, whatever code path writes it."""

import hashlib

import factories
import pytest
from django.db import IntegrityError, transaction

from annotator.annotations.kinds import ATTRIBUTES, ATTRIBUTION
from annotator.annotations.models import Annotation, Link
from annotator.articles.models import Article
from annotator.projects.models import Membership, Project, Role
from annotator.sources.models import ReliabilityAssessment

WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire."
)
LEDGER = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, "
    "Meridian Wire reported, citing local officials."
)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def article(team):
    """A wire report, annotated: the officials' attribution is linked to the claim."""
    outlet = factories.source(team.project, "Meridian Wire")
    wire = factories.article(team.project, WIRE, outlet=outlet)
    claim = factories.span(wire, "Foreign troops withdrew from the Tal Safra base on Tuesday")
    said = factories.span(wire, "two local officials told Meridian Wire", kind=ATTRIBUTION)
    factories.link(said, claim)
    return wire


@pytest.fixture
def ledger(team):
    """Another outlet's article with a claim of its own."""
    outlet = factories.source(team.project, "The Northern Ledger")
    ledger = factories.article(team.project, LEDGER, outlet=outlet)
    factories.span(
        ledger, "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal"
    )
    return ledger


def raw_annotation(article, **overrides):
    values = {"article": article, "kind": "claim", "start": 0, "end": 6, "quote": article.text[:6]}
    values.update(overrides)
    return Annotation(**values)


@pytest.mark.parametrize(
    "overrides",
    [
        {"start": 6, "end": 6, "quote": ""},  # empty span
        {"start": 6, "end": 2, "quote": ""},  # start after end
        {"start": -1, "end": 5},  # negative start
        {"kind": "rumour"},  # unknown kind
        {"status": "maybe"},  # unknown status
        {"end": 7},  # quote shorter than the span
        {"credibility": 7},  # outside the Admiralty 1-6 scale
        {"kind": "hedge", "credibility": 2},  # claim field on a hedge
        {"kind": "claim", "hedge_type": "hearsay"},  # hedge field on a claim
    ],
)
def test_bad_annotation_rows_raise_integrity_error(article, overrides):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_annotation(article, **overrides).save()


def test_duplicate_text_in_one_project_is_refused(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(
            project=article.project,
            title="Copy",
            text=article.text,
            text_sha256=article.text_sha256,
        )


def test_same_text_in_another_project_is_allowed(article, outsider):
    other = outsider.memberships.get().project
    Article.objects.create(
        project=other, title="Copy", text=article.text, text_sha256=article.text_sha256
    )


@pytest.mark.parametrize("text", ["line\r\nbreak", "cafe\u0301", "   \n "])
def test_text_must_be_nfc_with_newlines_and_not_blank(team, text):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(project=team.project, title="Bad", text=text, text_sha256=sha(text))


def test_annotated_text_cannot_change(article):
    article.text = article.text + " More."
    with pytest.raises(IntegrityError), transaction.atomic():
        article.save()


def test_links_must_join_one_article_and_fitting_kinds(article, ledger):
    wire_attribution = Annotation.objects.get(quote="two local officials told Meridian Wire")
    wire_claim = Annotation.objects.get(quote__startswith="Foreign troops withdrew")
    ledger_claim = Annotation.objects.get(quote__startswith="Foreign forces have reportedly")
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(
            from_annotation=wire_attribution, to_annotation=ledger_claim, kind=ATTRIBUTES
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Link.objects.create(
            from_annotation=wire_claim, to_annotation=wire_attribution, kind=ATTRIBUTES
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # already linked: unique pair
        Link.objects.create(
            from_annotation=wire_attribution, to_annotation=wire_claim, kind=ATTRIBUTES
        )


def test_assessment_needs_a_rationale_and_a_valid_grade(team):
    source = factories.source(team.project, "Meridian Wire")
    for grade, rationale in [("B", "  "), ("G", "why")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ReliabilityAssessment.objects.create(
                source=source,
                grade=grade,
                rationale=rationale,
                assessed_by=team["reviewer"],
                assessed_at="2025-01-01T00:00Z",
            )


@pytest.mark.django_db(transaction=True)
def test_a_project_keeps_an_owner_whatever_writes_to_its_memberships():
    """The members page refuses it first; the database refuses it too, at commit, so that
    deleting the whole project (its memberships go first) still works."""
    team_project = factories.project("Kept", owner=factories.user())
    owners = Membership.objects.filter(project=team_project, role=Role.OWNER)
    assert owners.exists()
    with pytest.raises(IntegrityError, match="keeps at least one owner"), transaction.atomic():
        owners.update(role=Role.REVIEWER)
    with pytest.raises(IntegrityError, match="keeps at least one owner"), transaction.atomic():
        owners.delete()
    assert owners.exists()
    with transaction.atomic():
        Project.objects.filter(pk=team_project.pk).delete()
    assert not Membership.objects.filter(project_id=team_project.pk).exists()
