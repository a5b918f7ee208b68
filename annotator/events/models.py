import pghistory
import pgtrigger
from django.conf import settings
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


class RelationKind(models.TextChoices):
    SAME = "same", "same assertion"
    CONTRADICTS = "contradicts", "contradicts"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ClaimRelation(models.Model):
    """Two claims of one event that make the same assertion, or contradict each other.

    Unordered: stored with the smaller annotation id first, so each pair appears once.
    """

    claim_a = models.ForeignKey(
        "annotations.Annotation", on_delete=models.CASCADE, related_name="relations_as_a"
    )
    claim_b = models.ForeignKey(
        "annotations.Annotation", on_delete=models.CASCADE, related_name="relations_as_b"
    )
    kind = models.CharField(max_length=20, choices=RelationKind.choices)
    note = models.TextField(blank=True)
    # What a "contradicts" found different, as matching proposed and a person accepted:
    # [{"facet": "quantity", "a": "10 km", "b": "12 km"}], a and b as claim_a and claim_b say.
    differences = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claim_a__lt=models.F("claim_b")), name="relation_pair_ordered"
            ),
            models.UniqueConstraint(fields=["claim_a", "claim_b"], name="relation_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(kind__in=RelationKind.values), name="relation_kind_valid"
            ),
        ]
        triggers = [
            # Both ends must be claims of the same event (a CHECK cannot see other rows).
            pgtrigger.Trigger(
                name="relation_claims_share_event",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                declare=[("event_a", "bigint"), ("event_b", "bigint"), ("kinds", "integer")],
                func=(
                    "SELECT count(*) INTO kinds FROM annotations_annotation"
                    " WHERE id IN (NEW.claim_a_id, NEW.claim_b_id) AND kind = 'claim';"
                    " SELECT event_id INTO event_a FROM annotations_annotation"
                    " WHERE id = NEW.claim_a_id;"
                    " SELECT event_id INTO event_b FROM annotations_annotation"
                    " WHERE id = NEW.claim_b_id;"
                    " IF kinds <> 2 OR event_a IS NULL OR event_a IS DISTINCT FROM event_b THEN"
                    " RAISE EXCEPTION 'related claims must be claims of the same event'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF;"
                    " RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.claim_a_id} {self.kind} {self.claim_b_id}"
