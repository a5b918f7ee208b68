"""Dataset export and import through the JSON API (for pipelines). Same formats, roles and
streaming as the export page: reviewers and owners export, owners import."""

from typing import Literal

from django.http import StreamingHttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from annotator.exports.formats import FORMATS
from annotator.exports.records import Selection
from annotator.exports.services import dataset_import
from annotator.exports.streams import export_stream
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role

router = Router(tags=["datasets"])


class ExportQuery(Schema):
    format: Literal["jsonl", "w3c", "csv", "brat", "zip"] = "jsonl"
    include_all: bool = False
    bundle_formats: str = "jsonl,w3c,csv,brat"


class LineProblem(Schema):
    line: int
    message: str


class DatasetImportOut(Schema):
    articles: int
    spans: int
    links: int
    sources: int
    events: int
    errors: list[LineProblem]
    skipped: list[LineProblem]
    warnings: list[str]


@router.get(
    "/projects/{slug}/export",
    summary="Download the project's dataset (streamed)",
    description=(
        "`format`: jsonl (one article per line, schema 1.x), w3c (Web Annotation JSON-LD), "
        "csv (claims), brat (.zip) or zip (a bundle of `bundle_formats` with a dataset card). "
        "Approved annotations only unless `include_all`. Reviewers and owners only."
    ),
    response={200: None, 403: dict, 404: dict},
)
def dataset_export(request, slug: str, query: Query[ExportQuery]):
    membership = membership_or_404(request.user, slug, Role.REVIEWER)
    bundle = [k for k in query.bundle_formats.split(",") if k in FORMATS]
    export = export_stream(Selection(membership.project, query.include_all), query.format, bundle)
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@router.post(
    "/projects/{slug}/import",
    response={200: DatasetImportOut, 403: dict, 404: dict},
    summary="Import a JSONL dataset (ours or doccano's)",
    description=(
        "Multipart upload, field `file`. One transaction per line (article): `errors` lists "
        "the lines that stored nothing, with their numbers. Owners only."
    ),
)
def dataset_upload(
    request,
    slug: str,
    file: File[UploadedFile],
    doccano_offsets: Form[Literal["utf16", "codepoint"]] = "utf16",
):
    membership = membership_or_404(request.user, slug, Role.OWNER)
    report = dataset_import(
        project=membership.project, lines=file, user=request.user, doccano_offsets=doccano_offsets
    )
    return {
        "articles": report.articles,
        "spans": report.spans,
        "links": report.links,
        "sources": report.sources,
        "events": report.events,
        "errors": [{"line": n, "message": m} for n, m in report.errors],
        "skipped": [{"line": n, "message": m} for n, m in report.skipped],
        "warnings": report.warnings,
    }
