"""The workspace's one compound write: the detail panel's Save."""

from django.db import transaction

from annotator.annotations.kinds import KINDS
from annotator.annotations.models import Annotation
from annotator.annotations.services import annotation_edit
from annotator.events.services import event_get_or_create
from annotator.sources.models import SourceKind
from annotator.sources.services import source_get_or_create


def annotation_panel_save(
    *,
    annotation: Annotation,
    user,
    version: int,
    changes: dict,
    new_event_title: str = "",
    new_source_name: str = "",
) -> Annotation:
    """Save the panel: the annotation's new values (annotation_edit and its rules) and,
    when typed into the panel, a new event for a claim or a new cited source for an
    attribution. One transaction: when the save is refused (someone saved meanwhile, a
    wrong span, no right to edit), no event or source is created either."""
    fields = KINDS[changes["kind"]].fields if changes.get("kind") in KINDS else ()
    project = annotation.article.project
    with transaction.atomic():
        if new_event_title and "event" in fields:
            changes["event"] = event_get_or_create(project=project, title=new_event_title)
        if new_source_name and "cited_source" in fields:
            changes["cited_source"] = source_get_or_create(
                project=project, name=new_source_name, kind=SourceKind.OUTLET
            )
        return annotation_edit(annotation=annotation, user=user, version=version, **changes)
