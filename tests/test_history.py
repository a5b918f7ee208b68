"""Every create, change and delete of an annotation, link or assessment is in the history,
with who did it and the values before and after, even when written with queryset.update()."""

import pghistory.models
import pytest

from annotator.annotations.models import Annotation, Link
from annotator.annotations.services import annotation_create, annotation_delete, annotation_update
from annotator.articles.models import Article
from annotator.sources.models import ReliabilityAssessment


def events_for(obj):
    return list(pghistory.models.Events.objects.tracks(obj).order_by("pgh_created_at", "pgh_id"))


@pytest.fixture
def wire(demo):
    return Article.objects.get(project=demo, outlet__name="Meridian Wire")


def test_create_update_delete_are_recorded_with_user_and_diff(wire, demo_users):
    annotator = demo_users["annotator"]
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
        annotation=annotation, version=1, user=demo_users["reviewer"], note="Seen by a resident"
    )
    annotation_delete(annotation=annotation, user=annotator)

    labels = [e.pgh_label for e in events_for(annotation)]
    assert labels == ["insert", "update", "delete"]
    update = events_for(annotation)[1]
    assert update.pgh_diff["note"] == ["", "Seen by a resident"]
    assert update.pgh_diff["version"] == [1, 2]
    assert update.pgh_context["user"] == demo_users["reviewer"].pk
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_queryset_update_cannot_bypass_history(demo):
    annotation = Annotation.objects.filter(article__project=demo).first()
    Annotation.objects.filter(pk=annotation.pk).update(note="changed behind the service's back")
    last = events_for(annotation)[-1]
    assert last.pgh_label == "update"
    assert last.pgh_diff["note"] == ["", "changed behind the service's back"]


def test_deleting_a_span_records_the_links_that_go_with_it(demo, demo_users):
    claim = Annotation.objects.get(quote__startswith="Foreign troops withdrew")
    link = Link.objects.get(to_annotation=claim)
    annotation_delete(annotation=claim, user=demo_users["annotator"])
    assert not Link.objects.filter(pk=link.pk).exists()
    assert [e.pgh_label for e in events_for(link)] == ["insert", "delete"]


def test_assessment_history(demo, demo_users):
    assessment = ReliabilityAssessment.objects.filter(source__project=demo).first()
    ReliabilityAssessment.objects.filter(pk=assessment.pk).update(rationale="Edited")
    ReliabilityAssessment.objects.filter(pk=assessment.pk).delete()
    assert [e.pgh_label for e in events_for(assessment)] == ["insert", "update", "delete"]
