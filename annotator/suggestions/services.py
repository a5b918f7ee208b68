"""Recording what people decide on suggestions, and switching rules on and off.

Writes go through annotator.annotations.services (annotation_update, annotation_delete),
so history is kept; who may decide is checked here (edit_check: the suggestion, or the
claim a suggested time is for). Every function is keyword-only.

    suggestion_accept(*, annotation, user, changes=None, allow_overlap=False) -> Annotation
    suggestion_reject(*, annotation, user) -> SuggestionDecision
    suggestion_accept_all(*, article, kind, user, allow_overlap=False) -> AcceptAllResult
    date_suggestion_accept(*, date_suggestion, user, changes=None) -> Annotation (the claim)
    date_suggestion_reject(*, date_suggestion, user) -> SuggestionDecision
    rule_switch(*, project, rule, enabled, user, reason="") -> RuleSetting
    rules_review(*, project, rules=None) -> list[str]   (automatic switch-off)

Running the suggesters is runs.py; the statistics are stats.py. Claim decisions also queue
the claim ranker's training (tasks.py, ranker.py), whose scores order pending candidates.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from annotator.annotations.access import can_edit, edit_check
from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import (
    SpanError,
    annotation_delete,
    annotation_edit,
    annotation_update,
)
from annotator.articles.models import Article
from annotator.articles.services import article_work_started
from annotator.projects.access import membership_of, role_check
from annotator.projects.models import Role
from annotator.suggestions import tasks
from annotator.suggestions.models import (
    DateSuggestion,
    Decision,
    RuleSetting,
    SuggestionDecision,
    SuggestionKind,
)
from annotator.suggestions.ranker_status import RANKER_OFF, claim_decision_counts
from annotator.suggestions.stats import (
    SUGGESTER_FOR_KIND,
    SWITCH_OFF_BELOW,
    SWITCH_OFF_MIN_DECISIONS,
    overlapping_annotations,
    pending_suggestions,
)


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
class AcceptAllResult:
    accepted: list = field(default_factory=list)
    skipped_overlapping: list = field(default_factory=list)
    skipped_not_yours: list = field(default_factory=list)  # times for others' claims


# ---- Deciding ------------------------------------------------------------------------------


def _locked_suggestion(annotation: Annotation, user) -> Annotation:
    current = (
        Annotation.objects.select_for_update()
        .select_related("article")
        .filter(pk=annotation.pk)
        .first()
    )
    if current is None or current.status != Status.SUGGESTED:
        raise SuggestionError("This suggestion was decided already (reload to see the result).")
    edit_check(user=user, annotation=current)
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
        current = _locked_suggestion(annotation, user)
        edited = any(_differs(current, name, value) for name, value in changes.items())
        if not allow_overlap:
            overlapping = overlapping_annotations(
                current, changes.get("start", current.start), changes.get("end", current.end)
            )
            if overlapping:
                raise SuggestionOverlap(overlapping)
        decision = _decision(current, Decision.EDITED if edited else Decision.ACCEPTED, user)
        try:
            accepted = annotation_update(
                annotation=current,
                version=current.version,
                user=user,
                status=Status.DRAFT,
                created_by=user,
                **changes,
            )
        except SpanError as error:  # e.g. the person has this very span already
            raise SuggestionError(f"{error} Reject the suggestion instead.") from error
        decision.annotation = accepted
        decision.save(update_fields=["annotation"])
        article_work_started(article_id=current.article_id)
    _learn(current.article.project, decision)
    return accepted


def _learn(project, decision: SuggestionDecision) -> None:
    """After a decision: switch off rules that keep failing; retrain the claim ranker."""
    rules_review(project=project, rules=[decision.rule])
    if decision.kind == SuggestionKind.CLAIM:
        tasks.claim_ranker_enqueue_if_due(project, decision)


def suggestion_taken_record(sender, *, annotation, suggested, user, **kwargs) -> None:
    """A person's new span took an open suggestion over (annotations.signals): recorded as
    accepted, or edited if the span moved, like an accept in the workspace."""
    moved = (suggested.start, suggested.end) != (annotation.start, annotation.end)
    decision = SuggestionDecision.objects.create(
        article_id=suggested.article_id,
        kind=suggested.kind,
        start=suggested.start,
        end=suggested.end,
        quote=suggested.quote,
        suggester=suggested.suggested_by or SUGGESTER_FOR_KIND[suggested.kind],
        rule=suggested.suggestion_rule or f"{suggested.kind}:unknown",
        confidence=suggested.confidence,
        decision=Decision.EDITED if moved else Decision.ACCEPTED,
        annotation=annotation,
        decided_by=user,
    )
    transaction.on_commit(lambda: _learn(annotation.article.project, decision))


def _differs(annotation: Annotation, name: str, value) -> bool:
    if name == "cited_source":
        return annotation.cited_source_id != (value.pk if value is not None else None)
    if name == "event":
        return annotation.event_id != (value.pk if value is not None else None)
    return getattr(annotation, name) != value


def suggestion_reject(*, annotation: Annotation, user) -> SuggestionDecision:
    """Drop the suggestion (and its proposed links); it will not be suggested again."""
    with transaction.atomic():
        current = _locked_suggestion(annotation, user)
        decision = _decision(current, Decision.REJECTED, user)
        annotation_delete(annotation=current, user=user)
        article_work_started(article_id=current.article_id)
    _learn(current.article.project, decision)
    return decision


def suggestion_accept_all(
    *, article: Article, kind: str, user, allow_overlap: bool = False
) -> AcceptAllResult:
    """Accept every pending suggestion of one kind ("date" included) in the article.

    Suggestions overlapping a person's annotation of the same kind are left pending (listed
    in skipped_overlapping) unless allow_overlap; suggested times for claims the person may
    not edit stay for those who may (skipped_not_yours), as when deciding one.
    """
    if kind not in SuggestionKind.values:
        raise SuggestionError(f"Unknown suggestion kind {kind!r}.")
    result = AcceptAllResult()
    with transaction.atomic():
        if kind == SuggestionKind.DATE:
            _accept_all_dates(article, user, result)
            return result
        for annotation in pending_suggestions(article=article, kind=kind):
            try:
                result.accepted.append(
                    suggestion_accept(annotation=annotation, user=user, allow_overlap=allow_overlap)
                )
            except (SuggestionOverlap, SuggestionError):  # overlapping, or the person's own
                result.skipped_overlapping.append(annotation)
    return result


def _accept_all_dates(article: Article, user, result: AcceptAllResult) -> None:
    # The check of deciding one (edit_check on the claim), made first so that another's
    # claim leaves their suggested time pending instead of refusing the whole batch.
    membership = membership_of(user, article.project_id)
    dates = DateSuggestion.objects.filter(article=article).select_related("claim__article")
    for date_suggestion in dates:
        if user is not None and not can_edit(membership, date_suggestion.claim):
            result.skipped_not_yours.append(date_suggestion)
        elif DateSuggestion.objects.filter(pk=date_suggestion.pk).exists():  # not dropped yet
            result.accepted.append(
                date_suggestion_accept(date_suggestion=date_suggestion, user=user)
            )


def _locked_date_suggestion(date_suggestion: DateSuggestion, user) -> DateSuggestion:
    current = (
        DateSuggestion.objects.select_for_update()
        .select_related("article", "claim__article")
        .filter(pk=date_suggestion.pk)
        .first()
    )
    if current is None:
        raise SuggestionError("This date suggestion was decided already (reload to see it).")
    edit_check(user=user, annotation=current.claim)  # the claim's time is its author's
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
    correct either), as the person's edit of it (an approved claim goes back to review).
    Other pending date suggestions for the same claim are dropped."""
    changes = dict(changes or {})
    with transaction.atomic():
        current = _locked_date_suggestion(date_suggestion, user)
        values = {
            "claimed_at": current.claimed_at,
            "claimed_precision": current.claimed_precision,
        } | changes
        edited = any(values[name] != getattr(current, name) for name in changes)
        claim = Annotation.objects.select_for_update().get(pk=current.claim_id)
        claim = annotation_edit(annotation=claim, version=claim.version, user=user, **values)
        decision = _date_decision(current, Decision.EDITED if edited else Decision.ACCEPTED, user)
        decision.annotation = claim
        decision.save(update_fields=["annotation"])
        DateSuggestion.objects.filter(claim=claim).delete()
        article_work_started(article_id=current.article_id)
    rules_review(project=current.article.project, rules=[current.suggestion_rule])
    return claim


