"""`manage.py devserver [ADDRPORT]`: the development server plus the background task
worker (`db_worker`, which runs article imports), as `make run` starts them.

Ctrl+C reaches both (same terminal process group); this command waits for the worker to
finish its current file and exit, so the embedded database stops cleanly after them.
"""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from annotator import devdb

WORKER_EXIT_SECONDS = 5  # to exit on its own after Ctrl+C
WORKER_GRACE_SECONDS = 30  # to finish its current file once asked


class Command(BaseCommand):
    help = "Run the development web server and the background task worker together."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # The autoreloader runs this command again in a child process (RUN_MAIN=true):
        # only the outer one starts the worker.
        if os.environ.get("RUN_MAIN") == "true":
            call_command("runserver", addrport)
            return
        worker = subprocess.Popen(
            [
                sys.executable,
                str(settings.BASE_DIR / "manage.py"),
                "db_worker",
                "--interval",
                "1",
                "--no-reload",
            ]
        )
        self.stdout.write(f"Import worker started (pid {worker.pid}).")
        try:
            call_command("runserver", addrport)
        finally:
            self._stop(worker)
            self._stop_database()

    def _stop(self, worker: subprocess.Popen) -> None:
        # After Ctrl+C the worker has the terminal's SIGINT already and is shutting down:
        # a second one now would interrupt it half-way. Ask it only if it is still there.
        try:
            worker.wait(timeout=WORKER_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=WORKER_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                worker.terminate()
                worker.wait()
        self.stdout.write("Import worker stopped.")

    def _stop_database(self) -> None:
        """The embedded database stops with the last process using it; should one have
        gone without saying so, stop it here, once the web server and worker are gone."""
        embedded = settings.DATABASES["default"].get("EMBEDDED")
        if embedded and devdb.stop_if_unused(embedded["data_dir"]):
            self.stdout.write("Database stopped.")
