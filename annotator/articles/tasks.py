"""Background tasks (django-tasks, database backend): run by `manage.py db_worker`, each
within its time limit (annotator/tasklimits.py, TASK_TIME_LIMITS)."""

from django.conf import settings
from django_tasks import task

# The module, not names: batches.py imports this one to queue the task.
from annotator.articles import batches


@task()
def batch_import_task(batch_id: int) -> dict:
    """Import the batch's pending files for IMPORT_TASK_SECONDS, then queue the rest as a
    new task (so other projects' uploads take turns); returns the counts so far."""
    batch = batches.batch_run_part(batch_id=batch_id, seconds=settings.IMPORT_TASK_SECONDS)
    return {key: value for key, value in batches.batch_counts(batch).items() if key != "percent"}
