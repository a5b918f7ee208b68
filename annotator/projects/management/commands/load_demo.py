from django.core.management.base import BaseCommand

from annotator.projects.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Create the demo project, its users and annotated articles (once; safe to re-run)."

    def handle(self, *args, **options):
        if demo_load():
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        users = ", ".join(f"{name} ({role})" for name, role in DEMO_USERS.items())
        self.stdout.write(f"Demo logins: {users}; password: {DEMO_PASSWORD}")
