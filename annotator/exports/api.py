"""Dataset export and import through the JSON API (for pipelines). Same formats, roles and
streaming as the export page: reviewers and owners export, owners import."""

from typing import Literal

from django.http import StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from annotator.exports.dataset_import import dataset_import
from annotator.exports.formats import FORMATS, export_keys
from annotator.exports.records import Selection
from annotator.exports.streams import UnknownFormat, export_stream
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role

router = Router(tags=["datasets"])


class ExportQuery(Schema):
    # Checked against the registry when called (formats.py), so a new format needs no
    # change here.
    format: str = Field("jsonl", description=f"One of {', '.join(export_keys())}")
    include_all: bool = False
    bundle_formats: str = Field(",".join(FORMATS), description="With format=zip, comma-separated")


class ExportRefused(Schema):
    detail: str


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
        "`format`: "
        + ", ".join(f"{f.key} ({f.label})" for f in FORMATS.values())
        + " or zip (a bundle of `bundle_formats` with a dataset card). "
        "Approved annotations only unless `include_all`. Reviewers and owners only."
    ),
    response={200: None, 403: dict, 404: dict, 422: ExportRefused},
)
def dataset_export(request, slug: str, query: Query[ExportQuery]):
    membership = membership_or_404(request.user, slug, Role.REVIEWER)
    bundle = [k for k in query.bundle_formats.split(",") if k in FORMATS]
    selection = Selection(membership.project, query.include_all)
    try:
        export = export_stream(selection, query.format, bundle)
    except UnknownFormat as error:
        return Status(422, {"detail": str(error)})
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
