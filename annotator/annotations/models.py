import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Length

from annotator.articles.models import Article
from annotator.events.models import Event
from annotator.sources.models import Source


class Kind(models.TextChoices):
    CLAIM = "claim", "Claim"
    ATTRIBUTION = "attribution", "Attribution"
    HEDGE = "hedge", "Hedge"


class Status(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TimePrecision(models.TextChoices):
    MINUTE = "minute", "Exact time"
    DAY = "day", "Day"
    MONTH = "month", "Month"
    APPROXIMATE = "approximate", "Approximate"


class HedgeType(models.TextChoices):
    HEARSAY = "hearsay", "Hearsay (“reportedly”)"
    EPISTEMIC = "epistemic", "Epistemic (“may”, “believed to be”)"
    APPROXIMATOR = "approximator", "Approximator (“about”, “nearly”)"
    UNNAMED_SOURCE = "unnamed_source", "Unnamed source (“sources said”)"


def _only_for(kind: str, empty: models.Q) -> models.Q:
    """Database rule: a kind-specific field stays empty on the other kinds."""
    return models.Q(kind=kind) | empty


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Annotation(models.Model):
    """A span of an article's text, in Unicode code points: text[start:end] == quote.

    Written only through annotator.annotations.services, which checks the quote.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="annotations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    # Context for re-anchoring the quote if the text is ever re-imported.
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annotations",
    )
    note = models.TextField(blank=True)
    # Optimistic locking: every change increments it; a save must name the version it saw.
    version = models.PositiveIntegerField(default=1)
    # Suggestions (status "suggested") name the suggester and rule that made them.
    suggested_by = models.CharField(max_length=100, blank=True)
    suggestion_rule = models.CharField(max_length=200, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    # Review decision (approved / rejected).
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_annotations",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Claim fields.
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="claims"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_precision = models.CharField(max_length=20, choices=TimePrecision.choices, blank=True)
    credibility = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Admiralty information scale: 1 confirmed … 6 cannot be judged.",
    )
    # Attribution fields. RESTRICT: a cited source cannot be deleted alone, only with its project.
    cited_source = models.ForeignKey(
        Source, on_delete=models.RESTRICT, null=True, blank=True, related_name="citations"
    )
    # Hedge fields.
    hedge_type = models.CharField(max_length=20, choices=HedgeType.choices, blank=True)

    class Meta:
        ordering = ["start", "-end", "pk"]
        indexes = [models.Index(fields=["article", "start"], name="annotation_article_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(start__gte=0), name="annotation_start_gte_0"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="annotation_start_lt_end"
            ),
            models.CheckConstraint(
                condition=models.Q(end=models.F("start") + Length("quote")),
                name="annotation_quote_length_matches",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="annotation_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="annotation_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(credibility__isnull=True)
                | models.Q(credibility__gte=1, credibility__lte=6),
                name="annotation_credibility_1_to_6",
            ),
            models.CheckConstraint(
                condition=models.Q(claimed_at__isnull=True, claimed_precision="")
                | models.Q(claimed_at__isnull=False, claimed_precision__in=TimePrecision.values),
                name="annotation_claimed_precision_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True)
                | models.Q(confidence__gte=0, confidence__lte=1),
                name="annotation_confidence_0_to_1",
            ),
            models.CheckConstraint(
                condition=models.Q(hedge_type="") | models.Q(hedge_type__in=HedgeType.values),
                name="annotation_hedge_type_valid",
            ),
            models.CheckConstraint(
                condition=_only_for(
                    Kind.CLAIM,
                    models.Q(event__isnull=True, claimed_at__isnull=True, credibility__isnull=True),
                ),
                name="annotation_claim_fields_only_on_claims",
            ),
            models.CheckConstraint(
                condition=_only_for(Kind.ATTRIBUTION, models.Q(cited_source__isnull=True)),
                name="annotation_source_only_on_attributions",
            ),
            models.CheckConstraint(
                condition=_only_for(Kind.HEDGE, models.Q(hedge_type="")),
                name="annotation_hedge_type_only_on_hedges",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.start}-{self.end}: {self.quote[:40]}"


class LinkKind(models.TextChoices):
    ATTRIBUTES = "attributes", "attributes (attribution → claim)"
    QUALIFIES = "qualifies", "qualifies (hedge → claim)"
    VIA = "via", "reached via (attribution → attribution)"


# Which annotation kinds each link kind joins, as (from, to).
LINK_ENDS = {
    LinkKind.ATTRIBUTES: (Kind.ATTRIBUTION, Kind.CLAIM),
    LinkKind.QUALIFIES: (Kind.HEDGE, Kind.CLAIM),
    LinkKind.VIA: (Kind.ATTRIBUTION, Kind.ATTRIBUTION),
}

_LINK_ENDS_SQL = " OR ".join(
    f"(NEW.kind = '{link}' AND from_kind = '{a}' AND to_kind = '{b}')"
    for link, (a, b) in LINK_ENDS.items()
)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Link(models.Model):
    """A typed edge between two annotations of the same article."""

    from_annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="links_out"
    )
    to_annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_annotation", "to_annotation"], name="link_unique_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_annotation=models.F("to_annotation")),
                name="link_not_to_itself",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=LinkKind.values), name="link_kind_valid"
            ),
        ]
        triggers = [
            # A CHECK cannot look at other rows, so a trigger enforces that both ends
            # belong to one article and have the kinds the link kind joins.
            pgtrigger.Trigger(
                name="link_ends_valid",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                declare=[
                    ("from_article", "bigint"),
                    ("to_article", "bigint"),
                    ("from_kind", "varchar"),
                    ("to_kind", "varchar"),
                ],
                func=(  # built from constants only
                    "SELECT article_id, kind INTO from_article, from_kind"  # noqa: S608
                    " FROM annotations_annotation WHERE id = NEW.from_annotation_id;"
                    " SELECT article_id, kind INTO to_article, to_kind"
                    " FROM annotations_annotation WHERE id = NEW.to_annotation_id;"
                    " IF from_article IS DISTINCT FROM to_article THEN"
                    " RAISE EXCEPTION 'linked annotations must be in the same article'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    f" IF NOT ({_LINK_ENDS_SQL}) THEN"
                    " RAISE EXCEPTION 'this link kind cannot join these annotation kinds'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.from_annotation_id} {self.kind} {self.to_annotation_id}"
