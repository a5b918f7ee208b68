"""Running a project: create it, change its settings, archive, unarchive and delete it.
Keyword-only functions, one transaction each; everything but creating is for owners
(role_check), and only unarchiving and deleting work in an archived project."""

import re
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from annotator.annotations.models import HedgeType
from annotator.articles.models import BatchStatus, ImportBatch
from annotator.exports.formats import FORMATS
from annotator.exports.models import DatasetImport, ExportJob, JobStatus
from annotator.exports.tasks import export_dir
from annotator.projects.access import may_create_projects, role_check
from annotator.projects.models import Membership, Project, Role
from annotator.suggestions.suggesters import ATTRIBUTIONS, CLAIMS, DATES, HEDGES
from annotator.suggestions.tasks import claim_ranker_enqueue

NAME_MAX = 200
SLUG_MAX = Project._meta.get_field("slug").max_length
DESCRIPTION_MAX = 5_000
GUIDELINES_MAX = 200_000
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FALLBACK_SLUG = "project"  # a name with nothing to transliterate (emoji, punctuation)

# The suggesters an owner can turn off, as the settings page names them.
SUGGESTERS = {
    HEDGES: "Hedge cues (“reportedly”, “may”)",
    ATTRIBUTIONS: "Attributions (“officials said”)",
    DATES: "Claim times (dates in the text)",
    CLAIMS: "Claims (sentences that read like claims)",
}
SETTINGS = (
    "name",
    "description",
    "guidelines",
    "hedge_types",
    "suggesters_off",
    "claim_ranker_on",
    "export_formats",
    "export_include_all",
)


class ProjectError(ValueError):
    """The change does not fit the rules; the message says why, for the user, and `field`
    which input it is about (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Creating ------------------------------------------------------------------------------


def project_slug_propose(*, name: str) -> str:
    """A free slug for `name`: transliterated (Arabic too), numbered when taken
    ("project", "project-2", …)."""
    # Imported here, not at start-up: python-slugify reads text-unidecode's 1.3 MB table.
    from slugify import slugify

    base = slugify(name, max_length=SLUG_MAX - 4, word_boundary=True) or FALLBACK_SLUG
    taken = set(
        Project.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$").values_list(
            "slug", flat=True
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def project_create(*, user, name: str, slug: str = "", description: str = "", guidelines: str = ""):
    """A new project owned by `user`. An empty slug is proposed from the name; a slug given
    must be free."""
    if not may_create_projects(user):
        raise PermissionDenied("Only staff create projects on this site.")
    name = _name_clean(name)
    description, guidelines = _text_clean(description, guidelines)
    slug = slug.strip()
    if slug:
        _slug_check(slug)
    for _attempt in range(3):  # someone may take a proposed slug meanwhile
        chosen = slug or project_slug_propose(name=name)
        try:
            with transaction.atomic():
                project = Project.objects.create(
                    name=name,
                    slug=chosen,
                    description=description,
                    guidelines=guidelines,
                    guidelines_updated_at=timezone.now() if guidelines else None,
                    created_by=user,
                )
                Membership.objects.create(project=project, user=user, role=Role.OWNER)
            return project
        except IntegrityError:
            if slug:
                break
    raise ProjectError(_slug_taken(slug or chosen), field="slug")


def _name_clean(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ProjectError("A project needs a name.", field="name")
    if len(name) > NAME_MAX:
        raise ProjectError(f"A name has at most {NAME_MAX} characters.", field="name")
    return name


def _text_clean(description: str, guidelines: str) -> tuple[str, str]:
    description, guidelines = str(description).strip(), str(guidelines).strip()
    if len(description) > DESCRIPTION_MAX:
        raise ProjectError(
            f"A description has at most {DESCRIPTION_MAX:,} characters.", field="description"
        )
    if len(guidelines) > GUIDELINES_MAX:
        raise ProjectError(
            f"The guidelines have at most {GUIDELINES_MAX:,} characters.", field="guidelines"
        )
    return description, guidelines


def _slug_check(slug: str) -> None:
    if len(slug) > SLUG_MAX or not SLUG.match(slug):
        raise ProjectError(
            f"A slug is lowercase letters, digits and single hyphens, at most {SLUG_MAX} "
            "characters (e.g. gaza-reports); leave it empty to have one proposed.",
            field="slug",
        )
    if Project.objects.filter(slug=slug).exists():
        raise ProjectError(_slug_taken(slug), field="slug")


def _slug_taken(slug: str) -> str:
    return f"The slug “{slug}” is taken: choose another (e.g. {project_slug_propose(name=slug)})."


# Settings ------------------------------------------------------------------------------


def project_settings_update(*, user, project: Project, **changes) -> Project:
    """Change the project's settings (SETTINGS); the lists are checked against the
    registries of the apps that use them. New guidelines text marks them updated."""
    role_check(
        user=user, project_id=project.pk, minimum=Role.OWNER, doing="change the project settings"
    )
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise ProjectError(f"There is no setting {', '.join(sorted(unknown))}.")
    cleaned = _settings_clean(project, changes)
    changed = [field for field, value in cleaned.items() if getattr(project, field) != value]
    if "guidelines" in changed:
        cleaned["guidelines_updated_at"] = timezone.now()
        changed.append("guidelines_updated_at")
    for field in changed:
        setattr(project, field, cleaned[field])
    if changed:
        with transaction.atomic():
            project.save(update_fields=changed)
            if "claim_ranker_on" in changed and project.claim_ranker_on:
                # Switched back on: trained afresh, which also scores the claims
                # suggested while it was off.
                claim_ranker_enqueue(project)
    return project


def _settings_clean(project: Project, changes: dict) -> dict:
    cleaned = {}
    if "name" in changes:
        cleaned["name"] = _name_clean(changes["name"])
    if "description" in changes or "guidelines" in changes:
        description, guidelines = _text_clean(
            changes.get("description", project.description),
            changes.get("guidelines", project.guidelines),
        )
        cleaned |= {
            key: value
            for key, value in (("description", description), ("guidelines", guidelines))
            if key in changes
        }
    choices = {
        "hedge_types": (HedgeType.values, "hedge type"),
        "suggesters_off": (list(SUGGESTERS), "suggester"),
        "export_formats": (list(FORMATS), "export format"),
    }
    for field, (known, what) in choices.items():
        if field in changes:
            cleaned[field] = _choices_clean(changes[field], known, what, field)
    for field in ("claim_ranker_on", "export_include_all"):
        if field in changes:
            if not isinstance(changes[field], bool):
                raise ProjectError(f"{field} is true or false.", field=field)
            cleaned[field] = changes[field]
    return cleaned


def _choices_clean(values, known: list[str], what: str, field: str) -> list[str]:
    """The values in the registry's order, once each; an unknown one is refused by name."""
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ProjectError(f"{field} is a list of names.", field=field)
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ProjectError(
            f"Unknown {what} “{unknown[0]}”: choose from {', '.join(known)}.", field=field
        )
    return [v for v in known if v in values]


