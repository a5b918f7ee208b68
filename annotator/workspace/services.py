"""The workspace's one compound write: the detail panel's Save."""

from django.db import transaction

from annotator.annotations.kinds import KINDS
from annotator.annotations.models import Annotation
from annotator.annotations.services import annotation_edit
from annotator.events.services import event_get_or_create
from annotator.sources.models import Source, SourceKind
from annotator.sources.services import source_alias_add, source_get_or_create


def annotation_panel_save(
    *,
    annotation: Annotation,
    user,
    version: int,
    changes: dict,
    new_event_title: str = "",
    new_source_name: str = "",
    new_source_force: bool = False,
    alias_for: Source | None = None,
    alias: str = "",
) -> Annotation:
    """Save the panel: the annotation's new values (annotation_edit and its rules) and,
    when typed into the panel, a new event for a claim, or for an attribution a new cited
    source (SourceLooksLike if it looks like an existing one, unless new_source_force) or
    `alias` added to the existing source `alias_for`, which becomes the cited source. One
    transaction: when the save is refused (someone saved meanwhile, a wrong span, no right to
    edit), no event or source is created or changed either."""
    fields = KINDS[changes["kind"]].fields if changes.get("kind") in KINDS else ()
    project = annotation.article.project
    with transaction.atomic():
        if new_event_title and "event" in fields:
            changes["event"] = event_get_or_create(project=project, title=new_event_title)
        if alias_for is not None and "cited_source" in fields:
            changes["cited_source"] = source_alias_add(source=alias_for, alias=alias, user=user)
        elif new_source_name and "cited_source" in fields:
            changes["cited_source"] = source_get_or_create(
                project=project,
                name=new_source_name,
                kind=SourceKind.OUTLET,
                ask=True,
                force=new_source_force,
            )
        return annotation_edit(annotation=annotation, user=user, version=version, **changes)
