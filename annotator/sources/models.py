import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from annotator.datetimes import in_range
from annotator.projects.models import Project
from annotator.sources.identity import source_keys


class SourceKind(models.TextChoices):
    OUTLET = "outlet", "News outlet"
    AGENCY = "agency", "News agency"
    OFFICIAL = "official", "Official body"
    ARMED_GROUP = "armed_group", "Armed group"
    PERSON = "person", "Person"
    ANONYMOUS = "anonymous", "Anonymous sources"
    SOCIAL = "social", "Social media / Telegram channel"
    OTHER = "other", "Other"


class Grade(models.TextChoices):
    """Admiralty (NATO) source reliability scale."""

    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


class SourceQuerySet(models.QuerySet):
    def with_current_grade(self):
        """Annotate each source with its newest assessment's grade and date."""
        newest = ReliabilityAssessment.objects.filter(source=models.OuterRef("pk")).order_by(
            "-assessed_at", "-pk"
        )
        return self.annotate(
            current_grade=models.Subquery(newest.values("grade")[:1]),
            current_grade_at=models.Subquery(newest.values("assessed_at")[:1]),
            current_grade_by=models.Subquery(newest.values("assessed_by__username")[:1]),
        )


class Source(models.Model):
    """An outlet that publishes articles or a source cited inside them. Per project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(max_length=200)
    aliases = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Other spellings and names, in other scripts too (Latin and Arabic).",
    )
    # The match keys of the name and the aliases (identity.source_key): "al-Watan" and
    # "Al Watan" share one. Kept by save(), so every write keeps them.
    match_keys = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.OUTLET)
    country = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, e.g. en, ar.")
    domain = models.CharField(
        max_length=253, blank=True, help_text="Website domain, e.g. example.org"
    )
    affiliation_note = models.TextField(blank=True, help_text="Ownership or state affiliation.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [GinIndex(fields=["match_keys"], name="source_match_keys_gin")]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="source_unique_name"),
            models.CheckConstraint(
                condition=models.Q(kind__in=SourceKind.values), name="source_kind_valid"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="source_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.match_keys = source_keys(self.name, self.aliases)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "match_keys"}
        super().save(*args, **kwargs)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReliabilityAssessment(models.Model):
    """One grading of a source. Never edited in place: a new one supersedes it."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="assessments")
    grade = models.CharField(max_length=1, choices=Grade.choices)
    rationale = models.TextField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__in=Grade.values), name="assessment_grade_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(rationale__regex=r"\S"), name="assessment_rationale_required"
            ),
            models.CheckConstraint(
                condition=in_range("assessed_at"), name="assessment_assessed_at_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.source}: {self.grade}"


class SourceMerge(models.Model):
    """A record that one source was merged into another (the merged row is gone)."""

    into = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="merges")
    merged_name = models.CharField(max_length=200)
    merged_aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    merged_domain = models.CharField(max_length=253, blank=True)
    articles_moved = models.PositiveIntegerField(default=0)
    citations_moved = models.PositiveIntegerField(default=0)
    assessments_moved = models.PositiveIntegerField(default=0)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.merged_name} → {self.into}"
