"""Where a project's claim ranker stands, without the ranker: its claim decisions, when it
trains, and what the Suggestions page shows. No scikit-learn here: pages and services read
this module, and only the worker loads ranker.py (training and scoring), which imports
scikit-learn and through it scipy (about 1.4 s and 140 MB per process).

    claim_decisions(project) -> QuerySet; claim_decision_counts(project) -> DecisionCounts
    claim_ranker_summary(project) -> dict
"""

from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

from django.db.models import Count, Q

from annotator.suggestions.models import ClaimRanker, Decision, SuggestionDecision, SuggestionKind

MIN_DECISIONS = 10  # claim decisions before a first model
MIN_EACH = 3  # accepted and rejected ones, each
RETRAIN_EVERY = 10  # claim decisions between automatic retrainings
TOP_SHARE = 1 / 3  # precision is measured on the top third of ranked candidates
WANTED = (Decision.ACCEPTED, Decision.EDITED)
# Project.claim_ranker_on off: no training, no scoring, and the rules order the candidates
# (any model and scores are kept, unused, for when it is switched on again).
RANKER_OFF = "Claim ranker: off in this project’s settings."


@dataclass
class DecisionCounts:
    total: int
    accepted: int

    @property
    def rejected(self) -> int:
        return self.total - self.accepted

    @property
    def enough(self) -> bool:
        return (
            self.total >= MIN_DECISIONS and self.accepted >= MIN_EACH and self.rejected >= MIN_EACH
        )

    @property
    def shortfall(self) -> str:
        """Why there is no model yet, for people."""
        return (
            f"Too few decisions to learn from: the ranker needs at least {MIN_DECISIONS} "
            f"decided claim candidates, {MIN_EACH} accepted and {MIN_EACH} rejected; this "
            f"project has {self.total} ({self.accepted} accepted, {self.rejected} rejected)."
        )


@cache
def installed_sklearn_version() -> str:
    """scikit-learn's version as ranker.py compares it with a stored model's, read from the
    package's metadata (the same string as sklearn.__version__) without importing it."""
    return version("scikit-learn")


def claim_decisions(project):
    return SuggestionDecision.objects.filter(article__project=project, kind=SuggestionKind.CLAIM)


def claim_decision_counts(project) -> DecisionCounts:
    counts = claim_decisions(project).aggregate(
        total=Count("id"), accepted=Count("id", filter=Q(decision__in=WANTED))
    )
    return DecisionCounts(total=counts["total"], accepted=counts["accepted"])


def claim_ranker_summary(project) -> dict:
    """What the Suggestions page shows about the ranker."""
    ranker = ClaimRanker.objects.filter(project=project).defer("model").first()
    counts = claim_decision_counts(project)
    installed = installed_sklearn_version()
    return {
        "ranker": ranker,
        "counts": counts,
        "since": max(0, counts.total - ranker.decisions) if ranker else counts.total,
        "stale": bool(ranker) and ranker.library_version != installed,
        "installed_version": installed,
        "retrain_every": RETRAIN_EVERY,
        "top_share": TOP_SHARE,
    }
