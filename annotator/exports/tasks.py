"""Background exports and imports. An ExportJob row and a django-tasks task that writes
the file under EXPORT_DIR and saves its progress; a DatasetImport row and a task that
imports an uploaded file (kept under EXPORT_DIR/imports until done); clean-up of old files.

The worker is `manage.py db_worker` (started by `make run`).
"""

import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.exports.records import Selection
from annotator.exports.services import dataset_import
from annotator.exports.streams import export_stream

KEEP_FOR = timedelta(days=7)


def export_dir() -> Path:
    """Where finished exports wait to be downloaded (EXPORT_DIR, default media/exports)."""
    return Path(os.environ.get("EXPORT_DIR", settings.BASE_DIR / "media" / "exports"))


def export_job_create(*, project, user, format: str, bundle_formats, include_all: bool):
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


@task()
def export_job_run(job_id: int) -> None:
    job = ExportJob.objects.select_related("project").get(pk=job_id)
    started = ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not started:  # given up on (started again as another job) before a worker came
        return

    def progress(done, total):
        ExportJob.objects.filter(pk=job_id).update(
            done=min(done, total), total=total, heartbeat_at=timezone.now()
        )

    export = export_stream(
        Selection(job.project, include_all=job.include_all),
        job.format,
        job.bundle_formats,
        on_progress=progress,
        consistent=False,  # progress must be visible while it runs
    )
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job.pk}-{export.filename}"
    # Written under another name and renamed when complete: a worker killed half-way
    # leaves a .part file that is never served (export_job_restart removes it).
    partial = path.with_suffix(path.suffix + ".part")
    try:
        size = 0
        with open(partial, "wb") as out:
            for chunk in export.chunks:
                out.write(chunk)
                size += len(chunk)
        partial.rename(path)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    finished = ExportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.DONE,
        filename=export.filename,
        path=path.name,
        size=size,
        finished_at=timezone.now(),
    )
    if not finished:  # given up on and started again meanwhile: the new job writes its own
        path.unlink(missing_ok=True)


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


@task()
def dataset_import_run(job_id: int) -> None:
    job = DatasetImport.objects.select_related("project", "created_by").get(pk=job_id)
    DatasetImport.objects.filter(pk=job_id).update(status=JobStatus.RUNNING)
    path = export_dir() / "imports" / Path(job.path).name

    def progress(lines):
        DatasetImport.objects.filter(pk=job_id).update(done=lines)

    try:
        with open(path, "rb") as lines:
            report = dataset_import(
                project=job.project,
                lines=lines,
                user=job.created_by,
                doccano_offsets=job.doccano_offsets,
                on_progress=progress,
            )
    except Exception as exc:
        DatasetImport.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            report={"summary": f"The import stopped: {exc}"[:2000]},
            finished_at=timezone.now(),
        )
        raise
    finally:
        path.unlink(missing_ok=True)
    DatasetImport.objects.filter(pk=job_id).update(
        status=JobStatus.DONE,
        done=report.lines,
        total=max(report.lines, job.total),
        report=report.as_dict(),
        path="",
        finished_at=timezone.now(),
    )
