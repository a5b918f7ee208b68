"""Claim matching: each claim's sentence embedding, and the pairs of claims the worker
proposes as possibly the same assertion (with the facts on which they agree or differ).

A person decides every pair: "same" and "contradicts" become the events app's
ClaimRelation; "not the same" is remembered here, so the pair is never proposed again.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.events.models import Event
from annotator.projects.models import Project

DIMENSIONS = 384  # multilingual-e5-small
VECTOR_BYTES = DIMENSIONS * 4  # float32


class ClaimEmbedding(models.Model):
    """A claim's unit-length embedding as float32 bytes, made by the worker (embeddings.py).

    Bytes rather than pgvector: a pool is one event's claims (or one project's, capped), a
    few hundred rows that numpy compares in a millisecond, and any PostgreSQL can hold them
    without an extension to install.
    """

    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    text_digest = models.CharField(max_length=32)  # of what was embedded: stale when it changes
    vector = models.BinaryField()
    model = models.CharField(max_length=100)
    # The claim's version when its matches were last proposed: any change to the claim (its
    # quote, its event) bumps the version, and the worker proposes its matches again.
    annotation_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("vector"), VECTOR_BYTES), name="embedding_vector_size"
            ),
        ]

    def __str__(self):
        return f"embedding of {self.annotation_id}"


class MatchStatus(models.TextChoices):
    OPEN = "open", "proposed"
    SAME = "same", "same assertion"
    CONTRADICTS = "contradicts", "contradicts"
    REJECTED = "rejected", "not the same"


class MatchQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=MatchStatus.OPEN)

    def touching(self, claim_id: int):
        return self.filter(models.Q(claim_a_id=claim_id) | models.Q(claim_b_id=claim_id))


class MatchCandidate(models.Model):
    """Two claims of different articles that may make the same assertion. Unordered:
    the smaller id first. `event` is the pair's event, or for a claim without one the
    other's event, proposed for it ("probably event X")."""

    claim_a = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="+")
    claim_b = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="match_candidates"
    )
    score = models.FloatField()  # 0–1: the embedding's similarity with the facts' evidence
    similarity = models.FloatField()  # cosine of the two embeddings
    agree = models.JSONField(default=list)  # ["22 killed", "drone"]
    differ = models.JSONField(default=list)  # [{"facet": "quantity", "a": "10 km", "b": "12 km"}]
    status = models.CharField(max_length=20, choices=MatchStatus.choices, default=MatchStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    objects = MatchQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim_a__lt=models.F("claim_b")), name="match_pair_ordered"
            ),
            models.UniqueConstraint(fields=["claim_a", "claim_b"], name="match_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(status__in=MatchStatus.values), name="match_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="match_score_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status=MatchStatus.OPEN) | models.Q(decided_at__isnull=False),
                name="match_decided_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="match_event_status"),
            models.Index(fields=["claim_b"], name="match_claim_b"),
        ]

    def __str__(self):
        return f"{self.claim_a_id} ~ {self.claim_b_id} ({self.status})"

    def other(self, claim_id: int) -> int:
        return self.claim_b_id if claim_id == self.claim_a_id else self.claim_a_id


class EventRefusal(models.Model):
    """ "Not this event" for a claim without one: its proposals there were rejected, and
    the worker proposes it none there again, whatever claims the event gets later."""

    claim = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "event"], name="event_refusal_unique"),
        ]

    def __str__(self):
        return f"{self.claim_id} not in event {self.event_id}"


class TitleEmbedding(models.Model):
    """An article's headline, embedded as claims are: for a claim without an event, the
    headlines of its article and of a candidate's tell whether they report one incident
    (proposals.py), which a short claim often does not say."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="title_embedding"
    )
    text_digest = models.CharField(max_length=32)
    vector = models.BinaryField()
    model = models.CharField(max_length=100)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("vector"), VECTOR_BYTES), name="title_vector_size"
            ),
        ]

    def __str__(self):
        return f"title embedding of {self.article_id}"
