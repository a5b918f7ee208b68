"""Background tasks (django-tasks, database backend): run by `manage.py db_worker`."""

from django_tasks import task

# The module, not names: batches.py imports this one to queue the task.
from annotator.articles import batches


@task()
def batch_import_task(batch_id: int) -> dict:
    """Import the pending files of one batch; returns the final counts."""
    batch = batches.batch_run(batch_id=batch_id)
    return {key: value for key, value in batches.batch_counts(batch).items() if key != "percent"}
