"""Reads of an annotation's history (recorded by pghistory's triggers)."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model

from annotator.annotations.models import AnnotationEvent

WHAT = {"insert": "created", "update": "changed", "delete": "deleted"}


@dataclass(frozen=True)
class HistoryEntry:
    what: str  # created, changed, deleted
    when: datetime
    who: str | None  # None: the app itself (suggesters, imports by the system)


def annotation_history(annotation, limit: int = 10, viewer=None) -> list[HistoryEntry]:
    """Who created and changed the annotation and when, newest first. Two queries, one
    when every change is the `viewer`'s own (the usual case just after they saved)."""
    events = list(
        AnnotationEvent.objects.filter(pgh_obj_id=annotation.pk)
        .select_related("pgh_context")
        .order_by("-pgh_id")[:limit]
    )

    def user_of(event):
        return (event.pgh_context.metadata or {}).get("user") if event.pgh_context_id else None

    user_ids = {user_of(e) for e in events} - {None}
    names = {viewer.pk: viewer.get_username()} if viewer is not None else {}
    if user_ids - names.keys():
        users = get_user_model().objects.filter(pk__in=user_ids - names.keys())
        names |= dict(users.values_list("pk", "username"))
    return [
        HistoryEntry(WHAT.get(e.pgh_label, e.pgh_label), e.pgh_created_at, names.get(user_of(e)))
        for e in events
    ]
