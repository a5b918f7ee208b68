"""What the suggesters propose and what people decided.

- Span suggestions (hedges, attributions, claim candidates) are Annotation rows with
  status "suggested", suggested_by (the suggester), suggestion_rule and confidence. They
  live only while undecided: accepting turns the row into the person's draft, rejecting
  deletes it (with its proposed links).
- A date is not a span of its own kind but a value for a field of a claim (its claimed
  time). A DateSuggestion keeps the date expression's span and quote (so the workspace can
  draw it), the resolved claimed_at + precision, the resolution text ("Thursday →
  2024-01-18") and the claim it is for: a person's claim in the same sentence or the
  suggested claim candidate there. Accepting writes claimed_at/claimed_precision onto that
  claim; the row then goes, like a decided span suggestion.
- Every decision is a SuggestionDecision row: article, kind, span, quote, suggester, rule,
  accepted / edited / rejected, who and when. Decisions are kept apart from annotations
  (rather than keeping rejected suggestions as Annotation rows) because "rejected" on an
  annotation already means a reviewer's verdict on a person's work, and every reader of
  annotations (exports, counts, timelines) would otherwise have to tell the two apart.
  A decided span is never suggested again (unique per article, kind and span), and the
  log is what the per-rule statistics count.
- RuleSetting switches one rule off (or back on) in one project, saying why.
- ClaimRanker is the model learnt from a project's claim decisions; ClaimScore its score for a
  pending claim suggestion (see ranker.py).
- SuggestionRun is where the latest background run of the suggesters on an article stands
  (waiting, running, done, failed and why), which the workspace's suggestions bar shows.
"""

from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.utils import timezone

from annotator.annotations.models import Annotation, TimePrecision
from annotator.articles.models import Article
from annotator.datetimes import in_range
from annotator.projects.models import Project
from annotator.tasklimits import time_limit


class SuggestionKind(models.TextChoices):
    CLAIM = "claim", "Claim"
    ATTRIBUTION = "attribution", "Attribution"
    HEDGE = "hedge", "Hedge"
    DATE = "date", "Date (claimed time)"


class Decision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    EDITED = "edited", "Edited, then accepted"
    REJECTED = "rejected", "Rejected"


def _span_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=models.Q(start__gte=0, start__lt=models.F("end")),
            name=f"{prefix}_span_valid",
        ),
        models.CheckConstraint(
            condition=models.Q(end=models.F("start") + Length("quote")),
            name=f"{prefix}_quote_length_matches",
        ),
    ]


