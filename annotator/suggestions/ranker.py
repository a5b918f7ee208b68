"""Re-ranking claim candidates with a model learnt from the project's own decisions.

The claim suggester ranks sentences by fixed weights (a reporting verb, a date, a number, a
place). What editors reject in one newsroom ("updated at 14:30 on Sunday", "Follow us on
Telegram", background paragraphs) often has those features too. The ranker learns from the
project's decisions on claim candidates (accepted or edited = wanted, rejected = not):

- features: character n-grams (2–5 characters within word boundaries, TF-IDF) of the
  candidate's quote, which work for Arabic as for English with no tokeniser and no
  download, plus the engine's own confidence (weighted so that with few decisions the
  model starts near the rules' ranking: on bench/ranker.py's decision set, n-grams alone
  rank worse than the rules below ~20 decisions, with the confidence they do not);
- classifier: scikit-learn's LogisticRegression (balanced classes, fixed random_state);
- figures: the same pipeline is cross-validated over the decisions (stratified k-fold, every
  candidate scored by a model that never saw it); "precision" is the share accepted among
  the top third of candidates ranked by the engine's confidence (before) and by the model
  (after). The model re-ranks only when it did better (ClaimRanker.in_use);
- trained in the background (tasks.claim_ranker_train_task) once there are MIN_DECISIONS
  decisions with MIN_EACH of each kind, again every RETRAIN_EVERY claim decisions, and
  when a reviewer presses "Retrain now". It takes well under a second for a few hundred.

Its scores live in ClaimScore rows next to pending claim suggestions; pending_suggestions
orders by them. The engine's confidence on the annotation is left as it was. Only the
worker imports this module (tasks.py, runs.py): what pages show about the ranker, and when
it trains, is ranker_status.py, which needs no scikit-learn.

    ranker_inputs(quotes, confidences) -> array; claim_ranker_pipeline() -> Pipeline
    ranker_evaluate(quotes, labels, confidences) -> Evaluation   (no database)
    claim_ranker_train(*, project) -> TrainResult
    claim_scores_refresh(*, ranker) -> int
    claim_candidates_score(*, project_id, annotations) -> int
"""

import io
import time
from dataclasses import asdict, dataclass

import joblib
import numpy as np
import sklearn
from django.db import transaction
from django.utils import timezone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Annotation, Status
from annotator.projects.models import Project
from annotator.suggestions.models import ClaimRanker, ClaimScore
from annotator.suggestions.ranker_status import (
    RANKER_OFF,
    TOP_SHARE,
    WANTED,
    DecisionCounts,
    claim_decisions,
)

MAX_DECISIONS = 5000  # the most recent ones; keeps training within seconds
FOLDS = 5
# Weight of the engine's confidence against the text's n-grams (each TF-IDF row has length
# 1, so single n-gram values are small): 3 did best on bench/ranker.py from 10 to 600
# decisions (1 under-uses the rules with few decisions, 10 over-uses them with many).
RULES_WEIGHT = 3.0
RANDOM_STATE = 0


@dataclass
class Evaluation:
    precision_before: float  # top_k by the engine's confidence
    precision_after: float  # top_k by the model's cross-validated score
    top_k: int


@dataclass
class TrainResult:
    trained: bool
    message: str
    decisions: int = 0
    precision_before: float | None = None
    precision_after: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def ranker_inputs(quotes, confidences) -> np.ndarray:
    """What the pipeline reads: one row per candidate, its quote and the engine's confidence."""
    rows = np.empty((len(quotes), 2), dtype=object)
    rows[:, 0] = list(quotes)
    rows[:, 1] = [0.0 if c is None else float(c) for c in confidences]
    return rows


def confidence_column(column) -> np.ndarray:
    # Pickled by name inside stored models: keep its name and module.
    return np.asarray(column, dtype=float)


def claim_ranker_pipeline() -> Pipeline:
    text = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        # NFKD without combining marks: drops Arabic short vowels and folds hamza / madda
        # forms of alif as well as Latin accents.
        strip_accents="unicode",
        sublinear_tf=True,
        max_features=20000,  # bounds the stored model's size
    )
    features = ColumnTransformer(
        [("text", text, 0), ("rules", FunctionTransformer(confidence_column), [1])],
        transformer_weights={"text": 1.0, "rules": RULES_WEIGHT},
    )
    classifier = LogisticRegression(
        class_weight="balanced", max_iter=1000, random_state=RANDOM_STATE
    )
    return make_pipeline(features, classifier)


