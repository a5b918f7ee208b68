"""JSON API for articles' annotations and links. Same services and access rules as the
workspace pages; offsets are Unicode code points into the article's stored text."""

from datetime import datetime
from functools import cache

import orjson
from django.db import DEFAULT_DB_ALIAS, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from annotator.annotations import services
from annotator.annotations.access import annotation_for_member, article_for_member
from annotator.annotations.kinds import KINDS, LINKS
from annotator.annotations.models import Annotation, Link
from annotator.api_input import Input
from annotator.projects.access import membership_or_404

router = Router(tags=["annotations"])

MAX_OFFSET = 10**9  # list offsets past this are refused (422), not sent to the database
CODE_POINTS = "Unicode code point offset into the article's stored text (NFC, \\n line ends)"


class Error(Schema):
    detail: str


class SpanFields(Schema):
    """What every answer tells of a span."""

    id: int
    kind: str
    start: int = Field(description=CODE_POINTS)
    end: int = Field(description=CODE_POINTS + "; exclusive")
    quote: str = Field(description="Exactly text[start:end]")
    status: str
    note: str
    version: int = Field(description="Send it back when updating (optimistic locking)")
    event_id: int | None
    claimed_at: datetime | None
    claimed_precision: str
    credibility: int | None
    cited_source_id: int | None
    hedge_type: str


class AnnotationOut(SpanFields):
    article_id: int
    prefix: str
    suffix: str
    created_by: str | None = Field(None, alias="created_by.username")
    created_at: datetime
    updated_at: datetime


class Conflict(Schema):
    detail: str
    current: AnnotationOut


class LinkOut(Schema):
    id: int
    from_id: int = Field(alias="from_annotation_id")
    to_id: int = Field(alias="to_annotation_id")
    kind: str


class ArticleSummary(Schema):
    id: int
    title: str
    outlet: str | None = Field(None, alias="outlet.name")
    url: str
    language: str
    published_at: datetime | None
    status: str


class ArticleListItem(ArticleSummary):
    annotations: dict[str, int] = Field(
        alias="counts", description="People's annotations that stand (draft, approved), per kind"
    )
    open_suggestions: int = Field(alias="suggested", description="Suggestions nobody decided yet")


WITH_CONTEXT = "Sent with ?context=1 only"


class ArticleAnnotation(SpanFields):
    """A span as the article detail sends it: what a client shows and edits; the fields
    for re-anchoring and auditing come with ?context=1 (they were half the bytes)."""

    created_by: str | None
    article_id: int = Field(None, description=WITH_CONTEXT)
    prefix: str = Field(None, description="Up to 32 characters before the quote. " + WITH_CONTEXT)
    suffix: str = Field(None, description="Up to 32 characters after the quote. " + WITH_CONTEXT)
    created_at: datetime = Field(None, description=WITH_CONTEXT)
    updated_at: datetime = Field(None, description=WITH_CONTEXT)


class ArticleOut(ArticleSummary):
    text: str = Field(description="The stored text that offsets index (code points)")
    text_sha256: str
    annotations: list[ArticleAnnotation]
    links: list[LinkOut]


# The article detail's columns, read as tuples and sent by orjson: no model instances and
# no per-object validation (on 500 spans, a tenth of the time); names as in ArticleAnnotation.
SPAN_COLUMNS = {
    name: name
    for name in (
        *("id", "kind", "start", "end", "quote", "status", "note", "version", "created_by"),
        *("event_id", "claimed_at", "claimed_precision", "credibility", "cited_source_id"),
        "hedge_type",
    )
} | {"created_by": "created_by__username"}
CONTEXT_COLUMNS = {
    name: name for name in ("article_id", "prefix", "suffix", "created_at", "updated_at")
}
LINK_COLUMNS = {
    "id": "id",
    "from_id": "from_annotation_id",
    "to_id": "to_annotation_id",
    "kind": "kind",
}


