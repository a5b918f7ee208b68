"""Background suggesting (django-tasks, database backend): run by `manage.py db_worker`.

Importers call suggestions_enqueue(article) once the article is saved; the suggesters then
run without holding up the import.
"""

from django.db import transaction
from django_tasks import task

from annotator.articles.models import Article
from annotator.suggestions.services import suggestions_run


@task()
def suggestions_run_task(article_id: int) -> dict:
    """Run the suggesters on one article; returns what was created and skipped."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:  # deleted before the worker got to it
        return {"created": {}, "missing": True}
    return suggestions_run(article=article).as_dict()


def suggestions_enqueue(article: Article) -> None:
    """Queue the suggesters for `article` once its row is committed (the worker must see it)."""
    transaction.on_commit(lambda: suggestions_run_task.enqueue(article.pk))
