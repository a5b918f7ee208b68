"""Writes of annotations and links. The only code that writes spans.

Every function is keyword-only, runs in one transaction and records the acting
user in the history (pghistory context), also outside a web request.
"""

import pghistory
from django.db import transaction
from django.db.models import Q

from annotator.annotations.models import LINK_ENDS, Annotation, Kind, Link, LinkKind, Status
from annotator.annotations.offsets import span_context, span_problem
from annotator.articles.models import Article, ArticleStatus
from annotator.events.models import ClaimRelation

# Fields that only one kind of annotation may carry, and their empty values.
KIND_FIELDS = {
    Kind.CLAIM: {"event": None, "claimed_at": None, "claimed_precision": "", "credibility": None},
    Kind.ATTRIBUTION: {"cited_source": None},
    Kind.HEDGE: {"hedge_type": ""},
}
ALL_KIND_FIELDS = {field for fields in KIND_FIELDS.values() for field in fields}
# Who suggested a span (annotator.suggestions); allowed on every kind.
SUGGESTION_FIELDS = ("suggested_by", "suggestion_rule", "confidence")
SPAN_FIELDS = ("start", "end", "quote")


class SpanError(ValueError):
    """The span does not fit the article text; the message says why, for the user."""


class AnnotationConflict(Exception):
    """Someone saved the annotation since the caller read it."""

    def __init__(self, current: Annotation):
        super().__init__("This annotation was changed by someone else since you opened it.")
        self.current = current


def _history(user):
    return pghistory.context(user=user.pk if user else None)


def _check_span(article: Article, start: int, end: int, quote: str) -> None:
    problem = span_problem(article.text, start, end, quote)
    if problem:
        raise SpanError(problem)


def _check_kind_fields(kind: str, fields: dict) -> None:
    if kind not in KIND_FIELDS:
        raise SpanError(f"Unknown annotation kind {kind!r}.")
    foreign = set(fields) - set(KIND_FIELDS[kind]) - {"note", "status", *SUGGESTION_FIELDS}
    if foreign:
        raise SpanError(f"A {kind} cannot have {', '.join(sorted(foreign))}.")


def annotation_create(
    *,
    article: Article,
    kind: str,
    start: int,
    end: int,
    quote: str,
    created_by,
    status: str = Status.DRAFT,
    **fields,
) -> Annotation:
    _check_span(article, start, end, quote)
    _check_kind_fields(kind, fields)
    prefix, suffix = span_context(article.text, start, end)
    with transaction.atomic(), _history(created_by):
        annotation = Annotation.objects.create(
            article=article,
            kind=kind,
            start=start,
            end=end,
            quote=quote,
            prefix=prefix,
            suffix=suffix,
            status=status,
            created_by=created_by,
            **fields,
        )
        # The first span starts the work; new work on a reviewed article sends it back to
        # the review queue. (Checked here first: most saves change no status.)
        moves = {ArticleStatus.NEW: ArticleStatus.IN_PROGRESS}
        if status == Status.DRAFT:
            moves[ArticleStatus.REVIEWED] = ArticleStatus.READY
        if article.status in moves:
            Article.objects.filter(pk=article.pk, status=article.status).update(
                status=moves[article.status]
            )
    return annotation


def annotation_update(*, annotation: Annotation, version: int, user, **changes) -> Annotation:
    """Apply `changes` if nobody saved since `version`; raise AnnotationConflict otherwise.

    Changing the kind clears the fields of the old kind and drops links the new
    kind cannot have; changing start/end/quote re-checks the span.
    """
    with transaction.atomic(), _history(user):
        current = (
            Annotation.objects.select_for_update().select_related("article").get(pk=annotation.pk)
        )
        if current.version != version:
            raise AnnotationConflict(current)
        kind = changes.pop("kind", current.kind)
        if any(field in changes for field in SPAN_FIELDS):
            span = {field: changes.get(field, getattr(current, field)) for field in SPAN_FIELDS}
            _check_span(current.article, **span)
            changes["prefix"], changes["suffix"] = span_context(
                current.article.text, span["start"], span["end"]
            )
        _check_kind_fields(kind, {k: v for k, v in changes.items() if k in ALL_KIND_FIELDS})
        if kind != current.kind:
            for field, empty in KIND_FIELDS[current.kind].items():
                setattr(current, field, empty)
            current.kind = kind
            _drop_links_not_fitting(current)
        if (
            "event" in changes
            and _event_id(changes["event"]) != current.event_id
            or (current.kind != Kind.CLAIM)
        ):
            # Same / contradicts relations hold only between claims of one event.
            ClaimRelation.objects.filter(Q(claim_a=current) | Q(claim_b=current)).delete()
        for field, value in changes.items():
            setattr(current, field, value)
        current.version += 1
        current.save()
    return current