class KindFields(Input):
    note: str | None = None
    event_id: int | None = None
    claimed_at: datetime | None = None
    claimed_precision: str | None = None
    cited_source_id: int | None = None
    # Any HedgeType: the project's hedge_types setting governs the workspace panel only.
    hedge_type: str | None = None


class AnnotationIn(KindFields):
    kind: str = Field(description=f"One of {', '.join(KINDS)}")
    start: int = Field(description=CODE_POINTS)
    end: int = Field(description=CODE_POINTS + "; exclusive")
    quote: str = Field(description="Must equal text[start:end], or the span is refused")


class AnnotationPatch(KindFields):
    version: int = Field(description="The version you read; 409 if it changed since")
    kind: str | None = None
    start: int | None = Field(None, description=CODE_POINTS)
    end: int | None = Field(None, description=CODE_POINTS + "; exclusive")
    quote: str | None = None


class LinkIn(Schema):
    from_id: int
    to_id: int
    kind: str = Field(description=f"One of {', '.join(LINKS)}")


def _kind_fields(payload: KindFields) -> dict:
    """The fields that were sent, for the services (which check that an event or cited
    source belongs to the project). An explicit null is the field's empty value, as if
    left out (a kind's field that the span does not have is then no error); on a PATCH it
    clears a field, except kind and span fields, which cannot be cleared: unchanged."""
    fields = payload.dict(exclude_unset=True, exclude={"version"})
    fields = {k: v for k, v in fields.items() if v is not None or k in KindFields.model_fields}
    if "claimed_at" in fields and fields["claimed_at"] and not fields.get("claimed_precision"):
        fields["claimed_precision"] = "day"
    if "claimed_at" in fields and fields["claimed_at"] is None:  # clearing the time clears
        fields["claimed_precision"] = None  # its precision, which qualifies nothing then
    return {
        k: ("" if v is None and k in ("note", "hedge_type", "claimed_precision") else v)
        for k, v in fields.items()
    }


@router.get(
    "/projects/{slug}/articles/",
    response=list[ArticleListItem],
    summary="List a project's articles",
)
def article_list(request, slug: str, offset: int = Query(0, le=MAX_OFFSET), limit: int = 100):
    membership = membership_or_404(request.user, slug)
    articles = membership.project.articles.select_related("outlet").with_annotation_counts()
    articles = articles.order_by("pk")
    return articles[max(offset, 0) : max(offset, 0) + min(max(limit, 1), 1000)]


@cache
def _article_rows_sql(model, article_path: str, paths: tuple) -> str:
    """The ORM's SQL for `model`'s rows of one article (`article_path` = the article's id),
    in its ordering, compiled once: building and compiling it on every read cost more CPU
    than PostgreSQL and psycopg spend on the query. The ORM would convert no value of these
    columns on PostgreSQL; a column that needs it is refused here, not sent raw."""
    queryset = model.objects.filter(**{article_path: 0}).values_list(*paths)
    compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    if params != (0,) or compiler.get_converters([column for column, _, _ in compiler.select]):
        raise ValueError(f"{model.__name__} {paths}: not readable as plain rows")
    return sql


def _rows(model, article_path: str, article_id: int, columns: dict) -> list[dict]:
    names = tuple(columns)
    sql = _article_rows_sql(model, article_path, tuple(columns.values()))
    with connection.cursor() as cursor:
        cursor.execute(sql, [article_id])
        # A row has one value per name (the SQL selects those columns): strict would check
        # it again on each of 500 rows, a fifth of the time.
        return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]


