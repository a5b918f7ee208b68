"""Running the suggesters on an article and recording what people decide.

Writes go through annotator.annotations.services (annotation_create / annotation_update /
annotation_delete / link_create), so quotes are checked and history is kept. Every
function is keyword-only; permission checks (membership_or_404) belong to the views.

    suggestions_run(*, article, user=None) -> RunResult
    suggestion_accept(*, annotation, user, changes=None, allow_overlap=False) -> Annotation
    suggestion_reject(*, annotation, user) -> SuggestionDecision
    suggestion_accept_all(*, article, kind, user, allow_overlap=False) -> AcceptAllResult
    date_suggestion_accept(*, date_suggestion, user, changes=None) -> Annotation (the claim)
    date_suggestion_reject(*, date_suggestion, user) -> SuggestionDecision
    rule_statistics(*, project) / suggester_statistics(*, project) -> list[RuleStats]
    rule_switch(*, project, rule, enabled, user, reason="") -> RuleSetting
    rules_review(*, project, rules=None) -> list[str]   (automatic switch-off)

Claim decisions also queue the claim ranker's training (tasks.py, ranker.py), whose scores
order pending claim candidates.
"""

from dataclasses import dataclass, field

import regex
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotator.annotations.models import Annotation, Kind, LinkKind, Status
from annotator.annotations.services import (
    annotation_create,
    annotation_delete,
    annotation_update,
    link_create,
)
from annotator.articles.models import Article
from annotator.sources.models import Source
from annotator.suggestions import ranker, tasks
from annotator.suggestions.engine import SUGGESTER_KIND, SourceRef, Suggestion, suggest
from annotator.suggestions.models import (
    DateSuggestion,
    Decision,
    RuleSetting,
    SuggestionDecision,
    SuggestionKind,
)

# A rule is switched off in a project when, over at least SWITCH_OFF_MIN_DECISIONS decisions,
# fewer than SWITCH_OFF_BELOW of its suggestions were accepted (edited ones count as accepted).
SWITCH_OFF_BELOW = getattr(settings, "SUGGESTION_SWITCH_OFF_BELOW", 0.5)
SWITCH_OFF_MIN_DECISIONS = getattr(settings, "SUGGESTION_SWITCH_OFF_MIN_DECISIONS", 10)
LINK_FOR = {Kind.HEDGE: LinkKind.QUALIFIES, Kind.ATTRIBUTION: LinkKind.ATTRIBUTES}
ARABIC_LETTER = regex.compile(r"\p{Arabic}")
LATIN_LETTER = regex.compile(r"\p{Latin}")


class SuggestionError(ValueError):
    """The suggestion cannot be decided (someone decided it already); the message says why."""


class SuggestionOverlap(Exception):
    """Accepting would overlap annotations of the same kind; the UI asks before going on."""

    def __init__(self, overlapping: list[Annotation]):
        super().__init__(
            f"This suggestion overlaps {len(overlapping)} existing annotation(s) of the same kind."
        )
        self.overlapping = overlapping


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


@dataclass
class AcceptAllResult:
    accepted: list = field(default_factory=list)
    skipped_overlapping: list = field(default_factory=list)


@dataclass
class RuleStats:
    suggester: str
    rule: str
    pending: int = 0
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    enabled: bool = True
    reason: str = ""

    @property
    def made(self) -> int:
        return self.pending + self.accepted + self.edited + self.rejected

    @property
    def decided(self) -> int:
        return self.accepted + self.edited + self.rejected

    @property
    def precision(self) -> float | None:
        """Share of decided suggestions that were accepted (as they were or edited)."""
        return (self.accepted + self.edited) / self.decided if self.decided else None


