import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now


class Role(models.TextChoices):
    # Ordered from least to most rights; see Membership.has_role().
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    OWNER = "owner", "Owner"


ROLE_RANK = {Role.ANNOTATOR: 1, Role.REVIEWER: 2, Role.OWNER: 3}


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Annotation guidelines, in Markdown.")
    # Members who opened the guidelines before this moment see them marked "updated".
    guidelines_updated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # An archived project is read-only and left out of the project list unless asked for.
    archived_at = models.DateTimeField(null=True, blank=True)

    # Settings. The apps built on projects own the meaning of these values (this app cannot
    # import them): hedge_types are HedgeType values (annotations), suggesters_off the
    # suggester names (suggestions), export_formats the export format keys (exports).
    hedge_types = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        help_text="Hedge types offered in the panel; empty offers them all.",
    )
    suggesters_off = ArrayField(
        models.CharField(max_length=30),
        default=list,
        blank=True,
        help_text="Suggesters that do not run in this project.",
    )
    claim_ranker_on = models.BooleanField(
        default=True, help_text="Order claim suggestions by what this project accepts."
    )
    export_formats = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        help_text="Formats ticked on the export page; empty ticks JSONL.",
    )
    export_include_all = models.BooleanField(
        default=False, help_text="Export every annotation with its status, not approved only."
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="project_name_not_empty"),
            models.CheckConstraint(condition=~models.Q(slug=""), name="project_slug_not_empty"),
        ]

    def __str__(self):
        return self.name


# Who added, promoted or removed whom, and when: the history the members page shows
# (pghistory's middleware records the acting user as context). Opening the guidelines
# changes no membership: that update is not recorded.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude=["guidelines_seen_at"])),
    pghistory.DeleteEvent(),
    meta={"indexes": [models.Index(fields=["project"], name="membershipevent_project")]},
)
class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(auto_now_add=True)
    # When this member last opened the guidelines (see Project.guidelines_updated_at).
    guidelines_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]
        triggers = [
            # A project keeps an owner. Checked at commit, so that deleting the project (its
            # memberships go with it) or a person's account (staff's choice) still works.
            pgtrigger.Trigger(
                name="membership_keeps_an_owner",
                when=pgtrigger.After,
                operation=pgtrigger.Update | pgtrigger.Delete,
                timing=pgtrigger.Deferred,
                condition=pgtrigger.Q(old__role="owner"),
                func=(
                    "IF EXISTS (SELECT 1 FROM projects_project p WHERE p.id = OLD.project_id)"
                    " AND EXISTS (SELECT 1 FROM auth_user u WHERE u.id = OLD.user_id)"
                    " AND NOT EXISTS (SELECT 1 FROM projects_membership m"
                    " WHERE m.project_id = OLD.project_id AND m.role = 'owner') THEN"
                    " RAISE EXCEPTION 'a project keeps at least one owner'"
                    " USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum]


class Invite(models.Model):
    """A one-time link by which someone without an account joins a project with `role`.
    Only the key's SHA-256 is stored; the link is shown once, to the owner who made it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANNOTATOR)
    key_sha256 = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=200, blank=True, help_text="Whom it is for.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="invites_made"
    )
    created_at = models.DateTimeField(db_default=Now())
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invites_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invite_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(key_sha256__regex=r"^[0-9a-f]{64}$"), name="invite_sha256_hex"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invite_expires_after_creation",
            ),
            # Used once: accepted by someone at some moment, or not at all.
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True, accepted_by__isnull=True)
                | models.Q(accepted_at__isnull=False),
                name="invite_accepted_consistent",
            ),
        ]

    def __str__(self):
        return f"invite to {self.project} as {self.role}"
