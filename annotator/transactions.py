"""Work queued for when the caller's transaction commits, once however often it is asked."""

from collections.abc import Callable, Hashable

from django.db import connection, transaction


def on_commit_once(key: Hashable, func: Callable[[], None]) -> None:
    """transaction.on_commit(func), unless a callback queued with the same `key` still waits
    in this transaction: a transaction that saves many claims or articles queues their
    background task once. A callback that ran no longer counts (tests run them and leave
    them on the list)."""
    for _, waiting, _ in connection.run_on_commit:
        if getattr(waiting, "once_key", None) == key and not waiting.ran:
            return

    def run():
        run.ran = True
        func()

    run.once_key, run.ran = key, False
    transaction.on_commit(run)