# ---- Running -------------------------------------------------------------------------------


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
        [SourceRef(s.pk, (s.name, *s.other_names)) for s in sources.values()],
        disabled_rules(article.project_id),
    )
    result = RunResult()
    with transaction.atomic():
        # One run at a time per article, so two runs cannot create the same suggestion.
        article = Article.objects.select_for_update().get(pk=article.pk)
        state = _ArticleState(article, sources)
        claims = _store_claims(article, found, state, result)
        pending_claims = [c for c in claims.values() if c.status == Status.SUGGESTED]
        ranker.claim_candidates_score(project_id=article.project_id, annotations=pending_claims)
        for suggestion in found:
            if suggestion.kind in (Kind.HEDGE, Kind.ATTRIBUTION):
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
    if suggestion.kind == Kind.HEDGE:
        fields["hedge_type"] = suggestion.hedge_type
    if suggestion.kind == Kind.ATTRIBUTION and suggestion.cited_source is not None:
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
        if suggestion.kind != Kind.CLAIM:
            continue
        people = state.people_s(Kind.CLAIM, *suggestion.sentence)
        if people:  # the sentence's claim is marked already: link to it, suggest none
            claims[suggestion.sentence] = people[0]
            result.skipped_existing += 1
            continue
        existing = state.spans.get((Kind.CLAIM, suggestion.start, suggestion.end))
        if existing:
            claims[suggestion.sentence] = existing
            result.skipped_existing += 1
        elif (Kind.CLAIM, suggestion.start, suggestion.end) in state.decided:
            result.skipped_decided += 1
        else:
            claims[suggestion.sentence] = _create(article, suggestion, state, result)
    # Sentences without a claim candidate may still hold a person's claim.
    for suggestion in found:
        if suggestion.sentence not in claims:
            people = state.people_s(Kind.CLAIM, *suggestion.sentence)
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
            kind=LINK_FOR[suggestion.kind],
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


# ---- Reading -------------------------------------------------------------------------------


def pending_suggestions(*, article: Article, kind: str | None = None):
    """The article's undecided span suggestions, most confident first. Claim candidates are
    ranked by the project's claim ranker when it is in use (ClaimScore), else by the rules."""
    queryset = Annotation.objects.filter(article=article, status=Status.SUGGESTED)
    if kind:
        queryset = queryset.filter(kind=kind)
    rank = Coalesce("claim_score__score", "confidence")
    return queryset.order_by(rank.desc(nulls_last=True), "start", "pk")


def overlapping_annotations(annotation: Annotation, start=None, end=None) -> list[Annotation]:
    """People's annotations of the same kind that the (possibly edited) span would overlap."""
    start = annotation.start if start is None else start
    end = annotation.end if end is None else end
    return list(
        Annotation.objects.filter(
            article_id=annotation.article_id, kind=annotation.kind, start__lt=end, end__gt=start
        )
        .exclude(pk=annotation.pk)
        .exclude(status=Status.SUGGESTED)
    )


# ---- Deciding ------------------------------------------------------------------------------


def _locked_suggestion(annotation: Annotation) -> Annotation:
    current = (
        Annotation.objects.select_for_update()
        .select_related("article")
        .filter(pk=annotation.pk)
        .first()
    )
    if current is None or current.status != Status.SUGGESTED:
        raise SuggestionError("This suggestion was decided already (reload to see the result).")
    return current


def _decision(annotation: Annotation, decision: str, user, result=None) -> SuggestionDecision:
    return SuggestionDecision.objects.create(
        article_id=annotation.article_id,
        kind=annotation.kind,
        start=annotation.start,
        end=annotation.end,
        quote=annotation.quote,
        suggester=annotation.suggested_by or SUGGESTER_FOR_KIND[annotation.kind],
        rule=annotation.suggestion_rule or f"{annotation.kind}:unknown",
        confidence=annotation.confidence,
        decision=decision,
        annotation=result,
        decided_by=user,
    )


SUGGESTER_FOR_KIND = {kind: suggester for suggester, kind in SUGGESTER_KIND.items()}


def suggestion_accept(
    *, annotation: Annotation, user, changes: dict | None = None, allow_overlap: bool = False
) -> Annotation:
    """Make the suggestion a draft owned by `user`, with `changes` (e.g. a corrected span,
    hedge_type or cited_source) applied; recorded as "edited" when anything changed.

    Raises SuggestionOverlap if the span overlaps a person's annotation of the same kind,
    unless allow_overlap; SuggestionError if it was decided already.
    """
    changes = dict(changes or {})
    with transaction.atomic():
        current = _locked_suggestion(annotation)
        edited = any(_differs(current, name, value) for name, value in changes.items())
        if not allow_overlap:
            overlapping = overlapping_annotations(
                current, changes.get("start", current.start), changes.get("end", current.end)
            )
            if overlapping:
                raise SuggestionOverlap(overlapping)
        decision = _decision(current, Decision.EDITED if edited else Decision.ACCEPTED, user)
        accepted = annotation_update(
            annotation=current,
            version=current.version,
            user=user,
            status=Status.DRAFT,
            created_by=user,
            **changes,
        )
        decision.annotation = accepted
        decision.save(update_fields=["annotation"])
    rules_review(project=current.article.project, rules=[decision.rule])
    if decision.kind == SuggestionKind.CLAIM:
        tasks.claim_ranker_enqueue_if_due(current.article.project, decision)
    return accepted


