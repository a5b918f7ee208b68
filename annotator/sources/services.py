"""Writes for the source registry: finding or adding a source, reliability assessments,
edits and merges. Keyword-only functions, one transaction each; changing the registry is
for reviewers and owners (role_check), adding a source by naming it is for any member."""

from dataclasses import dataclass, field

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotator.datetimes import datetime_problem
from annotator.projects.access import role_check, writable_check
from annotator.projects.models import Role
from annotator.sources.identity import source_key
from annotator.sources.models import Grade, ReliabilityAssessment, Source, SourceKind, SourceMerge
from annotator.sources.queries import SourceMatch, source_looks_like

EDITABLE = ("name", "aliases", "kind", "country", "language", "domain", "affiliation_note")
NAME_MAX = 200


class SourceError(ValueError):
    """The change does not fit the rules; the message says why, for the user."""


class SourceLooksLike(SourceError):
    """A new source would likely duplicate an existing one; the caller asks the person."""

    def __init__(self, name: str, match: SourceMatch):
        super().__init__(
            f"“{name}” looks like the existing source “{match.source.name}”: use it, add "
            "the new spelling as its alias, or create a new source anyway."
        )
        self.name, self.match = name, match


@dataclass
class SourceMatcher:
    """The project's sources, loaded once (e.g. per import batch), found by name or alias
    (through their match keys: "al-Watan" finds "Al Watan") or by web domain."""

    project: object
    by_key: dict = field(default_factory=dict)
    by_domain: dict = field(default_factory=dict)

    def __post_init__(self):
        for source in Source.objects.filter(project=self.project).order_by("pk"):
            for key in source.match_keys:
                self.by_key.setdefault(key, source)
            if source.domain:
                self.by_domain.setdefault(source.domain.lower().removeprefix("www."), source)

    def match(self, name: str = "", domain: str = "") -> Source | None:
        key = source_key(name) if name else ""
        if key and key in self.by_key:
            return self.by_key[key]
        domain = domain.lower().removeprefix("www.")
        while domain.count(".") >= 1:  # news.example.org, then example.org
            if domain in self.by_domain:
                return self.by_domain[domain]
            domain = domain.split(".", 1)[1]
        return None


def source_get_or_create(
    *,
    project,
    name: str,
    kind: str = SourceKind.OUTLET,
    domain: str = "",
    ask: bool = False,
    force: bool = False,
) -> Source | None:
    """The project's source called `name`: by its name or an alias (any case), or, unless
    `force`, by the same name spelled otherwise (the match key) or its domain; created with
    `kind` if there is none. With ask=True a likely duplicate (another spelling, a close
    one) raises SourceLooksLike instead, for the person to decide; imports do not ask. A
    blank name: None."""
    name = " ".join(name.split())[:NAME_MAX]
    if not name:
        return None
    folded = name.casefold()
    for source in Source.objects.filter(project=project, match_keys__contains=[source_key(name)]):
        if folded in (n.casefold() for n in [source.name, *source.aliases]):
            return source  # its name or alias exactly
    if not force:
        if ask:
            match = source_looks_like(project, name)
            if match is not None:
                raise SourceLooksLike(name, match)
        found = SourceMatcher(project).match(name, domain)
        if found:
            return found
    writable_check(project)
    with transaction.atomic():
        source, _created = Source.objects.get_or_create(
            project=project, name=name, defaults={"kind": kind, "domain": domain[:253]}
        )
    return source


def source_create(
    *,
    project,
    name: str,
    aliases=(),
    kind: str = SourceKind.OUTLET,
    country: str = "",
    language: str = "",
    domain: str = "",
    affiliation_note: str = "",
    ask: bool = False,
) -> Source:
    """A new source with all its fields, kept as given (the dataset import brings them).
    With ask=True (people, the API), SourceLooksLike when it would likely duplicate one."""
    writable_check(project)
    if not name.strip():
        raise SourceError("A source needs a name.")
    if len(name) > NAME_MAX or any(len(alias) > NAME_MAX for alias in aliases):
        raise SourceError(f"A source's name and aliases have at most {NAME_MAX} characters.")
    if kind not in SourceKind.values:
        raise SourceError(f"Unknown kind of source {kind!r}.")
    fields = {"country": country, "language": language, "affiliation_note": affiliation_note}
    _source_check(Source(project=project, name=name, aliases=list(aliases), kind=kind, **fields))
    if Source.objects.filter(project=project, name=name).exists():
        raise SourceError(f"A source is already called “{name}”.")
    if ask:
        for spelling in [name, *aliases]:
            match = source_looks_like(project, spelling)
            if match is not None:
                raise SourceLooksLike(spelling, match)
    with transaction.atomic():
        return Source.objects.create(
            project=project,
            name=name,
            aliases=list(aliases),
            kind=kind,
            country=country,
            language=language,
            domain=domain[:253],
            affiliation_note=affiliation_note,
        )