@router.get(
    "/projects/{slug}/articles/{article_id}/",
    response=ArticleOut,
    summary="An article's text, metadata, annotations and links",
    description=(
        "Every span of the article, in text order, and the links between them. Each span "
        "leaves out `article_id`, `prefix`, `suffix`, `created_at` and `updated_at` unless "
        "`context=1` is asked for (re-anchoring a quote, auditing): a client that shows "
        "and edits spans does not need them, and leaving them out halves the answer."
    ),
)
def article_detail(
    request,
    slug: str,
    article_id: int,
    context: bool = Query(
        False, description="Also send each span's prefix, suffix, article and times"
    ),
):
    _, article = article_for_member(request.user, slug, article_id)
    columns = SPAN_COLUMNS | CONTEXT_COLUMNS if context else SPAN_COLUMNS
    body = {
        "id": article.pk,
        "title": article.title,
        "outlet": article.outlet.name if article.outlet else None,
        "url": article.url,
        "language": article.language,
        "published_at": article.published_at,
        "status": article.status,
        "text": article.text,
        "text_sha256": article.text_sha256,
        "annotations": _rows(Annotation, "article_id", article.pk, columns),
        "links": _rows(Link, "from_annotation__article_id", article.pk, LINK_COLUMNS),
    }
    return HttpResponse(orjson.dumps(body), content_type="application/json")


@router.post(
    "/projects/{slug}/articles/{article_id}/annotations/",
    response={201: AnnotationOut, 422: Error},
    summary="Create an annotation",
)
def annotation_create(request, slug: str, article_id: int, payload: AnnotationIn):
    _, article = article_for_member(request.user, slug, article_id)
    fields = _kind_fields(payload)
    span = {key: fields.pop(key) for key in ("kind", "start", "end", "quote")}
    try:
        annotation = services.annotation_create(
            article=article, created_by=request.user, **span, **fields
        )
    except services.SpanError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, annotation)


@router.get(
    "/projects/{slug}/annotations/{annotation_id}/",
    response=AnnotationOut,
    summary="One annotation",
)
def annotation_detail(request, slug: str, annotation_id: int):
    return annotation_for_member(request.user, slug, annotation_id)[1]


@router.patch(
    "/projects/{slug}/annotations/{annotation_id}/",
    response={200: AnnotationOut, 409: Conflict, 422: Error},
    summary="Update an annotation (send the version you read)",
)
def annotation_update(request, slug: str, annotation_id: int, payload: AnnotationPatch):
    _, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    changes = _kind_fields(payload)
    try:
        return services.annotation_edit(
            annotation=annotation, version=payload.version, user=request.user, **changes
        )
    except services.AnnotationConflict as conflict:
        return Status(409, {"detail": str(conflict), "current": conflict.current})
    except services.SpanError as error:
        return Status(422, {"detail": str(error)})


@router.delete(
    "/projects/{slug}/annotations/{annotation_id}/",
    response={204: None},
    summary="Delete an annotation and its links",
)
def annotation_delete(request, slug: str, annotation_id: int):
    _, annotation = annotation_for_member(request.user, slug, annotation_id, edit=True)
    services.annotation_delete(annotation=annotation, user=request.user)
    return Status(204, None)


@router.post(
    "/projects/{slug}/links/",
    response={201: LinkOut, 422: Error},
    summary="Link two annotations of one article",
)
def link_create(request, slug: str, payload: LinkIn):
    _, source = annotation_for_member(request.user, slug, payload.from_id, edit=True)
    _, target = annotation_for_member(request.user, slug, payload.to_id)
    try:
        link = services.link_create(
            from_annotation=source,
            to_annotation=target,
            kind=payload.kind,
            created_by=request.user,
        )
    except services.SpanError as error:
        return Status(422, {"detail": str(error)})
    return Status(201, link)


@router.delete("/projects/{slug}/links/{link_id}/", response={204: None}, summary="Remove a link")
def link_delete(request, slug: str, link_id: int):
    link = get_object_or_404(Link, pk=link_id, from_annotation__article__project__slug=slug)
    annotation_for_member(request.user, slug, link.from_annotation_id, edit=True)
    services.link_delete(link=link, user=request.user)
    return Status(204, None)
