"""Which claims of a pool may make the same assertion as a given claim: the embeddings'
cosine similarity, re-ranked with the comparable facts the two claims share or not.

Pure functions over plain values (no database), used by the worker (matcher.py) and by
bench/matching.py on the gold set, so the benchmark measures exactly what the app proposes.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from annotator.matching.differences import Comparison, facts_compare
from annotator.matching.facts import Facts, claim_facts

RERANKED = 20  # nearest claims by embedding whose facts are compared
PROPOSED = 5  # candidates kept per claim
# Proposed from this sameness up (pair_sameness): on the gold set's dev part it keeps 99% of
# the paraphrases, 97% of the same reports with one fact changed (flagged), and 4% of the
# other claims of the same event among the nearest 20 (bench/matching.py).
MIN_SCORE = 0.55
# e5's cosine similarities of unrelated news sentences sit near 0.75, paraphrases near 0.9:
# the score spreads that band over 0–1, then the facts move it.
COSINE_FLOOR, COSINE_CEILING = 0.75, 0.95
AGREE_BONUS, AGREE_BONUS_MAX = 0.06, 0.18
SCORE_BEND = 0.8
# Two sentences in one language sit closer in e5's space than a sentence and its translation:
# without this, another claim of the event in the claim's own language outranks its
# paraphrase in the other (bench/matching.py, mixed pools).
SAME_LANGUAGE_PENALTY = 0.05
# A pair with a claim without an event may join any two events' claims: headlines that tell one
# incident (cosine above HEADLINE_FLOOR) add up to HEADLINE_BONUS, so of two strikes on two
# towns the one its article's headline names comes first. Within an event every headline
# tells the same story, so there they are not used.
HEADLINE_FLOOR, HEADLINE_BONUS = (
    0.85,
    0.15,
)  # cosine; tuned on dev: S@1 in mixed pools 0.84 / 0.29 → 0.94 / 0.90
DIFFER_PENALTY = 0.12


@dataclass
class PoolClaim:
    id: int
    text: str
    language: str
    published_at: date | datetime | None
    vector: np.ndarray
    title_vector: np.ndarray | None = None  # its article's headline
    _facts: Facts | None = field(default=None, repr=False)

    @property
    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = claim_facts(self.text, self.language, self.published_at)
        return self._facts


@dataclass(frozen=True)
class Proposal:
    other: PoolClaim
    score: float
    similarity: float
    comparison: Comparison


def pair_sameness(similarity: float, comparison: Comparison) -> float:
    """How alike two claims are, apart from the facts they differ on: what decides whether
    a pair is proposed at all (a report with one number changed is proposed, flagged)."""
    base = (similarity - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)
    return base + min(AGREE_BONUS * len(comparison.agree), AGREE_BONUS_MAX)


def pair_score(similarity: float, comparison: Comparison) -> float:
    """The order of proposals, 0 to 1: a differing fact moves a pair back. Above 0.8 the
    score bends towards 1 instead of stopping there, so close pairs keep their order."""
    x = max(0.0, pair_sameness(similarity, comparison) - DIFFER_PENALTY * len(comparison.differ))
    if x <= SCORE_BEND:
        return float(x)
    return float(
        SCORE_BEND + (1 - SCORE_BEND) * (1 - math.exp(-(x - SCORE_BEND) / (1 - SCORE_BEND)))
    )


def proposals_for(
    claim: PoolClaim,
    pool: list[PoolClaim],
    *,
    keep: int = PROPOSED,
    min_score: float = 0.0,
    headlines: frozenset[int] = frozenset(),
) -> list[Proposal]:
    """The best `keep` of `pool` for `claim`, best first (the claim itself excluded);
    for the pool claims in `headlines` (ids), their articles' headlines count too."""
    others = [other for other in pool if other.id != claim.id]
    if not others:
        return []
    similarities = np.vstack([other.vector for other in others]) @ claim.vector
    language = _primary(claim.language)
    same = np.array([_primary(other.language) == language for other in others])
    adjusted = similarities - SAME_LANGUAGE_PENALTY * same
    if headlines:
        adjusted = adjusted + _headline_bonus(claim, others, headlines)
    nearest = np.argsort(-adjusted, kind="stable")[:RERANKED]
    proposals = []
    for index in nearest:
        other, similarity = others[index], float(similarities[index])
        comparison = facts_compare(claim.facts, other.facts)
        if pair_sameness(float(adjusted[index]), comparison) >= min_score:
            score = pair_score(float(adjusted[index]), comparison)
            proposals.append(Proposal(other, score, similarity, comparison))
    proposals.sort(key=lambda p: (-p.score, p.other.id))
    return proposals[:keep]


def _headline_bonus(claim: PoolClaim, others: list[PoolClaim], ids) -> np.ndarray:
    """In cosine units (COSINE_CEILING - COSINE_FLOOR = 1 in the score)."""
    bonus = np.zeros(len(others), dtype=np.float32)
    if claim.title_vector is None:
        return bonus
    for i, other in enumerate(others):
        if other.id in ids and other.title_vector is not None:
            alike = float(other.title_vector @ claim.title_vector)
            rise = max(0.0, alike - HEADLINE_FLOOR) / (1 - HEADLINE_FLOOR)
            bonus[i] = HEADLINE_BONUS * rise * (COSINE_CEILING - COSINE_FLOOR)
    return bonus


def _primary(language: str) -> str:
    return language.split("-")[0].lower()
