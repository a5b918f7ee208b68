import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Length

from annotator.annotations.kinds import CLAIM, KINDS, LINKS, kind_choices, link_choices
from annotator.articles.models import Article
from annotator.datetimes import in_range
from annotator.sources.models import Source


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


# The fields that belong to one kind (kinds.KindSpec.fields) and their empty values: on
# every other kind they stay empty (a check per kind below), and a change of kind empties them.
KIND_FIELD_EMPTY = {
    "event": None,
    "claimed_at": None,
    "claimed_precision": "",
    "credibility": None,
    "cited_source": None,
    "hedge_type": "",
}


def _empty(field: str) -> models.Q:
    empty = KIND_FIELD_EMPTY[field]
    return models.Q(**{f"{field}__isnull": True}) if empty is None else models.Q(**{field: empty})


def _kind_field_checks() -> list[models.CheckConstraint]:
    """Database rule: a kind's own fields stay empty on the other kinds."""
    checks = []
    for spec in KINDS.values():
        if spec.fields:
            empty = models.Q()
            for field in spec.fields:
                empty &= _empty(field)
            checks.append(
                models.CheckConstraint(
                    condition=models.Q(kind=spec.name) | empty,
                    name=f"annotation_{spec.name}_fields_only_on_{spec.name}",
                )
            )
    return checks


# Both ends of a link in one article, of the kinds its link kind joins (kinds.LINKS).
_LINK_ENDS_SQL = " OR ".join(
    f"(NEW.kind = '{link.name}' AND from_kind = '{link.source}' AND to_kind = '{link.target}')"
    for link in LINKS.values()
)


# Inserts are recorded per statement, not per row: a dataset import writes thousands of
# rows in one statement (annotations_bulk_create), and one trigger call records them all.
@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # review_decisions reads an article's decided rows; undecided ones need no entry.
    meta={
        "indexes": [
            models.Index(
                fields=["article"],
                condition=models.Q(reviewed_at__isnull=False),
                name="annotationevent_reviewed",
            )
        ]
    },
)
class Annotation(models.Model):
    """A span of an article's text, in Unicode code points: text[start:end] == quote.

    Written only through annotator.annotations.services, which checks the quote.
    """

    # Indexed by annotation_article_start, which begins with it.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="annotations", db_index=False
    )
    kind = models.CharField(max_length=20, choices=kind_choices)
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
        db_index=False,  # a partial index (Meta)
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Claim fields.
    # By name: the events app builds on this one (its analysis reads annotations).
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        db_index=False,  # a partial index (Meta)
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
        Source,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="citations",
        db_index=False,  # a partial index (Meta)
    )
    # Hedge fields.
    hedge_type = models.CharField(max_length=20, choices=HedgeType.choices, blank=True)

    class Meta:
        ordering = ["start", "-end", "pk"]
        indexes = [
            models.Index(fields=["article", "start"], name="annotation_article_start"),
            # Most spans have no event, cited source or reviewer: partial indexes spare
            # each such row an entry (a bulk import's 100,000 spans), and still serve
            # `event_id = …` (it implies NOT NULL) and the deletes that follow the keys.
            *(
                models.Index(
                    fields=[name], condition=models.Q(**{f"{name}__isnull": False}), name=index
                )
                for name, index in [
                    ("event", "annotation_event"),
                    ("cited_source", "annotation_cited_source"),
                    ("reviewed_by", "annotation_reviewed_by"),
                ]
            ),
        ]
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
                condition=models.Q(kind__in=list(KINDS)), name="annotation_kind_valid"
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
            # Python cannot read back what lies outside this range (annotator/datetimes.py).
            models.CheckConstraint(
                condition=in_range("claimed_at", null=True), name="annotation_claimed_at_in_range"
            ),
            models.CheckConstraint(
                condition=in_range("reviewed_at", null=True),
                name="annotation_reviewed_at_in_range",
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
            *_kind_field_checks(),
            # One person marks one passage as one kind once: no twins (suggestions, with no
            # author, and rejected spans aside).
            models.UniqueConstraint(
                fields=["article", "kind", "start", "end", "created_by"],
                condition=~models.Q(status__in=["rejected", "suggested"]),
                name="annotation_one_span_per_author",
            ),
        ]

        triggers = [
            # Checks cannot look at other tables: an annotation's event and cited source
            # belong to its article's project.
            pgtrigger.Trigger(
                name="annotation_refs_in_project",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("event_id", "cited_source_id"),
                # Most spans have neither: the WHEN spares them the function call (a bulk
                # import's 100,000 spans, 2 s).
                condition=pgtrigger.Condition(
                    "NEW.event_id IS NOT NULL OR NEW.cited_source_id IS NOT NULL"
                ),
                declare=[("project", "bigint")],
                func=(
                    "SELECT project_id INTO project FROM articles_article"
                    " WHERE id = NEW.article_id;"
                    " IF NEW.event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events_event"
                    " WHERE id = NEW.event_id AND project_id = project) THEN"
                    " RAISE EXCEPTION 'the event belongs to another project'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " IF NEW.cited_source_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
                    " sources_source WHERE id = NEW.cited_source_id AND project_id = project)"
                    " THEN RAISE EXCEPTION 'the cited source belongs to another project'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
            # Same / contradicts relations hold between claims of one event: a claim that
            # leaves its event, or stops being a claim, leaves its relations behind.
            pgtrigger.Trigger(
                name="annotation_relations_follow_event",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("event_id", "kind"),
                condition=pgtrigger.Condition(
                    f"OLD.event_id IS DISTINCT FROM NEW.event_id OR NEW.kind <> '{CLAIM}'"
                ),
                func=(
                    "DELETE FROM events_claimrelation"
                    " WHERE claim_a_id = NEW.id OR claim_b_id = NEW.id; RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.start}-{self.end}: {self.quote[:40]}"


# Inserts are recorded per statement, not per row: a dataset import writes thousands of
# rows in one statement (annotations_bulk_create), and one trigger call records them all.
@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
class Link(models.Model):
    """A typed edge between two annotations of the same article."""

    from_annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="links_out"
    )
    to_annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=link_choices)
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
                condition=models.Q(kind__in=list(LINKS)), name="link_kind_valid"
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
