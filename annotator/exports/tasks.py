"""Background exports and imports (django-tasks, run by `manage.py db_worker`, which
`make run` starts): a task that writes an ExportJob's file under EXPORT_DIR and saves its
progress, and a task that imports an uploaded dataset (kept under EXPORT_DIR/imports until
done). The rows are created, and the tasks queued, by services.py."""

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from annotator.exports.dataset_import import dataset_import
from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.exports.records import Selection
from annotator.exports.streams import export_stream
from annotator.tasklimits import TaskTimeLimit


def export_dir() -> Path:
    """Where finished exports wait to be downloaded (EXPORT_DIR, default media/exports)."""
    return Path(os.environ.get("EXPORT_DIR", settings.BASE_DIR / "media" / "exports"))


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
    except (Exception, TaskTimeLimit) as exc:  # the limit is no Exception: named here
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
    except (Exception, TaskTimeLimit) as exc:
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
