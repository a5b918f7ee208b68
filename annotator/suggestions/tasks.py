"""Background work of the suggestions app (django-tasks, database backend): run by
`manage.py db_worker`.

- Imported articles (the articles app's `article_imported` signal, sent once the article is
  committed) queue the suggesters, which then run without holding up the import.
- Claim decisions call claim_ranker_enqueue_if_due(project, decision), and the Suggestions page's
  "Retrain now" calls claim_ranker_enqueue(project): the claim ranker (ranker.py) learns
  from the project's decisions in a few seconds at most.
"""

from django.db import transaction
from django_tasks import task

from annotator.articles.models import Article
from annotator.projects.models import Project

# Modules, not names: services imports this module too (to queue training after decisions).
from annotator.suggestions import ranker, runs
from annotator.suggestions.models import SuggestionDecision


@task()
def suggestions_run_task(article_id: int) -> dict:
    """Run the suggesters on one article; returns what was created and skipped."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:  # deleted before the worker got to it
        return {"created": {}, "missing": True}
    return runs.suggestions_run(article=article).as_dict()


def suggestions_enqueue_on_import(sender, article: Article, **kwargs) -> None:
    """Queue the suggesters for a newly imported (and committed) article."""
    suggestions_run_task.enqueue(article.pk)


@task()
def claim_ranker_train_task(project_id: int) -> dict:
    """Train the project's claim ranker; returns whether it did and the figures."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return {"trained": False, "message": "The project was deleted."}
    return ranker.claim_ranker_train(project=project).as_dict()


def claim_ranker_enqueue(project: Project) -> None:
    """Queue training once the caller's transaction (e.g. the decision) is committed."""
    transaction.on_commit(lambda: claim_ranker_train_task.enqueue(project.pk))


def claim_ranker_enqueue_if_due(project: Project, decision: SuggestionDecision) -> bool:
    """After a claim decision: queue training when this decision gave the project enough to
    learn from, and then on every RETRAIN_EVERY-th claim decision. Exact moments rather than
    "no model yet", so a worker that lags behind does not get one training per decision."""
    counts = ranker.claim_decision_counts(project)
    wanted = decision.decision in ranker.WANTED
    before = ranker.DecisionCounts(total=counts.total - 1, accepted=counts.accepted - wanted)
    if counts.enough and (not before.enough or counts.total % ranker.RETRAIN_EVERY == 0):
        claim_ranker_enqueue(project)
        return True
    return False