class SuggestionDecision(models.Model):
    """One person's decision on one suggestion. Kept for good: statistics count these."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=20, choices=SuggestionKind.choices)
    # The span as suggested (an edit before accepting does not change these).
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    suggester = models.CharField(max_length=100)
    rule = models.CharField(max_length=200)
    confidence = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    # The annotation the accepted suggestion became (gone if it was deleted later).
    annotation = models.ForeignKey(
        Annotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["rule", "decided_at"], name="decision_rule_time")]
        constraints = [
            *_span_constraints("decision"),
            models.UniqueConstraint(
                fields=["article", "kind", "start", "end"], name="decision_once_per_span"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SuggestionKind.values), name="decision_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=Decision.values), name="decision_valid"
            ),
            models.CheckConstraint(condition=~models.Q(rule=""), name="decision_rule_named"),
        ]

    def __str__(self):
        return f"{self.decision} {self.kind} {self.start}-{self.end} ({self.rule})"


class DateSuggestion(models.Model):
    """A proposed claimed time for a claim, read from a date expression in its sentence."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="date_suggestions")
    claim = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="date_suggestions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    claimed_at = models.DateTimeField()
    claimed_precision = models.CharField(max_length=20, choices=TimePrecision.choices)
    resolution = models.CharField(max_length=300)  # "Thursday → 2024-01-18"
    suggested_by = models.CharField(max_length=100, default="dates")
    suggestion_rule = models.CharField(max_length=200)
    confidence = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            *_span_constraints("date_suggestion"),
            models.UniqueConstraint(
                fields=["article", "start", "end"], name="date_suggestion_once_per_span"
            ),
            models.CheckConstraint(
                condition=models.Q(claimed_precision__in=TimePrecision.values),
                name="date_suggestion_precision_valid",
            ),
            models.CheckConstraint(
                condition=in_range("claimed_at"), name="date_suggestion_claimed_at_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=1),
                name="date_suggestion_confidence_0_to_1",
            ),
        ]
        triggers = [
            # The target must be a claim of the same article (a CHECK cannot see other rows).
            pgtrigger.Trigger(
                name="date_suggestion_claim_valid",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                declare=[("claim_article", "bigint"), ("claim_kind", "varchar")],
                func=(
                    "SELECT article_id, kind INTO claim_article, claim_kind"
                    " FROM annotations_annotation WHERE id = NEW.claim_id;"
                    " IF claim_article IS DISTINCT FROM NEW.article_id OR claim_kind <> 'claim'"
                    " THEN RAISE EXCEPTION 'a date suggestion must be for a claim of its article'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return self.resolution


class RuleSetting(models.Model):
    """A rule switched off (or back on) in a project; no row means the rule is on."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rule_settings")
    rule = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    reason = models.TextField(blank=True)
    # Null when the app switched the rule off by itself (low precision).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    changed_at = models.DateTimeField(auto_now=True)
    # Decisions before this moment do not count towards switching the rule off again:
    # a rule switched back on by a person gets a fresh start.
    counting_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rule"]
        constraints = [
            models.UniqueConstraint(fields=["project", "rule"], name="rule_setting_unique"),
            models.CheckConstraint(
                condition=models.Q(enabled=True) | ~models.Q(reason=""),
                name="rule_setting_off_says_why",
            ),
        ]

    def __str__(self):
        return f"{self.rule}: {'on' if self.enabled else 'off'}"


class ClaimRanker(models.Model):
    """A model learnt from one project's decisions on claim candidates (annotator/suggestions/
    ranker.py). One per project, replaced on every training; `model` holds the fitted
    scikit-learn pipeline, pickled by joblib and only ever read back from this table."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="claim_ranker")
    trained_at = models.DateTimeField()
    seconds = models.FloatField()  # training time, cross-validation included
    decisions = models.PositiveIntegerField()  # claim decisions it learnt from
    accepted = models.PositiveIntegerField()  # of which accepted (as they were or edited)
    # Cross-validated precision of the top_k ranked candidates: by the engine's confidence
    # (before) and by the model (after).
    top_k = models.PositiveIntegerField()
    precision_before = models.FloatField()
    precision_after = models.FloatField()
    library_version = models.CharField(max_length=20)  # scikit-learn that pickled the model
    model = models.BinaryField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted__lte=models.F("decisions")),
                name="claim_ranker_accepted_lte_decisions",
            ),
            models.CheckConstraint(
                condition=models.Q(top_k__gte=1, top_k__lte=models.F("decisions")),
                name="claim_ranker_top_k_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(precision_before__gte=0, precision_before__lte=1)
                & models.Q(precision_after__gte=0, precision_after__lte=1),
                name="claim_ranker_precision_0_to_1",
            ),
        ]

    def __str__(self):
        return f"claim ranker of {self.project_id} ({self.decisions} decisions)"

    @property
    def rejected(self) -> int:
        return self.decisions - self.accepted

    @property
    def in_use(self) -> bool:
        """It re-ranks only when it ranked better than the rules in cross-validation."""
        return self.precision_after > self.precision_before


class ClaimScore(models.Model):
    """The claim ranker's score for one pending claim suggestion. Kept beside the annotation
    (not written into its confidence) so the engine's confidence stays what decisions record
    and what "precision before" is measured on; pending_suggestions orders by the score."""

    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, primary_key=True, related_name="claim_score"
    )
    score = models.FloatField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="claim_score_0_to_1"
            ),
        ]

    def __str__(self):
        return f"{self.annotation_id}: {self.score:.2f}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class SuggestionRun(models.Model):
    """The latest run of the suggesters on an article, queued on import or by "Suggest
    again" (tasks.suggestions_run_enqueue), for the workspace's suggestions bar. One row per
    article: a click while a run waits or runs queues nothing more."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="suggestion_run")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)  # new suggestions the run made
    error = models.TextField(blank=True)  # why it failed, for the bar

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RunStatus.values), name="suggestion_run_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RunStatus.FAILED) | ~models.Q(error=""),
                name="suggestion_run_failed_says_why",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=[RunStatus.DONE, RunStatus.FAILED], finished_at__isnull=False
                )
                | models.Q(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], finished_at=None),
                name="suggestion_run_finished_when_over",
            ),
        ]

    def __str__(self):
        return f"suggestions of article {self.article_id}: {self.status}"

    @property
    def stalled(self) -> bool:
        """Running for longer than its task may: the worker died under it (a task over its
        limit is stopped and marked failed), so it may be queued again."""
        if self.status != RunStatus.RUNNING or self.started_at is None:
            return False
        limit = time_limit(RUN_TASK) + STALL_GRACE_SECONDS
        return timezone.now() - self.started_at > timedelta(seconds=limit)

    @property
    def pending(self) -> bool:
        """Queued (for less than QUEUE_PATIENCE: no worker may be running), or running and
        not stalled: the bar polls, and a click queues nothing."""
        if self.status == RunStatus.QUEUED:
            return timezone.now() - self.requested_at < QUEUE_PATIENCE
        return self.status == RunStatus.RUNNING and not self.stalled


RUN_TASK = "annotator.suggestions.tasks.suggestions_run_task"
STALL_GRACE_SECONDS = 60
QUEUE_PATIENCE = timedelta(minutes=30)
