"""The articles' search vectors, filled in the background.

Computing an article's tsvector costs about 0.4 ms for 3,000 characters: most of what an
INSERT of an article costs, and as much as the rest of a dataset import together. So an
article is stored without it (its ArticleSearch row empty), and once the transaction that
stored it commits, a task (`manage.py db_worker`) computes the vectors of every article that
has none, INDEX_ROWS per statement. The search finds an article meanwhile all the same
(models.article_search_condition computes the vector of an article that has none); an edit
of the title, text or language computes it at once (the
article_search_follows_edits trigger).

The task is idempotent: it finds what is missing itself, so one queued twice does no harm,
and one lost (a worker stopped) is made up by the next import's.
"""

import time

from django.db import connection, transaction
from django_tasks import task

from annotator.articles.models import Article, ArticleSearch, search_vector_sql
from annotator.transactions import on_commit_once

INDEX_ROWS = 500  # vectors computed per UPDATE (about 0.2 s)
INDEX_SECONDS = 20  # then the rest in another task, behind the work queued meanwhile

# SKIP LOCKED: an article being edited is left for later (its edit computes the vector),
# and two workers share the rows.
_INDEX = (  # noqa: S608 (table names and the vector's SQL, no input)
    "UPDATE {search} s SET vector = {vector} FROM {articles} a"
    " WHERE a.id = s.article_id AND s.article_id IN (SELECT article_id FROM {search}"
    " WHERE vector IS NULL ORDER BY article_id LIMIT %s FOR UPDATE SKIP LOCKED)"
).format(
    search=ArticleSearch._meta.db_table,
    articles=Article._meta.db_table,
    vector=search_vector_sql("a.title", "a.text", "a.language"),
)


@task()
def articles_search_index_task() -> dict:
    indexed, more = articles_search_index(seconds=INDEX_SECONDS)
    if more:
        articles_search_index_task.enqueue()
    return {"indexed": indexed, "more": more}


def articles_search_index(*, seconds: float) -> tuple[int, bool]:
    """Compute missing search vectors for about `seconds`: how many, and whether some are
    left."""
    indexed, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_INDEX, [INDEX_ROWS])
            done = cursor.rowcount
        indexed += done
        if done < INDEX_ROWS:
            return indexed, False
    return indexed, Article.objects.not_indexed().exists()


def articles_search_index_enqueue() -> None:
    """Queue the task once the caller's transaction commits: once per transaction, however
    many articles it stores."""
    on_commit_once("articles_search_index", articles_search_index_task.enqueue)
