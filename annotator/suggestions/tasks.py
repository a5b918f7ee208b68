"""Background work of the suggestions app (django-tasks, database backend): run by
`manage.py db_worker`, each task within its time limit (annotator/tasklimits.py).

- The workspace's "Suggest again" queues the suggesters on one article, a task of its own.
  Imported articles (the articles app's `articles_imported` signal, sent once the files
  stored together are committed) are queued together: one task for them all, which runs
  them one after the other for IMPORT_RUN_SECONDS, then queues the rest behind the work
  queued meanwhile, so a project's big import takes turns with everyone else's work (and
  costs two INSERTs per import transaction, not two per article). Each article's
  SuggestionRun says where its run stands, for the suggestions bar.
- Claim decisions call claim_ranker_enqueue_if_due(project, decision), and the Suggestions page's
  "Retrain now" calls claim_ranker_enqueue(project): the claim ranker (ranker.py) learns
  from the project's decisions in a few seconds at most.

The web processes import this module only to queue tasks; the worker runs them. So the
suggesters and the ranker (runs.py, ranker.py: compiled patterns, dateparser, scikit-learn
and scipy) are loaded by the first task that needs them, not at web start-up.
"""

import logging
import time

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from annotator.articles.models import Article
from annotator.projects.access import writable_check
from annotator.projects.models import Project
from annotator.suggestions import ranker_status
from annotator.suggestions.models import RunStatus, SuggestionDecision, SuggestionRun
from annotator.tasklimits import TaskTimeLimit

logger = logging.getLogger(__name__)

# "Suggest again" has a person waiting: it goes before the runs queued by imports.
SUGGEST_AGAIN_PRIORITY = 10
MAX_BOOSTED_PER_USER = 3
# An import's task starts new articles for this long; its time limit (settings.py) leaves
# the last one started as long as a task of its own would have.
IMPORT_RUN_SECONDS = 10


# The task bodies' code, imported by the first task that runs it (see above), so that web
# processes queue tasks without loading it (tests/test_startup_imports.py).
def _runs():
    """runs.py: the suggesters (engine.py, dates.py with dateparser) and ranker.py's scoring."""
    from annotator.suggestions import runs

    return runs


def _ranker():
    """ranker.py: training with scikit-learn."""
    from annotator.suggestions import ranker

    return ranker


@task()
def suggestions_run_task(article_id: int) -> dict:
    """Run the suggesters on one article; returns what was created and skipped."""
    return _article_run(article_id)


@task()
def suggestions_import_task(article_ids: list[int]) -> dict:
    """Run the suggesters on imported articles in turn for about IMPORT_RUN_SECONDS, then
    queue the rest as a new task. One article's failure (recorded on its run) does not
    stop the others."""
    deadline = time.monotonic() + IMPORT_RUN_SECONDS
    ran, failed = [], []
    for position, article_id in enumerate(article_ids):
        if position and time.monotonic() >= deadline:
            suggestions_import_task.enqueue(article_ids[position:])
            break
        try:
            ran.append(_article_run(article_id))
        except TaskTimeLimit:
            if article_ids[position + 1 :]:  # the alarm rang once: there is time to queue
                suggestions_import_task.enqueue(article_ids[position + 1 :])
            raise
        except Exception:
            logger.exception("The suggesters failed on article %s", article_id)
            failed.append(article_id)
    created = sum(sum(result.get("created", {}).values()) for result in ran)
    return {"articles": len(ran), "created": created, "failed": failed}


def _article_run(article_id: int) -> dict:
    article = Article.objects.filter(pk=article_id).first()
    if article is None:  # deleted before the worker got to it
        return {"created": {}, "missing": True}
    now = timezone.now()
    SuggestionRun.objects.update_or_create(
        article=article,
        defaults={"status": RunStatus.RUNNING, "started_at": now, "finished_at": None, "error": ""},
        create_defaults={"status": RunStatus.RUNNING, "started_at": now, "requested_at": now},
    )
    try:
        result = _runs().suggestions_run(article=article)
    except TaskTimeLimit as limit:
        _run_end(article, now, RunStatus.FAILED, error=f"The suggesters took too long. {limit}")
        raise
    except Exception:
        error = "The suggesters failed: an error in the app, logged by the worker."
        _run_end(article, now, RunStatus.FAILED, error=error)
        raise
    _run_end(article, now, RunStatus.DONE, created=sum(result.created.values()))
    return result.as_dict()


