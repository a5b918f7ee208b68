"""A time limit for every background task.

django-tasks' database worker (`manage.py db_worker`) has none of its own, and one worker
runs everyone's imports, suggesters and exports in turn: a task that never ended would hold
them all. So every task the worker starts gets an alarm (SIGALRM; the worker runs tasks in
its main thread) set to TASK_TIME_LIMITS[the task's path], else TASK_TIME_LIMITS["default"]
(settings.py). When it rings, TaskTimeLimit is raised inside the task: tasks that keep a
row the pages show (a suggestions run, an import file) record it there, and the worker marks
the task failed with the message and goes on with the next one.

The receivers are connected when this module is first imported: the task modules import it,
and the suggestions app imports its tasks at start-up, so every process has them.
"""

import logging
import signal
import threading

from django.conf import settings
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.signals import task_finished, task_started

logger = logging.getLogger(__name__)


class TaskTimeLimit(SystemExit):
    """A task ran past its time limit. A SystemExit, not an Exception: `except Exception`
    in the task's code does not swallow it, and psycopg cancels a query it interrupts (as
    on Ctrl-C), so the connection can still record the failure."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"Stopped after {describe(seconds)}, this task's time limit.")


def describe(seconds: float) -> str:
    """3600 → "1 hour"; 120 → "2 minutes"; 0.5 → "0.5 seconds"."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours:g} hour{'s' * (hours != 1)}"
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds // 60:g} minutes"
    return f"{seconds:g} second{'s' * (seconds != 1)}"


def time_limit(task_path: str) -> float:
    """Seconds a task may run (its dotted path, e.g. annotator.articles.tasks.batch_import_task)."""
    limits = settings.TASK_TIME_LIMITS
    return float(limits.get(task_path, limits["default"]))


def _in_main_thread() -> bool:
    # Python delivers signals to the main thread only, and only there may set handlers.
    return threading.current_thread() is threading.main_thread()


_armed: list[bool] = []  # per started task: whether it set the alarm (tasks may nest)


def _arm(sender, task_result, **kwargs) -> None:
    # A task run inside a request (ImmediateBackend, in tests) is bounded by the request;
    # an alarm is the worker's, and only its main thread may set one.
    if sender is ImmediateBackend or not _in_main_thread():
        if sender is not ImmediateBackend:
            logger.warning("No time limit for %s: not in the main thread.", task_result.task)
        _armed.append(False)
        return
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # a task inside a task: the outer limit holds
        _armed.append(False)
        return
    seconds = time_limit(task_result.task.module_path)

    def ring(signum, frame):
        signal.setitimer(signal.ITIMER_REAL, 0)  # once: recording the failure must not be cut
        raise TaskTimeLimit(seconds)

    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _armed.append(True)


def _disarm(sender, **kwargs) -> None:
    if _armed and _armed.pop():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


task_started.connect(_arm, dispatch_uid="annotator.tasklimits.arm")
task_finished.connect(_disarm, dispatch_uid="annotator.tasklimits.disarm")
