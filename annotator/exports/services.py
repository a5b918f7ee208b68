"""Writes of the export app: background exports (an ExportJob and its task) and the
queueing of large dataset imports. Keyword-only functions; the dataset import itself is
dataset_import.py, the tasks tasks.py."""

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from annotator.exports.formats import BUNDLE_KEY, bundle_formats_clean
from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.exports.streams import export_check
from annotator.exports.tasks import dataset_import_run, export_dir, export_job_run
from annotator.projects.access import writable_check

KEEP_FOR = timedelta(days=7)


def export_job_create(*, project, user, format: str, bundle_formats, include_all: bool):
    """Queue an export of `format` (a format of the registry, or the bundle of
    `bundle_formats`); UnknownFormat if it is neither."""
    export_check(format)
    if format == BUNDLE_KEY:
        bundle_formats = bundle_formats_clean(bundle_formats)
    _delete_old_jobs()
    job = ExportJob.objects.create(
        project=project,
        created_by=user,
        format=format,
        bundle_formats=list(bundle_formats),
        include_all=include_all,
    )
    result = export_job_run.enqueue(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def export_job_restart(*, job: ExportJob, user) -> ExportJob | None:
    """Start a stalled export again (its worker was killed, or none is running) as a new job
    with the same choices; the old one is marked failed and whatever its worker left behind
    is deleted. None if the job is not stalled."""
    if not job.stalled:
        return None
    given_up = ExportJob.objects.filter(
        pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(
        status=JobStatus.FAILED,
        error="No worker finished this export (it was stopped, or none was running); "
        "it was started again.",
        finished_at=timezone.now(),
    )
    if not given_up:  # someone else did it a moment ago
        return None
    new = export_job_create(
        project=job.project,
        user=user,
        format=job.format,
        bundle_formats=job.bundle_formats,
        include_all=job.include_all,
    )
    for leftover in export_dir().glob(f"{job.pk}-*"):
        leftover.unlink(missing_ok=True)
    return new


def export_job_file(job: ExportJob) -> Path | None:
    if job.status != JobStatus.DONE or not job.path:
        return None
    path = export_dir() / Path(job.path).name  # only ever a name inside EXPORT_DIR
    return path if path.is_file() else None


def _delete_old_jobs() -> None:
    for job in ExportJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR):
        if job.path:
            (export_dir() / Path(job.path).name).unlink(missing_ok=True)
        job.delete()
    DatasetImport.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()


def dataset_import_create(*, project, user, upload, doccano_offsets: str) -> DatasetImport:
    """Store the uploaded file, count its lines and queue its import."""
    writable_check(project)
    folder = export_dir() / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    job = DatasetImport.objects.create(
        project=project,
        created_by=user,
        filename=Path(upload.name or "upload.jsonl").name[:300],
        doccano_offsets=doccano_offsets,
    )
    path = folder / f"{job.pk}.jsonl"
    lines = 0
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
            lines += chunk.count(b"\n")
    job.path, job.total = path.name, lines + 1
    job.save(update_fields=["path", "total"])
    dataset_import_run.enqueue(job.pk)
    job.refresh_from_db()
    return job
