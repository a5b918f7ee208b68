"""Every create, change and delete of an annotation, link or assessment is in the history,
with who did it and the values before and after, even when written with queryset.update()."""

import factories
import pghistory.models
import pytest

from annotator.annotations.kinds import ATTRIBUTION
from annotator.annotations.models import Annotation, Link
from annotator.annotations.services import annotation_create, annotation_delete, annotation_update
from annotator.sources.models import ReliabilityAssessment

WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "A convoy of trucks was seen leaving the base at dawn, a resident said."
)


def events_for(obj):
    return list(pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))


@pytest.fixture
def wire(team):
    outlet = factories.source(team.project, "Meridian Wire")
    return factories.article(team.project, WIRE, outlet=outlet)


@pytest.fixture
def withdrawal(team, wire):
    """The annotator's claim that troops withdrew, attributed to two local officials."""
    by = team["annotator"]
    claim = factories.span(
        wire, "Foreign troops withdrew from the Tal Safra base on Tuesday", by=by
    )
    said = factories.span(wire, "two local officials told Meridian Wire", kind=ATTRIBUTION, by=by)
    factories.link(said, claim, by=by)
    return claim


def test_create_update_delete_are_recorded_with_user_and_diff(wire, team):
    annotator = team["annotator"]
    quote = "A convoy of trucks was seen leaving the base at dawn"
    start = wire.text.index(quote)
    annotation = annotation_create(
        article=wire,
        kind="claim",
        start=start,
        end=start + len(quote),
        quote=quote,
        created_by=annotator,
    )
    annotation = annotation_update(
        annotation=annotation, version=1, user=team["reviewer"], note="Seen by a resident"
    )
    annotation_delete(annotation=annotation, user=annotator)

    labels = [e.pgh_label for e in events_for(annotation)]
    assert labels == ["insert", "update", "delete"]
    update = events_for(annotation)[1]
    assert update.pgh_diff["note"] == ["", "Seen by a resident"]
    assert update.pgh_diff["version"] == [1, 2]
    assert update.pgh_context["user"] == team["reviewer"].pk
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_queryset_update_cannot_bypass_history(team, withdrawal):
    annotation = Annotation.objects.filter(article__project=team.project).first()
    Annotation.objects.filter(pk=annotation.pk).update(note="changed behind the service's back")
    last = events_for(annotation)[-1]
    assert last.pgh_label == "update"
    assert last.pgh_diff["note"] == ["", "changed behind the service's back"]


def test_deleting_a_span_records_the_links_that_go_with_it(team, withdrawal):
    claim = Annotation.objects.get(quote__startswith="Foreign troops withdrew")
    link = Link.objects.get(to_annotation=claim)
    annotation_delete(annotation=claim, user=team["annotator"])
    assert not Link.objects.filter(pk=link.pk).exists()
    assert [e.pgh_label for e in events_for(link)] == ["insert", "delete"]


def test_assessment_history(team):
    factories.source(team.project, "Meridian Wire", grade="B", graded_by=team["reviewer"])
    assessment = ReliabilityAssessment.objects.filter(source__project=team.project).first()
    ReliabilityAssessment.objects.filter(pk=assessment.pk).update(rationale="Edited")
    ReliabilityAssessment.objects.filter(pk=assessment.pk).delete()
    assert [e.pgh_label for e in events_for(assessment)] == ["insert", "update", "delete"]