def _differs(annotation: Annotation, name: str, value) -> bool:
    if name == "cited_source":
        return annotation.cited_source_id != (value.pk if value is not None else None)
    if name == "event":
        return annotation.event_id != (value.pk if value is not None else None)
    return getattr(annotation, name) != value


def suggestion_reject(*, annotation: Annotation, user) -> SuggestionDecision:
    """Drop the suggestion (and its proposed links); it will not be suggested again."""
    with transaction.atomic():
        current = _locked_suggestion(annotation)
        decision = _decision(current, Decision.REJECTED, user)
        annotation_delete(annotation=current, user=user)
    rules_review(project=current.article.project, rules=[decision.rule])
    if decision.kind == SuggestionKind.CLAIM:
        tasks.claim_ranker_enqueue_if_due(current.article.project, decision)
    return decision


def suggestion_accept_all(
    *, article: Article, kind: str, user, allow_overlap: bool = False
) -> AcceptAllResult:
    """Accept every pending suggestion of one kind ("date" included) in the article.

    Suggestions overlapping a person's annotation of the same kind are left pending (listed
    in skipped_overlapping) unless allow_overlap.
    """
    if kind not in SuggestionKind.values:
        raise SuggestionError(f"Unknown suggestion kind {kind!r}.")
    result = AcceptAllResult()
    with transaction.atomic():
        if kind == SuggestionKind.DATE:
            for date_suggestion in DateSuggestion.objects.filter(article=article):
                if DateSuggestion.objects.filter(pk=date_suggestion.pk).exists():
                    result.accepted.append(
                        date_suggestion_accept(date_suggestion=date_suggestion, user=user)
                    )
            return result
        for annotation in pending_suggestions(article=article, kind=kind):
            try:
                result.accepted.append(
                    suggestion_accept(annotation=annotation, user=user, allow_overlap=allow_overlap)
                )
            except SuggestionOverlap:
                result.skipped_overlapping.append(annotation)
    return result


def _locked_date_suggestion(date_suggestion: DateSuggestion) -> DateSuggestion:
    current = (
        DateSuggestion.objects.select_for_update()
        .select_related("article", "claim")
        .filter(pk=date_suggestion.pk)
        .first()
    )
    if current is None:
        raise SuggestionError("This date suggestion was decided already (reload to see it).")
    return current


def _date_decision(current: DateSuggestion, decision: str, user, claim=None):
    return SuggestionDecision.objects.create(
        article_id=current.article_id,
        kind=SuggestionKind.DATE,
        start=current.start,
        end=current.end,
        quote=current.quote,
        suggester=current.suggested_by,
        rule=current.suggestion_rule,
        confidence=current.confidence,
        decision=decision,
        annotation=claim,
        decided_by=user,
    )


def date_suggestion_accept(
    *, date_suggestion: DateSuggestion, user, changes: dict | None = None
) -> Annotation:
    """Give the claim the suggested time (claimed_at, claimed_precision; `changes` may
    correct either). Other pending date suggestions for the same claim are dropped."""
    changes = dict(changes or {})
    with transaction.atomic():
        current = _locked_date_suggestion(date_suggestion)
        values = {
            "claimed_at": current.claimed_at,
            "claimed_precision": current.claimed_precision,
        } | changes
        edited = any(values[name] != getattr(current, name) for name in changes)
        claim = Annotation.objects.select_for_update().get(pk=current.claim_id)
        claim = annotation_update(annotation=claim, version=claim.version, user=user, **values)
        decision = _date_decision(current, Decision.EDITED if edited else Decision.ACCEPTED, user)
        decision.annotation = claim
        decision.save(update_fields=["annotation"])
        DateSuggestion.objects.filter(claim=claim).delete()
    rules_review(project=current.article.project, rules=[current.suggestion_rule])
    return claim


def date_suggestion_reject(*, date_suggestion: DateSuggestion, user) -> SuggestionDecision:
    with transaction.atomic():
        current = _locked_date_suggestion(date_suggestion)
        decision = _date_decision(current, Decision.REJECTED, user)
        current.delete()
    rules_review(project=current.article.project, rules=[current.suggestion_rule])
    return decision


# ---- Learning from decisions ---------------------------------------------------------------


