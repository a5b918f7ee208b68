"""Dataset export and import through the JSON API (for pipelines). Same formats, roles and
streaming as the export page: reviewers and owners export, owners import."""

from typing import Literal

from django.http import StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from annotator.exports.dataset_import import dataset_import
from annotator.exports.formats import BUNDLE_KEY, FORMATS, bundle_formats_clean, export_keys
from annotator.exports.records import Selection
from annotator.exports.streams import UnknownFormat, export_stream
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role

router = Router(tags=["datasets"])


class ExportQuery(Schema):
    # Checked against the registry when called (formats.py), so a new format needs no
    # change here. Left out, each follows the project's settings (see the description).
    format: str | None = Field(None, description=f"One of {', '.join(export_keys())}")
    # Not from the settings: a pipeline asking for approved annotations keeps getting
    # only those whatever an owner ticks on the export page.
    include_all: bool = False
    bundle_formats: str | None = Field(None, description="With format=zip, comma-separated")


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
        "Approved annotations only unless `include_all`. Reviewers and owners only.\n\n"
        "Left out, they follow the project's settings, as the export page does: no `format` "
        "exports the project's export formats (one of them as it is, several as a zip; "
        "JSONL when it has none), no `bundle_formats` bundles them (every format when it "
        "has none). `include_all` is false unless given."
    ),
    response={200: None, 403: dict, 404: dict, 422: ExportRefused},
)
def dataset_export(request, slug: str, query: Query[ExportQuery]):
    membership = membership_or_404(request.user, slug, Role.REVIEWER)
    project = membership.project
    key, bundle = _export_choice(project, query)
    try:
        export = export_stream(Selection(project, query.include_all), key, bundle)
    except UnknownFormat as error:
        return Status(422, {"detail": str(error)})
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _export_choice(project, query: ExportQuery) -> tuple[str, list[str]]:
    """(format key, bundle formats): the query's, else the project's export formats."""
    defaults = bundle_formats_clean(project.export_formats)
    if query.bundle_formats is not None:
        bundle = [k for k in query.bundle_formats.split(",") if k in FORMATS]
    else:
        bundle = defaults if project.export_formats else list(FORMATS)
    if query.format is not None:
        return query.format, bundle
    if query.bundle_formats is not None:  # asked for a bundle of these
        return BUNDLE_KEY, bundle
    if len(defaults) == 1:
        return defaults[0], defaults
    return BUNDLE_KEY, defaults


@router.post(
    "/projects/{slug}/import",
    response={200: DatasetImportOut, 403: dict, 404: dict},
    summary="Import a JSONL dataset (ours or doccano's)",
    description=(
        "Multipart upload, field `file`. One article per line, written in batches: `errors` lists "
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
