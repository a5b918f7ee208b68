"""Running the suggesters on an article and storing what they propose as suggestions.

Writes go through annotator.annotations.services (annotation_create, link_create), so
quotes are checked and history is kept. The suggesters themselves are pure
(engine.py); here is only what the article holds already and what to store.
"""

from dataclasses import dataclass, field

import regex
from django.db import transaction

from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE, link_between
from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import annotation_create, link_create
from annotator.articles.models import Article
from annotator.projects.models import Project
from annotator.sources.models import Source
from annotator.suggestions import ranker
from annotator.suggestions.attributions import SourceRef
from annotator.suggestions.engine import Suggestion, suggest
from annotator.suggestions.models import (
    DateSuggestion,
    RuleSetting,
    SuggestionDecision,
    SuggestionKind,
)

ARABIC_LETTER = regex.compile(r"\p{Arabic}")
LATIN_LETTER = regex.compile(r"\p{Latin}")


@dataclass
class RunResult:
    created: dict = field(default_factory=dict)  # kind → count
    links: int = 0
    skipped_decided: int = 0  # people decided on this span before (rejected ones stay away)
    skipped_existing: int = 0  # an annotation of that kind already covers it

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "links": self.links,
            "skipped_decided": self.skipped_decided,
            "skipped_existing": self.skipped_existing,
        }


def article_language(article: Article) -> str:
    """The article's language, or a guess from its script when the field is empty."""
    if article.language:
        return article.language
    arabic = len(ARABIC_LETTER.findall(article.text[:5000]))
    return "ar" if arabic > len(LATIN_LETTER.findall(article.text[:5000])) else "en"


def disabled_rules(project) -> set[str]:
    return set(
        RuleSetting.objects.filter(project=project, enabled=False).values_list("rule", flat=True)
    )


def suggesters_off(project_id: int) -> set[str]:
    """The suggesters the project's settings switch off (Project.suggesters_off)."""
    return set(Project.objects.values_list("suggesters_off", flat=True).get(pk=project_id))


def suggestions_run(*, article: Article, user=None) -> RunResult:
    """Store the suggesters' proposals for `article` as suggestions.

    Never duplicates an annotation or suggestion of the same kind and span, never proposes
    a span that overlaps a person's annotation of the same kind, and never brings back a
    span people already decided on (rejected suggestions stay rejected).
    """
    sources = {s.pk: s for s in Source.objects.filter(project_id=article.project_id)}
    found = suggest(
        article.text,
        article_language(article),
        article.published_at,
        [SourceRef(s.pk, (s.name, *s.aliases)) for s in sources.values()],
        disabled_rules(article.project_id),
    )
    # A suggester switched off in the project's settings proposes nothing; the engine still
    # reads what it finds (a claim's features are its attributions and dates), so the
    # others' suggestions do not change with it.
    off = suggesters_off(article.project_id)
    found = [suggestion for suggestion in found if suggestion.suggester not in off]
    result = RunResult()
    with transaction.atomic():
        # One run at a time per article, so two runs cannot create the same suggestion.
        article = Article.objects.select_for_update().get(pk=article.pk)
        state = _ArticleState(article, sources)
        claims = _store_claims(article, found, state, result)
        pending_claims = [c for c in claims.values() if c.status == Status.SUGGESTED]
        ranker.claim_candidates_score(project_id=article.project_id, annotations=pending_claims)
        for suggestion in found:
            if suggestion.kind in (HEDGE, ATTRIBUTION):
                _store_span(article, suggestion, claims, state, result, user)
        for suggestion in found:
            if suggestion.kind == SuggestionKind.DATE:
                _store_date(article, suggestion, claims, state, result)
    return result


class _ArticleState:
    """What the article holds already: annotations, decided spans, pending date suggestions."""

    def __init__(self, article: Article, sources: dict):
        self.sources = sources
        self.annotations = list(Annotation.objects.filter(article=article))
        self.spans = {(a.kind, a.start, a.end): a for a in self.annotations}
        self.decided = set(
            SuggestionDecision.objects.filter(article=article).values_list("kind", "start", "end")
        )
        self.dates = set(DateSuggestion.objects.filter(article=article).values_list("start", "end"))

    def people_s(self, kind: str, start: int, end: int) -> list[Annotation]:
        """Annotations by people (not suggestions) of `kind` overlapping start–end."""
        return [
            a
            for a in self.annotations
            if a.kind == kind and a.status != Status.SUGGESTED and a.start < end and start < a.end
        ]


