from django.db import models

from annotator.projects.models import Project


class Event(models.Model):
    """Something that happened (or is claimed to have); claims are grouped under it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    place = models.CharField(max_length=300, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="event_dates_ordered",
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="event_title_not_empty"),
        ]

    def __str__(self):
        return self.title
