import pgtrigger
from django.conf import settings
from django.db import models

from annotator.projects.models import Project
from annotator.sources.models import Source


class IsNFC(models.Func):
    """SQL `x IS NFC NORMALIZED`: lets the database refuse text that is not NFC."""

    template = "(%(expressions)s IS NFC NORMALIZED)"
    output_field = models.BooleanField()


class ArticleStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    READY = "ready", "Ready for review"
    REVIEWED = "reviewed", "Reviewed"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MINUTE = "minute", "Minute"


class Article(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="articles")
    outlet = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_precision = models.CharField(max_length=10, choices=DatePrecision.choices, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 tag, e.g. en, ar.")
    # Offsets of every annotation index this text in code points: it is stored NFC
    # with "\n" line ends and never changes once annotated (see the trigger below).
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploaded_articles",
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.NEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "text_sha256"], name="article_unique_text_per_project"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(text_sha256__regex=r"^[0-9a-f]{64}$"),
                name="article_sha256_hex",
            ),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True, published_precision="")
                | models.Q(
                    published_at__isnull=False, published_precision__in=DatePrecision.values
                ),
                name="article_published_precision_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(text__contains="\r") & models.Q(IsNFC("text")),
                name="article_text_normalised",
            ),
            models.CheckConstraint(
                condition=models.Q(text__regex=r"\S"), name="article_text_not_blank"
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="article_text_immutable_once_annotated",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("text"),
                condition=pgtrigger.Q(old__text__df=pgtrigger.F("new__text")),
                func=(
                    "IF EXISTS (SELECT 1 FROM annotations_annotation WHERE article_id = OLD.id)"
                    " THEN RAISE EXCEPTION 'an annotated article''s text cannot change'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return self.title
