from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from annotator.health import DATABASE_ERRORS, database_ok


class Command(BaseCommand):
    help = (
        "Exit 0 if the database answers and every migration is applied, else print why and "
        "exit 1 (for service managers, deploy scripts and container health checks)."
    )

    def handle(self, *args, **options):
        if not database_ok():
            raise CommandError("database: not reachable (see the log line above)")
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DATABASE_ERRORS as error:
            raise CommandError(f"database: {error}") from error
        if pending:
            raise CommandError(
                f"database: {len(pending)} migration(s) not applied; run manage.py migrate"
            )
        self.stdout.write(self.style.SUCCESS("ok: database reachable, migrations applied"))