def _run_end(article, started_at, status: str, created: int = 0, error: str = "") -> None:
    # Only the run this task started: a run queued again meanwhile (this one had stalled)
    # is another task's to end.
    SuggestionRun.objects.filter(
        article=article, status=RunStatus.RUNNING, started_at=started_at
    ).update(status=status, created=created, error=error, finished_at=timezone.now())


def suggestions_run_enqueue(
    *, article: Article, user=None, priority: int = 0
) -> tuple[SuggestionRun, bool]:
    """Queue the suggesters on `article`, unless a run of them already waits or runs there
    (then that one stands: two clicks make one run). Returns the run and whether this call
    queued it. The task row is written in the same transaction as the run's."""
    if user is not None:  # a person's "suggest again"; imports queue runs as the app
        writable_check(article.project_id)
    with transaction.atomic():
        run, made = SuggestionRun.objects.select_for_update().get_or_create(
            article=article, defaults={"requested_by": user, "requested_at": timezone.now()}
        )
        if not made:
            if run.pending:
                return run, False
            run.status, run.requested_by, run.requested_at = RunStatus.QUEUED, user, timezone.now()
            run.started_at = run.finished_at = None
            run.created, run.error = 0, ""
            run.save()
        if priority and _boosted_waiting(user) >= MAX_BOOSTED_PER_USER:
            priority = 0  # one person's many clicks do not all jump everyone's queue
        suggestions_run_task.using(priority=priority).enqueue(article.pk)
    return run, True


def _boosted_waiting(user) -> int:
    if user is None:
        return 0
    return SuggestionRun.objects.filter(requested_by=user, status=RunStatus.QUEUED).count() - 1


def suggestions_enqueue_on_import(sender, articles: list[Article], **kwargs) -> None:
    """Queue the suggesters for newly imported (and committed) articles: a run each, for
    the suggestions bar, and one task for them all, in the same transaction."""
    if not articles:
        return
    now = timezone.now()
    with transaction.atomic():
        # New articles have no run yet (a click in between keeps its own).
        SuggestionRun.objects.bulk_create(
            [SuggestionRun(article=article, requested_at=now) for article in articles],
            ignore_conflicts=True,
        )
        suggestions_import_task.enqueue([article.pk for article in articles])


@task()
def claim_ranker_train_task(project_id: int) -> dict:
    """Train the project's claim ranker; returns whether it did and the figures."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return {"trained": False, "message": "The project was deleted."}
    return _ranker().claim_ranker_train(project=project).as_dict()


def claim_ranker_enqueue(project: Project) -> None:
    """Queue training once the caller's transaction (e.g. the decision) is committed."""
    transaction.on_commit(lambda: claim_ranker_train_task.enqueue(project.pk))


def claim_ranker_enqueue_if_due(project: Project, decision: SuggestionDecision) -> bool:
    """After a claim decision: queue training when this decision gave the project enough to
    learn from, and then on every RETRAIN_EVERY-th claim decision. Exact moments rather than
    "no model yet", so a worker that lags behind does not get one training per decision.
    Never when the project's settings switch the ranker off."""
    if not project.claim_ranker_on:
        return False
    counts = ranker_status.claim_decision_counts(project)
    wanted = decision.decision in ranker_status.WANTED
    before = ranker_status.DecisionCounts(total=counts.total - 1, accepted=counts.accepted - wanted)
    if counts.enough and (not before.enough or counts.total % ranker_status.RETRAIN_EVERY == 0):
        claim_ranker_enqueue(project)
        return True
    return False
