"""Articles into a project through the API: JSON text with metadata, or files (text,
Markdown, HTML, .zip), through the same import service as the upload page."""

from datetime import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from annotator.articles.archives import ArchiveRejected, zip_members
from annotator.articles.batches import BatchRefused, batch_limits_check
from annotator.articles.dates import parse_date
from annotator.articles.models import Article, ItemStatus, Origin
from annotator.articles.parsing import file_kind
from annotator.articles.services import (
    ArticleError,
    ImportResult,
    Overrides,
    article_import,
    article_status_set,
    size_rejection,
)
from annotator.projects.access import membership_or_404
from annotator.sources.services import SourceMatcher

router = Router(tags=["articles"])


class ArticleIn(Schema):
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


@router.post(
    "/projects/{slug}/article-imports/files/",
    response=list[ImportOut],
    summary="Import files (text, Markdown, HTML or .zip); one result per file",
)
def article_import_files(request, slug: str, files: File[list[UploadedFile]]):
    membership = membership_or_404(request.user, slug)
    project = membership.project
    try:
        batch_limits_check(files=len(files), total_bytes=sum(f.size or 0 for f in files))
    except BatchRefused as refusal:
        return [{"name": "request", "status": "rejected", "reason": str(refusal), "article": None}]
    matcher = SourceMatcher(project)
    results = []
    for upload in files:
        name = upload.name or "upload.txt"
        if file_kind(name) == "archive":
            results.extend(_archive(project, request.user, name, upload, matcher))
            continue
        too_big = size_rejection(name, upload.size)
        if too_big:
            results.append(_out(too_big))
            continue
        result = article_import(
            project=project,
            name=name,
            data=upload.read(),
            origin=Origin.API,
            uploaded_by=request.user,
            matcher=matcher,
        )
        results.append(_out(result))
    return results


def _archive(project, user, name, upload, matcher):
    if upload.size > settings.IMPORT_BATCH_MAX_BYTES:
        reason = "The archive is larger than the batch limit."
        return [{"name": name, "status": "rejected", "reason": reason, "article": None}]
    try:
        members = list(
            zip_members(
                upload.read(),
                max_files=settings.IMPORT_BATCH_MAX_FILES,
                max_total_bytes=settings.IMPORT_BATCH_MAX_BYTES,
                max_member_bytes=settings.ARTICLE_MAX_BYTES,
            )
        )
    except ArchiveRejected as exc:
        return [{"name": name, "status": "rejected", "reason": str(exc), "article": None}]
    results = []
    for member in members:
        full_name = f"{name}/{member.name}"
        if member.data is None:
            results.append(
                {"name": full_name, "status": "rejected", "reason": member.reason, "article": None}
            )
            continue
        result = article_import(
            project=project,
            name=member.name,
            data=member.data,
            origin=Origin.ARCHIVE,
            uploaded_by=user,
            matcher=matcher,
            archive_name=name,
        )
        result.name = full_name
        results.append(_out(result))
    return results


@router.post(
    "/projects/{slug}/articles/{article_id}/status/",
    response={200: StatusOut, 422: Refused},
    summary="Mark an article ready for review, or back in progress",
    description="Any member; reopening a reviewed article is for reviewers and owners (403).",
)
def article_status(request, slug: str, article_id: int, payload: StatusIn):
    membership = membership_or_404(request.user, slug)
    article = get_object_or_404(Article, pk=article_id, project=membership.project)
    try:
        article_status_set(article=article, status=payload.status, user=request.user)
    except ArticleError as error:
        return Status(422, {"detail": str(error)})
    return {"id": article.pk, "status": article.status}