def source_alias_add(*, source: Source, alias: str, user) -> Source:
    """Another spelling of the source ("Al-Watan" for "al-Watan", "تسنيم" for "Tasnim"):
    found by it from now on. Any member may add one, as they may add a source."""
    role_check(user=user, project_id=source.project_id, minimum=Role.ANNOTATOR, doing="do that")
    alias = " ".join(alias.split())[:NAME_MAX]
    if alias and alias != source.name and alias not in source.aliases:
        with transaction.atomic():
            source.aliases = [*source.aliases, alias]
            source.save(update_fields=["aliases"])
    return source


def assessment_create(
    *,
    source: Source,
    grade: str,
    rationale: str,
    user,
    assessed_by=None,
    assessed_at=None,
) -> ReliabilityAssessment:
    """Add a grading by `user` (a reviewer or owner). Earlier ones stay: the newest is the
    current grade. `assessed_by` and `assessed_at` record someone else's grading at its
    time (an imported dataset's history); by default it is `user`'s, now."""
    role_check(
        user=user, project_id=source.project_id, minimum=Role.REVIEWER, doing="grade sources"
    )
    if grade not in Grade.values:
        raise SourceError("Choose a grade from A to F.")
    if not rationale.strip():
        raise SourceError("Say why: a grade needs a rationale.")
    if problem := datetime_problem(assessed_at, "The grading's date"):
        raise SourceError(problem)
    with transaction.atomic(), pghistory.context(user=user.pk):
        return ReliabilityAssessment.objects.create(
            source=source,
            grade=grade,
            rationale=rationale.strip(),
            assessed_by=assessed_by or user,
            assessed_at=assessed_at or timezone.now(),
        )


def source_update(*, source: Source, user, **fields) -> Source:
    role_check(
        user=user,
        project_id=source.project_id,
        minimum=Role.REVIEWER,
        doing="change the source registry",
    )
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise SourceError(f"Cannot change {', '.join(sorted(unknown))}.")
    name = " ".join(fields.get("name", source.name).split())
    if not name:
        raise SourceError("A source needs a name.")
    if Source.objects.filter(project=source.project_id, name=name).exclude(pk=source.pk).exists():
        raise SourceError(f"Another source is already called “{name}”: merge them instead.")
    for name_, value in {**fields, "name": name}.items():
        setattr(source, name_, value)
    _source_check(source)
    with transaction.atomic():
        source.save()
    return source


def _source_check(source: Source) -> None:
    """The model's own limits (lengths, kinds), as a refusal people can read."""
    try:
        source.clean_fields(exclude=[f.name for f in Source._meta.fields if f.name not in EDITABLE])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        label = Source._meta.get_field(field).verbose_name.capitalize()
        raise SourceError(f"{label}: {messages[0]}") from error


def source_merge(*, source: Source, into: Source, user) -> SourceMerge:
    """Merge `source` into `into`: everything that points at it (articles, citations,
    assessment history, earlier merges) moves over, its names become other names of
    `into`, and the merge is recorded."""
    role_check(user=user, project_id=into.project_id, minimum=Role.REVIEWER, doing="merge sources")
    if source.pk == into.pk:
        raise SourceError("A source cannot be merged into itself.")
    if source.project_id != into.project_id:
        raise SourceError("Sources of different projects cannot be merged.")
    with transaction.atomic(), pghistory.context(user=user.pk, merged_source=source.pk):
        moved = _references_move(source, into)
        names = [n for n in [source.name, *source.aliases] if n not in (into.name, *into.aliases)]
        into.aliases = [*into.aliases, *dict.fromkeys(names)]
        if not into.domain:
            into.domain = source.domain
        into.save(update_fields=["aliases", "domain"])
        merge = SourceMerge.objects.create(
            into=into,
            merged_name=source.name,
            merged_aliases=source.aliases,
            merged_domain=source.domain,
            articles_moved=moved.get("articles.Article", 0),
            citations_moved=moved.get("annotations.Annotation", 0),
            assessments_moved=moved.get("sources.ReliabilityAssessment", 0),
            merged_by=user,
        )
        source.delete()
    return merge


def _references_move(source: Source, into: Source) -> dict[str, int]:
    """Point every foreign key to `source` at `into`; rows moved per model ("app.Model").
    Found through the model's relations, so the registry needs no list of the apps that
    refer to sources (they build on it)."""
    moved = {}
    for relation in Source._meta.related_objects:
        if relation.many_to_many or relation.field.model is SourceMerge:
            continue
        rows = relation.related_model._base_manager.filter(**{relation.field.name: source})
        count = rows.update(**{relation.field.name: into})
        label = relation.related_model._meta.label
        moved[label] = moved.get(label, 0) + count
    SourceMerge.objects.filter(into=source).update(into=into)  # earlier merges come along
    return moved
