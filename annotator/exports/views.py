"""The export page of a project: download now (streamed), prepare in the background
(progress bar, then a download link) and import a dataset.

Reviewers and owners export (a dataset carries everyone's work and the reviewers'
names); owners import (it adds articles and sources); annotators get 403,
outsiders 404.
"""

from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from annotator.annotations.kinds import KINDS
from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article
from annotator.exports.dataset_import import MAX_ERRORS_SHOWN, dataset_import
from annotator.exports.formats import FORMATS, export_keys
from annotator.exports.forms import ExportForm, ImportForm
from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.exports.records import Selection
from annotator.exports.services import (
    dataset_import_create,
    export_job_create,
    export_job_file,
    export_job_restart,
)
from annotator.exports.streams import export_content_type, export_stream
from annotator.params import number
from annotator.projects.access import membership_or_404
from annotator.projects.models import Role

RECENT_JOBS = 5
# Larger uploads are imported by a background task (progress bar on the page).
INLINE_IMPORT_BYTES = 2 * 1024 * 1024


def export_page(request, slug):
    membership = membership_or_404(request.user, slug, Role.REVIEWER)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _page(request, membership, ExportForm.for_project(membership.project), ImportForm())


def export_download(request, slug):
    """GET with the export form's fields streams the file; ?job=N sends a prepared one."""
    membership = membership_or_404(request.user, slug, Role.REVIEWER)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if "job" in request.GET:
        return _job_download(membership.project, request.GET["job"])
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, membership, form, ImportForm(), status=422)
    key, bundle_formats, include_all = form.export_choice()
    export = export_stream(Selection(membership.project, include_all), key, bundle_formats)
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_jobs(request, slug):
    """GET: the recent background exports (htmx polls it while one runs). POST: start one,
    or start a stalled one again (`restart`: its id)."""
    membership = membership_or_404(request.user, slug, Role.REVIEWER)
    if request.method == "POST" and "restart" in request.POST:
        restart = request.POST["restart"]
        job = get_object_or_404(ExportJob, project=membership.project, pk=number(restart, 0))
        export_job_restart(job=job, user=request.user)
        if not request.htmx:
            return redirect("exports:page", slug=slug)
    elif request.method == "POST":
        form = ExportForm(request.POST)
        if not form.is_valid():
            return _page(request, membership, form, ImportForm(), status=422)
        key, bundle_formats, include_all = form.export_choice()
        export_job_create(
            project=membership.project,
            user=request.user,
            format=key,
            bundle_formats=bundle_formats,
            include_all=include_all,
        )
        if not request.htmx:
            return redirect("exports:page", slug=slug)
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(
        request,
        "exports/export.html#jobs",
        {"project": membership.project, **_jobs(membership.project)},
    )


def dataset_upload(request, slug):
    membership = membership_or_404(request.user, slug, Role.OWNER)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(
            request, membership, ExportForm.for_project(membership.project), form, status=422
        )
    if form.cleaned_data["file"].size > INLINE_IMPORT_BYTES:
        dataset_import_create(
            project=membership.project,
            user=request.user,
            upload=form.cleaned_data["file"],
            doccano_offsets=form.cleaned_data["doccano_offsets"],
        )
        return redirect(f"{reverse('exports:page', kwargs={'slug': slug})}#export-jobs")
    report = dataset_import(
        project=membership.project,
        lines=form.cleaned_data["file"],
        user=request.user,
        doccano_offsets=form.cleaned_data["doccano_offsets"],
    )
    return _page(
        request,
        membership,
        ExportForm.for_project(membership.project),
        ImportForm(),
        report=report,  # a full page either way: the report lists the lines that failed
    )


def _job_download(project, job_id):
    job = ExportJob.objects.filter(project=project, pk=number(job_id, 0)).first()
    path = export_job_file(job) if job else None
    if path is None:
        raise Http404("No such export, or it is not ready.")
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        as_attachment=True,
        filename=job.filename,
        content_type=export_content_type(job.format) if job.format in export_keys() else None,
    )


def _jobs(project) -> dict:
    jobs = list(
        ExportJob.objects.filter(project=project).select_related("created_by")[:RECENT_JOBS]
    )
    imports = list(
        DatasetImport.objects.filter(project=project).select_related("created_by")[:RECENT_JOBS]
    )
    active = (JobStatus.QUEUED, JobStatus.RUNNING)
    # A stalled export needs someone to start it again: no point polling for it.
    running = any(job.status in active and not job.stalled for job in jobs) or any(
        dataset_import.status in active for dataset_import in imports
    )
    return {"jobs": jobs, "imports": imports, "job_running": running}


def _page(request, membership, export_form, import_form, report=None, status=200):
    project = membership.project
    counts = {
        (row["kind"], row["status"]): row["n"]
        for row in Annotation.objects.filter(article__project=project)
        .values("kind", "status")
        .annotate(n=Count("id"))
    }
    context = {
        "project": project,
        "membership": membership,
        "can_import": membership.has_role(Role.OWNER),
        "export_form": export_form,
        "import_form": import_form,
        "report": report,
        "errors_shown": report.errors[:MAX_ERRORS_SHOWN] if report else [],
        "formats": FORMATS.values(),
        "statuses": Status.choices,
        "count_rows": [
            (spec.label, [counts.get((kind, s), 0) for s in Status.values])
            for kind, spec in KINDS.items()
        ],
        "status_totals": [sum(counts.get((kind, s), 0) for kind in KINDS) for s in Status.values],
        "article_count": Article.objects.filter(project=project).count(),
        "dataset_article_count": Selection(project).articles().count(),
        **_jobs(project),
    }
    return render(request, "exports/export.html", context, status=status)