def precision_at_top(scores, labels, k: int) -> float:
    """Share of wanted candidates among the k best-scored; candidates tied at the cut count
    as if the tie were broken at random (the engine's confidences tie a lot)."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    cut = np.sort(scores)[::-1][k - 1]
    above, tied = scores > cut, scores == cut
    wanted = labels[above].sum() + (k - above.sum()) * labels[tied].mean()
    return float(wanted / k)


def ranker_evaluate(quotes: list[str], labels: list[bool], confidences) -> Evaluation:
    """Cross-validated precision of the top third: the engine's ranking vs the model's."""
    labels = np.asarray(labels, dtype=bool)
    inputs = ranker_inputs(quotes, confidences)
    folds = min(FOLDS, int(labels.sum()), int((~labels).sum()))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    model = claim_ranker_pipeline()
    held_out = cross_val_predict(model, inputs, labels, cv=cv, method="predict_proba")[:, 1]
    top_k = max(1, round(len(labels) * TOP_SHARE))
    return Evaluation(
        precision_before=precision_at_top(inputs[:, 1], labels, top_k),
        precision_after=precision_at_top(held_out, labels, top_k),
        top_k=top_k,
    )


def claim_ranker_train(*, project) -> TrainResult:
    """Learn from the project's claim decisions, store the model with its figures and score
    the pending claim suggestions. With too few decisions, any old model goes."""
    if not project.claim_ranker_on:
        return TrainResult(trained=False, message=RANKER_OFF)
    rows = list(
        claim_decisions(project)
        .order_by("-decided_at", "-pk")
        .values_list("quote", "decision", "confidence")[:MAX_DECISIONS]
    )
    quotes = [quote for quote, _, _ in rows]
    labels = [decision in WANTED for _, decision, _ in rows]
    confidences = [confidence for _, _, confidence in rows]
    counts = DecisionCounts(total=len(rows), accepted=sum(labels))
    if not counts.enough:
        with transaction.atomic():
            ClaimScore.objects.filter(annotation__article__project=project).delete()
            ClaimRanker.objects.filter(project=project).delete()
        return TrainResult(trained=False, message=counts.shortfall, decisions=counts.total)
    started = time.perf_counter()
    evaluation = ranker_evaluate(quotes, labels, confidences)
    pipeline = claim_ranker_pipeline().fit(ranker_inputs(quotes, confidences), labels)
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    with transaction.atomic():
        # Two trainings of one project (a retrain pressed while one was queued) store in turn.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        ranker, _ = ClaimRanker.objects.update_or_create(
            project=project,
            defaults={
                "trained_at": timezone.now(),
                "seconds": time.perf_counter() - started,
                "decisions": counts.total,
                "accepted": counts.accepted,
                "top_k": evaluation.top_k,
                "precision_before": evaluation.precision_before,
                "precision_after": evaluation.precision_after,
                "library_version": sklearn.__version__,
                "model": buffer.getvalue(),
            },
        )
        _loaded[project.pk] = (ranker.trained_at, pipeline)
        claim_scores_refresh(ranker=ranker)
    return TrainResult(
        trained=True,
        message=(
            f"Trained on {counts.total} claim decisions: precision of the top {evaluation.top_k}"
            f" {evaluation.precision_before:.0%} by the rules, {evaluation.precision_after:.0%}"
            " by the model."
        ),
        decisions=counts.total,
        precision_before=evaluation.precision_before,
        precision_after=evaluation.precision_after,
    )


# project id -> (trained_at, fitted pipeline): suggesting runs often, training rarely.
_loaded: dict[int, tuple] = {}


def ranker_pipeline(ranker: ClaimRanker) -> Pipeline | None:
    """The ranker's fitted pipeline; None if another scikit-learn version pickled it (it
    could then load wrongly or not at all: the page asks for a retraining)."""
    if ranker.library_version != sklearn.__version__:
        return None
    cached = _loaded.get(ranker.project_id)
    if cached and cached[0] == ranker.trained_at:
        return cached[1]
    # joblib.load unpickles, which can run code: safe here only because these bytes come
    # from our own ClaimRanker rows, written by claim_ranker_train. Never load others.
    pipeline = joblib.load(io.BytesIO(bytes(ranker.model)))
    _loaded[ranker.project_id] = (ranker.trained_at, pipeline)
    return pipeline


def _scores(pipeline: Pipeline, annotations: list[Annotation]) -> list[ClaimScore]:
    if not annotations:
        return []
    inputs = ranker_inputs([a.quote for a in annotations], [a.confidence for a in annotations])
    probabilities = pipeline.predict_proba(inputs)[:, 1]
    return [
        # Rounded into 0..1 so that float noise never trips the table's CHECK.
        ClaimScore(annotation=a, score=min(1.0, max(0.0, round(float(p), 6))))
        for a, p in zip(annotations, probabilities, strict=True)
    ]


def _scores_store(scores: list[ClaimScore]) -> None:
    """Insert or overwrite (a suggestions run may score the same candidate meanwhile)."""
    ClaimScore.objects.bulk_create(
        scores,
        update_conflicts=True,
        unique_fields=["annotation"],
        update_fields=["score"],
        batch_size=2000,
    )


def claim_scores_refresh(*, ranker: ClaimRanker) -> int:
    """Score every pending claim suggestion of the ranker's project (drop the old scores
    first; none are kept when the model is not in use). Returns how many were scored."""
    ClaimScore.objects.filter(annotation__article__project_id=ranker.project_id).delete()
    pipeline = ranker_pipeline(ranker) if ranker.in_use else None
    if pipeline is None:
        return 0
    pending = list(
        Annotation.objects.filter(
            article__project_id=ranker.project_id, kind=CLAIM, status=Status.SUGGESTED
        ).only("pk", "quote", "confidence")
    )
    _scores_store(_scores(pipeline, pending))
    return len(pending)


def claim_candidates_score(*, project_id: int, annotations: list[Annotation]) -> int:
    """Score new claim suggestions (suggestions_run) when the project's model is in use (and
    the ranker is on in its settings)."""
    if not annotations:
        return 0
    ranker = (
        ClaimRanker.objects.filter(project_id=project_id, project__claim_ranker_on=True)
        .defer("model")
        .first()
    )
    pipeline = ranker_pipeline(ranker) if ranker and ranker.in_use else None
    if pipeline is None:
        return 0
    _scores_store(_scores(pipeline, annotations))
    return len(annotations)