def date_suggestion_reject(*, date_suggestion: DateSuggestion, user) -> SuggestionDecision:
    with transaction.atomic():
        current = _locked_date_suggestion(date_suggestion, user)
        decision = _date_decision(current, Decision.REJECTED, user)
        current.delete()
        article_work_started(article_id=current.article_id)
    rules_review(project=current.article.project, rules=[current.suggestion_rule])
    return decision


# ---- Switching rules -----------------------------------------------------------------------


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
    """Switch a rule on or off in the project (reviewers and owners). Switching on
    restarts its count: only decisions from now on can switch it off again."""
    role_check(
        user=user, project_id=project.pk, minimum=Role.REVIEWER, doing="switch suggestion rules"
    )
    rule_length = RuleSetting._meta.get_field("rule").max_length
    if not rule or len(rule) > rule_length or "\x00" in rule:
        raise SuggestionError(f"A rule name is 1 to {rule_length} characters.")
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


def claim_ranker_retrain(*, user, project) -> str:
    """Queue a training of the project's claim ranker (reviewers and owners; not in an
    archived project). SuggestionError says why not: switched off, or too few decisions.
    Returns what to tell the person."""
    role_check(
        user=user, project_id=project.pk, minimum=Role.REVIEWER, doing="retrain the claim ranker"
    )
    if not project.claim_ranker_on:
        raise SuggestionError(RANKER_OFF)
    counts = claim_decision_counts(project)
    if not counts.enough:
        raise SuggestionError(counts.shortfall)
    tasks.claim_ranker_enqueue(project)
    return (
        f"Retraining on {counts.total} claim decisions: it takes a few seconds in the "
        "background; reload this page to see the new figures."
    )