# Archive, unarchive, delete ------------------------------------------------------------


def project_archive(*, user, project: Project) -> Project:
    """Make the project read-only and leave it out of the project list; archiving an
    archived project changes nothing. Not while its imports or exports run: their tasks
    would write into a read-only project."""
    role_check(
        user=user,
        project_id=project.pk,
        minimum=Role.OWNER,
        doing="archive the project",
        archived_ok=True,
    )
    with transaction.atomic():
        # Locked: an upload queued meanwhile waits (its batch row takes a key share of
        # the project row) and then meets the archived project, rather than slipping in.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        if project.archived_at is None:
            _nothing_running_check(project, "archive")
            project.archived_at = timezone.now()
            project.save(update_fields=["archived_at"])
    return project


def project_unarchive(*, user, project: Project) -> Project:
    role_check(
        user=user,
        project_id=project.pk,
        minimum=Role.OWNER,
        doing="unarchive the project",
        archived_ok=True,
    )
    if project.archived_at is not None:
        project.archived_at = None
        project.save(update_fields=["archived_at"])
    return project


def project_delete(*, user, project: Project, confirm_slug: str) -> None:
    """Delete the project and everything in it (the database cascades), once the owner
    typed its slug and no import or export of it is under way."""
    role_check(
        user=user,
        project_id=project.pk,
        minimum=Role.OWNER,
        doing="delete the project",
        archived_ok=True,
    )
    if str(confirm_slug).strip() != project.slug:
        raise ProjectError(
            f"Type the project's slug, “{project.slug}”, to delete it.", field="confirm_slug"
        )
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        _nothing_running_check(project, "delete")
        files = [
            export_dir() / Path(path).name
            for path in ExportJob.objects.filter(project=project)
            .exclude(path="")
            .values_list("path", flat=True)
        ]
        project.delete()
    transaction.on_commit(lambda: [file.unlink(missing_ok=True) for file in files])


def _nothing_running_check(project: Project, doing: str) -> None:
    """Deleting under a running import or export would leave its task without rows, and
    archiving would have it write into a read-only project."""
    then = f"then {doing} the project."
    working = [BatchStatus.QUEUED, BatchStatus.RUNNING]
    batch = ImportBatch.objects.filter(project=project, status__in=working).first()
    if batch is not None:
        raise ProjectError(
            f"Import #{batch.pk} of this project is still running: wait until it is done "
            f"(if its worker stopped, resume it on its page), {then}"
        )
    running = Q(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    if ExportJob.objects.filter(running, project=project).exists():
        raise ProjectError(
            f"An export of this project is being prepared: wait until it is ready or has "
            f"failed, {then}"
        )
    if DatasetImport.objects.filter(running, project=project).exists():
        raise ProjectError(f"A dataset import into this project is running: wait, {then}")