def _fields(suggestion: Suggestion, state: "_ArticleState") -> dict:
    fields = {
        "suggested_by": suggestion.suggester,
        "suggestion_rule": suggestion.rule,
        "confidence": suggestion.confidence,
    }
    if suggestion.kind == HEDGE:
        fields["hedge_type"] = suggestion.hedge_type
    if suggestion.kind == ATTRIBUTION and suggestion.cited_source is not None:
        fields["cited_source"] = state.sources[suggestion.cited_source]
    return fields


def _create(article, suggestion: Suggestion, state: _ArticleState, result: RunResult):
    annotation = annotation_create(
        article=article,
        kind=suggestion.kind,
        start=suggestion.start,
        end=suggestion.end,
        quote=suggestion.quote,
        created_by=None,  # made by the app; accepting makes it the person's
        status=Status.SUGGESTED,
        **_fields(suggestion, state),
    )
    state.annotations.append(annotation)
    state.spans[(suggestion.kind, suggestion.start, suggestion.end)] = annotation
    result.created[suggestion.kind] = result.created.get(suggestion.kind, 0) + 1
    return annotation


def _store_claims(article, found, state: _ArticleState, result: RunResult) -> dict:
    """Claim candidates; returns sentence → the claim (a person's or a suggestion) there."""
    claims = {}
    for suggestion in found:
        if suggestion.kind != CLAIM:
            continue
        people = state.people_s(CLAIM, *suggestion.sentence)
        if people:  # the sentence's claim is marked already: link to it, suggest none
            claims[suggestion.sentence] = people[0]
            result.skipped_existing += 1
            continue
        existing = state.spans.get((CLAIM, suggestion.start, suggestion.end))
        if existing:
            claims[suggestion.sentence] = existing
            result.skipped_existing += 1
        elif (CLAIM, suggestion.start, suggestion.end) in state.decided:
            result.skipped_decided += 1
        else:
            claims[suggestion.sentence] = _create(article, suggestion, state, result)
    # Sentences without a claim candidate may still hold a person's claim.
    for suggestion in found:
        if suggestion.sentence not in claims:
            people = state.people_s(CLAIM, *suggestion.sentence)
            if people:
                claims[suggestion.sentence] = people[0]
    return claims


def _store_span(article, suggestion, claims, state: _ArticleState, result: RunResult, user):
    key = (suggestion.kind, suggestion.start, suggestion.end)
    if key in state.decided:
        result.skipped_decided += 1
        return
    if key in state.spans or state.people_s(suggestion.kind, suggestion.start, suggestion.end):
        result.skipped_existing += 1
        return
    annotation = _create(article, suggestion, state, result)
    claim = claims.get(suggestion.sentence)
    if claim is not None:
        link_create(
            from_annotation=annotation,
            to_annotation=claim,
            kind=link_between(suggestion.kind, CLAIM).name,
            created_by=None,
        )
        result.links += 1


def _store_date(article, suggestion, claims, state: _ArticleState, result: RunResult):
    claim = claims.get(suggestion.sentence)
    if claim is None or claim.claimed_at is not None:
        return  # nothing to date, or the claim has its time already
    if (SuggestionKind.DATE, suggestion.start, suggestion.end) in state.decided:
        result.skipped_decided += 1
        return
    if (suggestion.start, suggestion.end) in state.dates:
        result.skipped_existing += 1
        return
    DateSuggestion.objects.create(
        article=article,
        claim=claim,
        start=suggestion.start,
        end=suggestion.end,
        quote=suggestion.quote,
        claimed_at=suggestion.claimed_at,
        claimed_precision=suggestion.claimed_precision,
        resolution=suggestion.resolution,
        suggested_by=suggestion.suggester,
        suggestion_rule=suggestion.rule,
        confidence=suggestion.confidence,
    )
    state.dates.add((suggestion.start, suggestion.end))
    result.created[SuggestionKind.DATE] = result.created.get(SuggestionKind.DATE, 0) + 1
