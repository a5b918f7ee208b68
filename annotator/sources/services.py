"""Writes for the source registry: reliability assessments, edits and merges."""

import pghistory
from django.db import transaction
from django.utils import timezone

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.sources.models import Grade, ReliabilityAssessment, Source, SourceMerge

EDITABLE = ("name", "other_names", "kind", "country", "language", "domain", "affiliation_note")


class SourceError(ValueError):
    """The change does not fit the rules; the message says why, for the user."""


def assessment_create(
    *, source: Source, grade: str, rationale: str, user, assessed_at=None
) -> ReliabilityAssessment:
    """Add a grading. Earlier ones stay: the newest is the current grade."""
    if grade not in Grade.values:
        raise SourceError("Choose a grade from A to F.")
    if not rationale.strip():
        raise SourceError("Say why: a grade needs a rationale.")
    with transaction.atomic(), pghistory.context(user=user.pk):
        return ReliabilityAssessment.objects.create(
            source=source,
            grade=grade,
            rationale=rationale.strip(),
            assessed_by=user,
            assessed_at=assessed_at or timezone.now(),
        )


def source_update(*, source: Source, **fields) -> Source:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise SourceError(f"Cannot change {', '.join(sorted(unknown))}.")
    name = fields.get("name", source.name).strip()
    if not name:
        raise SourceError("A source needs a name.")
    if Source.objects.filter(project=source.project_id, name=name).exclude(pk=source.pk).exists():
        raise SourceError(f"Another source is already called “{name}”: merge them instead.")
    for field, value in {**fields, "name": name}.items():
        setattr(source, field, value)
    source.save()
    return source


def source_merge(*, source: Source, into: Source, user) -> SourceMerge:
    """Merge `source` into `into`: its articles, citations and assessment history move
    over, its names become other names of `into`, and the merge is recorded."""
    if source.pk == into.pk:
        raise SourceError("A source cannot be merged into itself.")
    if source.project_id != into.project_id:
        raise SourceError("Sources of different projects cannot be merged.")
    with transaction.atomic(), pghistory.context(user=user.pk, merged_source=source.pk):
        articles = Article.objects.filter(outlet=source).update(outlet=into)
        citations = Annotation.objects.filter(cited_source=source).update(cited_source=into)
        assessments = ReliabilityAssessment.objects.filter(source=source).update(source=into)
        names = [
            n for n in [source.name, *source.other_names] if n not in (into.name, *into.other_names)
        ]
        into.other_names = [*into.other_names, *dict.fromkeys(names)]
        if not into.domain:
            into.domain = source.domain
        into.save(update_fields=["other_names", "domain"])
        merge = SourceMerge.objects.create(
            into=into,
            merged_name=source.name,
            merged_other_names=source.other_names,
            merged_domain=source.domain,
            articles_moved=articles,
            citations_moved=citations,
            assessments_moved=assessments,
            merged_by=user,
        )
        source.delete()
    return merge
