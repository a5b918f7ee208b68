"""Reads for the workspace, in a fixed number of queries whatever the article's size."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Q

from annotator.annotations.models import Annotation, AnnotationEvent, Link, Status
from annotator.suggestions.models import DateSuggestion


def workspace_data(article, only_user=None) -> dict:
    """All annotations of an article in text order (or only `only_user`'s and the open
    suggestions), their links indexed both ways, and the suggested claim times."""
    annotations = Annotation.objects.filter(article=article)
    if only_user is not None:
        annotations = annotations.filter(Q(created_by=only_user) | Q(status=Status.SUGGESTED))
    annotations = list(
        annotations.select_related("created_by", "cited_source", "event").order_by(
            "start", "-end", "pk"
        )
    )
    by_id = {a.pk: a for a in annotations}
    links_out, links_in = defaultdict(list), defaultdict(list)
    for link in Link.objects.filter(from_annotation__article=article).order_by("pk"):
        link.source, link.target = (
            by_id.get(link.from_annotation_id),
            by_id.get(link.to_annotation_id),
        )
        links_out[link.from_annotation_id].append(link)
        links_in[link.to_annotation_id].append(link)
    by_kind = defaultdict(list)
    for annotation in annotations:
        by_kind[annotation.kind].append(annotation)
    dates_of = defaultdict(list)
    for date in DateSuggestion.objects.filter(article=article).order_by("start"):
        dates_of[date.claim_id].append(date)
    pending = defaultdict(int)
    for annotation in annotations:
        if annotation.status == Status.SUGGESTED:
            pending[annotation.kind] += 1
    if dates_of:
        pending["date"] = sum(len(dates) for dates in dates_of.values())
    return {
        "annotations": annotations,
        "pending_suggestions": dict(pending),
        "date_suggestions": dict(dates_of),
        "by_id": by_id,
        "by_kind": dict(by_kind),
        "links_out": dict(links_out),
        "links_in": dict(links_in),
    }


def annotation_history(annotation) -> list[dict]:
    """Who created and changed the annotation and when, newest first (from pghistory)."""
    events = list(
        AnnotationEvent.objects.filter(pgh_obj_id=annotation.pk)
        .select_related("pgh_context")
        .order_by("-pgh_id")[:10]
    )
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id} - {
        None
    }
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    return [
        {
            "what": {"insert": "created", "update": "changed", "delete": "deleted"}.get(
                e.pgh_label, e.pgh_label
            ),
            "when": e.pgh_created_at,
            "who": names.get((e.pgh_context.metadata or {}).get("user"))
            if e.pgh_context_id
            else None,
        }
        for e in events
    ]