def annotation_delete(*, annotation: Annotation, user) -> dict:
    """Delete a span and, with it, every link to or from it (all recorded in the history).

    Returns a JSON-able snapshot that annotation_restore() turns back into the span
    and its links (Undo).
    """
    with transaction.atomic(), _history(user):
        current = Annotation.objects.select_for_update().filter(pk=annotation.pk).first()
        if current is None:
            return {}
        snapshot = {
            "annotation": {
                field.attname: _jsonable(getattr(current, field.attname))
                for field in Annotation._meta.concrete_fields
                if field.attname not in ("id", "created_at", "updated_at", "version")
            },
            "links_out": list(
                Link.objects.filter(from_annotation=current).values("to_annotation", "kind")
            ),
            "links_in": list(
                Link.objects.filter(to_annotation=current).values("from_annotation", "kind")
            ),
        }
        current.delete()
    return snapshot


def annotation_restore(*, snapshot: dict, user) -> Annotation:
    """Undo a delete: the span comes back (as a new row) with the links whose other end
    still exists. The span is re-checked against the article text."""
    fields = dict(snapshot["annotation"])
    article = Article.objects.get(pk=fields.pop("article_id"))
    _check_span(article, fields["start"], fields["end"], fields["quote"])
    with transaction.atomic(), _history(user):
        restored = Annotation.objects.create(article=article, **fields)
        alive = set(Annotation.objects.filter(article=article).values_list("pk", flat=True))
        Link.objects.bulk_create(
            [
                Link(
                    from_annotation=restored,
                    to_annotation_id=link["to_annotation"],
                    kind=link["kind"],
                    created_by=user,
                )
                for link in snapshot["links_out"]
                if link["to_annotation"] in alive
            ]
            + [
                Link(
                    from_annotation_id=link["from_annotation"],
                    to_annotation=restored,
                    kind=link["kind"],
                    created_by=user,
                )
                for link in snapshot["links_in"]
                if link["from_annotation"] in alive
            ],
            ignore_conflicts=True,
        )
    return restored


def link_create(
    *, from_annotation: Annotation, to_annotation: Annotation, kind: str, created_by
) -> Link:
    expected = LINK_ENDS.get(kind)
    if expected is None:
        raise SpanError(f"Unknown link kind {kind!r}.")
    if (from_annotation.kind, to_annotation.kind) != expected:
        raise SpanError(
            f"“{LinkKind(kind).label}” joins a {expected[0]} to a {expected[1]}, "
            f"not a {from_annotation.kind} to a {to_annotation.kind}."
        )
    if from_annotation.article_id != to_annotation.article_id:
        raise SpanError("Linked annotations must be in the same article.")
    with transaction.atomic(), _history(created_by):
        link, _ = Link.objects.get_or_create(
            from_annotation=from_annotation,
            to_annotation=to_annotation,
            defaults={"kind": kind, "created_by": created_by},
        )
    return link


def link_delete(*, link: Link, user) -> None:
    with transaction.atomic(), _history(user):
        Link.objects.filter(pk=link.pk).delete()


def _event_id(event):
    return getattr(event, "pk", event)


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _drop_links_not_fitting(annotation: Annotation) -> None:
    for link in Link.objects.filter(from_annotation=annotation) | Link.objects.filter(
        to_annotation=annotation
    ):
        ends = LINK_ENDS[link.kind]
        from_kind = annotation.kind if link.from_annotation_id == annotation.pk else None
        to_kind = annotation.kind if link.to_annotation_id == annotation.pk else None
        if (from_kind and from_kind != ends[0]) or (to_kind and to_kind != ends[1]):
            link.delete()
