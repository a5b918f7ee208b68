from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from annotator.exports.formats import format_label
from annotator.projects.models import Project

# A queued or running export that has not moved for this long has lost its worker (killed,
# or not running): the page says so and offers to start it again.
STALL_AFTER = timedelta(minutes=2)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Exporting"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """An export prepared by a background task; its file is kept for a while to download."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="export_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    # A key of the format registry (formats.py), checked by services.export_job_create: no
    # choices or CHECK here, so that a format added to the registry needs no migration.
    format = models.CharField(max_length=10)
    bundle_formats = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    include_all = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Articles written so far.")
    total = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=1000, blank=True, help_text="File under EXPORT_DIR.")
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Bumped by the worker when it starts and with each progress report.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="exportjob_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                name="exportjob_done_lte_total",
            ),
        ]

    def __str__(self):
        return f"Export #{self.pk} ({self.format})"

    @property
    def percent(self) -> int:
        return 100 if self.status == JobStatus.DONE else int(100 * self.done / (self.total or 1))

    @property
    def format_label(self) -> str:
        return format_label(self.format)

    @property
    def stalled(self) -> bool:
        """Not finished, and nothing has moved for STALL_AFTER."""
        if self.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return False
        return timezone.now() - (self.heartbeat_at or self.created_at) > STALL_AFTER


class DatasetImport(models.Model):
    """A dataset file imported by a background task (large uploads); the report is kept."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dataset_imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dataset_imports"
    )
    filename = models.CharField(max_length=300)
    path = models.CharField(max_length=1000, blank=True, help_text="Upload under EXPORT_DIR.")
    doccano_offsets = models.CharField(max_length=10, default="utf16")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Lines read so far.")
    total = models.PositiveIntegerField(default=0, help_text="Lines in the file.")
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="datasetimport_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(doccano_offsets__in=["utf16", "codepoint"]),
                name="datasetimport_offsets_valid",
            ),
        ]

    def __str__(self):
        return f"Import #{self.pk} ({self.filename})"

    @property
    def percent(self) -> int:
        return 100 if self.status == JobStatus.DONE else int(100 * self.done / (self.total or 1))
