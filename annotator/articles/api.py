"""Articles into a project through the API: JSON text with metadata (imported at once),
or files (text, Markdown, HTML, .zip) stored as an import batch that the background worker
imports, as from the upload page; the batch's progress is readable here too."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from annotator.api_input import Input
from annotator.articles.batches import (
    BatchRefused,
    Upload,
    batch_counts,
    batch_create,
    batch_start,
)
from annotator.articles.dates import parse_date
from annotator.articles.models import Article, ImportBatch, ImportItem, ItemStatus, Origin
from annotator.articles.readiness import article_readiness
from annotator.articles.services import (
    ArticleError,
    ImportResult,
    Overrides,
    article_import,
    article_status_set,
)
from annotator.projects.access import membership_or_404

router = Router(tags=["articles"])


class ArticleIn(Input):
    text: str
    title: str = ""
    outlet: str = ""
    url: str = ""
    published_at: str = ""
    language: str = ""


class ImportedArticle(Schema):
    id: int
    title: str
    outlet: str | None
    outlet_proposed: str
    url: str
    published_at: datetime | None
    published_precision: str
    published_tz: str
    language: str
    text_sha256: str
    chars: int


class ImportOut(Schema):
    name: str
    status: str
    reason: str
    article: ImportedArticle | None


class StatusIn(Schema):
    status: str = Field(description="ready (for review) or in_progress")


class StatusOut(Schema):
    id: int
    status: str
    assignees_ready: list[str] = Field(description="Assignees who marked their work ready")
    assignees_waiting: list[str] = Field(description="Assignees the article waits for")


class Refused(Schema):
    detail: str


class RequestInvalid(Schema):
    """A request that does not fit the schema (annotator/api.py invalid_request)."""

    detail: str
    errors: list[dict]


def _out(result: ImportResult) -> dict:
    article: Article | None = result.article
    return {
        "name": result.name,
        "status": str(result.status),
        "reason": result.reason,
        "article": None
        if article is None
        else {
            "id": article.pk,
            "title": article.title,
            "outlet": article.outlet.name if article.outlet_id else None,
            "outlet_proposed": article.outlet_proposed,
            "url": article.url,
            "published_at": article.published_at,
            "published_precision": article.published_precision,
            "published_tz": article.published_tz,
            "language": article.language,
            "text_sha256": article.text_sha256,
            "chars": len(article.text),
        },
    }


STATUS_CODES = {ItemStatus.IMPORTED: 201, ItemStatus.DUPLICATE: 200, ItemStatus.REJECTED: 422}


@router.post(
    "/projects/{slug}/article-imports/",
    response={200: ImportOut, 201: ImportOut, 422: ImportOut | RequestInvalid},
    summary="Import one article given as JSON text and metadata",
    description="201: imported; 200: the same text is already in the project (`article` is "
    "that one); 422: rejected, `reason` says why. Metadata left empty is detected from the "
    "text; `published_at` takes ISO 8601 or forms like `17 January 2024 19:32 GMT+3`.",
)
def article_import_json(request, slug: str, payload: ArticleIn):
    membership = membership_or_404(request.user, slug)
    project = membership.project
    published = parse_date(payload.published_at)
    if payload.published_at and published is None:
        reason = f"published_at “{payload.published_at}” is not a date we can read."
        return Status(
            422, {"name": "json", "status": "rejected", "reason": reason, "article": None}
        )
    result = article_import(
        project=project,
        name="api.txt",
        data=payload.text.encode("utf-8"),
        origin=Origin.API,
        uploaded_by=request.user,
        overrides=Overrides(
            title=payload.title,
            outlet_name=payload.outlet,
            new_outlet=True,
            url=payload.url,
            published=published,
            language=payload.language,
        ),
    )
    return Status(STATUS_CODES[result.status], _out(result))


class BatchItemOut(Schema):
    position: int
    name: str
    status: str = Field(description="pending, imported, duplicate, rejected or unpacked (a .zip)")
    reason: str
    article_id: int | None


class BatchOut(Schema):
    id: int
    status: str = Field(description="queued, running or done")
    status_url: str = Field(description="This batch in the API: poll it until `done`")
    page_url: str = Field(description="The batch page, with its live progress")
    total: int
    done: int
    counts: dict[str, int] = Field(description="Files by status")
    items: list[BatchItemOut] | None = None


def _batch_out(batch: ImportBatch, items: bool = False) -> dict:
    slug = batch.project.slug
    counts = batch_counts(batch)
    out = {
        "id": batch.pk,
        "status": batch.status,
        "status_url": reverse("api:article_import_batch", args=[slug, batch.pk]),
        "page_url": reverse("articles:batch", args=[slug, batch.pk]),
        "total": counts.pop("total"),
        "done": counts.pop("done"),
        "counts": {key: value for key, value in counts.items() if key != "percent"},
    }
    if items:
        out["items"] = [
            {**row, "status": str(row["status"])}
            for row in ImportItem.objects.filter(batch=batch)
            .order_by("position")
            .values("position", "name", "status", "reason", "article_id")
        ]
    return out


@router.post(
    "/projects/{slug}/article-imports/files/",
    response={202: BatchOut, 422: Refused},
    summary="Import files (text, Markdown, HTML or .zip) as a batch, in the background",
    description="202: the files are stored as an import batch that the worker imports, as "
    "from the upload page; poll `status_url` until `status` is `done` for each file's "
    "result. 422: the batch breaks a limit (files, bytes), and nothing is stored.",
)
def article_import_files(request, slug: str, files: File[list[UploadedFile]]):
    membership = membership_or_404(request.user, slug)
    uploads = [Upload(f.name or "upload.txt", f.size or 0, f.read) for f in files]
    try:
        batch = batch_create(
            project=membership.project, user=request.user, uploads=uploads, origin=Origin.API
        )
    except BatchRefused as refusal:
        return Status(422, {"detail": str(refusal)})
    batch_start(batch=batch)
    return Status(202, _batch_out(batch))


@router.get(
    "/projects/{slug}/article-imports/batches/{batch_id}/",
    response=BatchOut,
    url_name="article_import_batch",
    summary="An import batch: its progress and each file's result",
)
def article_import_batch(request, slug: str, batch_id: int):
    membership = membership_or_404(request.user, slug)
    batch = get_object_or_404(
        ImportBatch.objects.select_related("project"), pk=batch_id, project=membership.project
    )
    return _batch_out(batch, items=True)


@router.post(
    "/projects/{slug}/articles/{article_id}/status/",
    response={200: StatusOut, 422: Refused},
    summary="Mark an article ready for review, or back in progress",
    description=(
        "Any member; reopening a reviewed article is for reviewers and owners (403). On an "
        "assigned article an assignee marks their own work: it is ready for review when "
        "every assignee has said so. Anyone else marks it for everyone (in progress clears "
        "the assignees' marks)."
    ),
)
def article_status(request, slug: str, article_id: int, payload: StatusIn):
    membership = membership_or_404(request.user, slug)
    article = get_object_or_404(Article, pk=article_id, project=membership.project)
    try:
        article_status_set(article=article, status=payload.status, user=request.user)
    except ArticleError as error:
        return Status(422, {"detail": str(error)})
    readiness = article_readiness(article)
    return {
        "id": article.pk,
        "status": article.status,
        "assignees_ready": [a.name for a in readiness.ready],
        "assignees_waiting": [a.name for a in readiness.waiting],
    }