def rule_statistics(*, project) -> list[RuleStats]:
    """Per rule: pending, accepted, edited, rejected, precision; and whether it is on."""
    stats: dict[str, RuleStats] = {}

    def row(suggester: str, rule: str) -> RuleStats:
        return stats.setdefault(rule, RuleStats(suggester=suggester, rule=rule))

    decisions = (
        SuggestionDecision.objects.filter(article__project=project)
        .values("suggester", "rule", "decision")
        .annotate(n=Count("id"))
    )
    for item in decisions:
        entry = row(item["suggester"], item["rule"])
        setattr(entry, item["decision"], getattr(entry, item["decision"]) + item["n"])
    pending = (
        Annotation.objects.filter(article__project=project, status=Status.SUGGESTED)
        .values("suggested_by", "suggestion_rule")
        .annotate(n=Count("id"))
    )
    for item in pending:
        row(item["suggested_by"], item["suggestion_rule"]).pending += item["n"]
    dates = (
        DateSuggestion.objects.filter(article__project=project)
        .values("suggested_by", "suggestion_rule")
        .annotate(n=Count("id"))
    )
    for item in dates:
        row(item["suggested_by"], item["suggestion_rule"]).pending += item["n"]
    for setting in RuleSetting.objects.filter(project=project):
        suggester = _suggester_of_rule(setting.rule)
        entry = row(suggester, setting.rule)
        entry.enabled, entry.reason = setting.enabled, setting.reason
    return sorted(stats.values(), key=lambda s: (s.suggester, s.rule))


def _suggester_of_rule(rule: str) -> str:
    return SUGGESTER_FOR_KIND.get(rule.split(":")[0], rule.split(":")[0])


def suggester_statistics(*, project, rules: list[RuleStats] | None = None) -> list[RuleStats]:
    """The same figures added up per suggester (hedges, attributions, dates, claims);
    pass `rules` from rule_statistics() when you have them, to read them only once."""
    totals: dict[str, RuleStats] = {}
    for entry in rules if rules is not None else rule_statistics(project=project):
        total = totals.setdefault(entry.suggester, RuleStats(entry.suggester, rule="*"))
        total.pending += entry.pending
        total.accepted += entry.accepted
        total.edited += entry.edited
        total.rejected += entry.rejected
    return sorted(totals.values(), key=lambda s: s.suggester)


def rules_review(*, project, rules=None) -> list[str]:
    """Switch off rules whose precision in the project fell below SWITCH_OFF_BELOW over at
    least SWITCH_OFF_MIN_DECISIONS decisions (counted since a person last switched the
    rule back on). Returns the rules switched off now."""
    settings_by_rule = {s.rule: s for s in RuleSetting.objects.filter(project=project)}
    decisions = SuggestionDecision.objects.filter(article__project=project)
    if rules is not None:
        decisions = decisions.filter(rule__in=rules)
    counts = decisions.values("rule").annotate(
        total=Count("id"),
        rejected=Count("id", filter=Q(decision=Decision.REJECTED)),
    )
    switched = []
    for item in counts:
        setting = settings_by_rule.get(item["rule"])
        if setting and not setting.enabled:
            continue
        total, rejected = item["total"], item["rejected"]
        if setting and setting.counting_since:
            recent = decisions.filter(rule=item["rule"], decided_at__gte=setting.counting_since)
            total = recent.count()
            rejected = recent.filter(decision=Decision.REJECTED).count()
        if total < SWITCH_OFF_MIN_DECISIONS:
            continue
        precision = (total - rejected) / total
        if precision < SWITCH_OFF_BELOW:
            RuleSetting.objects.update_or_create(
                project=project,
                rule=item["rule"],
                defaults={
                    "enabled": False,
                    "changed_by": None,
                    "reason": (
                        f"Switched off automatically: {precision:.0%} of its last {total} "
                        f"suggestions were accepted here (below {SWITCH_OFF_BELOW:.0%})."
                    ),
                },
            )
            switched.append(item["rule"])
    return switched


def rule_switch(*, project, rule: str, enabled: bool, user, reason: str = "") -> RuleSetting:
    """Switch a rule on or off in the project. Switching on restarts its count: only
    decisions from now on can switch it off again."""
    reason = reason.strip()
    if not enabled and not reason:
        reason = f"Switched off by {user}." if user else "Switched off."
    setting, _ = RuleSetting.objects.update_or_create(
        project=project,
        rule=rule,
        defaults={
            "enabled": enabled,
            "reason": reason,
            "changed_by": user,
            **({"counting_since": timezone.now()} if enabled else {}),
        },
    )
    return setting
