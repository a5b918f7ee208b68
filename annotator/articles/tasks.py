"""Background tasks (django-tasks, database backend): run by `manage.py db_worker`."""

from django.db import transaction
from django_tasks import task

from annotator.articles.models import ImportBatch
from annotator.articles.services import batch_counts, batch_run


@task()
def batch_import_task(batch_id: int) -> dict:
    """Import the pending files of one batch; returns the final counts."""
    batch = batch_run(batch_id=batch_id)
    return {key: value for key, value in batch_counts(batch).items() if key != "percent"}


def batch_enqueue(batch: ImportBatch) -> None:
    """Queue the batch's import once its rows are committed (the worker must see them)."""

    def enqueue():
        result = batch_import_task.enqueue(batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
