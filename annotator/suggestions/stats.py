"""Reads of the suggestions app: the open suggestions of an article, and how each
suggester and rule fares in a project (the Suggestions page; rules_review uses the same
thresholds to switch rules off)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, F, When
from django.db.models.functions import Coalesce

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article
from annotator.suggestions.models import DateSuggestion, RuleSetting, SuggestionDecision
from annotator.suggestions.suggesters import SUGGESTER_KIND

# A rule is switched off in a project when, over at least SWITCH_OFF_MIN_DECISIONS decisions,
# fewer than SWITCH_OFF_BELOW of its suggestions were accepted (edited ones count as accepted).
SWITCH_OFF_BELOW = getattr(settings, "SUGGESTION_SWITCH_OFF_BELOW", 0.5)
SWITCH_OFF_MIN_DECISIONS = getattr(settings, "SUGGESTION_SWITCH_OFF_MIN_DECISIONS", 10)
SUGGESTER_FOR_KIND = {kind: suggester for suggester, kind in SUGGESTER_KIND.items()}


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


def pending_suggestions(*, article: Article, kind: str | None = None):
    """The article's undecided span suggestions, most confident first. Claim candidates are
    ranked by the project's claim ranker when it is in use (ClaimScore) and on in the
    project's settings, else by the rules."""
    queryset = Annotation.objects.filter(article=article, status=Status.SUGGESTED)
    if kind:
        queryset = queryset.filter(kind=kind)
    ranked = Case(
        When(article__project__claim_ranker_on=True, then=F("claim_score__score")), default=None
    )
    rank = Coalesce(ranked, "confidence")
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
