from django.core.management.base import BaseCommand

from annotator.articles.models import Article
from annotator.projects.demo import DEMO_PASSWORD, DEMO_SLUG, DEMO_USERS, demo_load
from annotator.suggestions.services import suggestions_run


class Command(BaseCommand):
    help = "Create the demo project, its users and annotated articles (once; safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-suggestions",
            action="store_true",
            help="also run the suggesters on the new demo articles (make run does)",
        )

    def handle(self, *args, with_suggestions=False, **options):
        if demo_load():
            if with_suggestions:
                for article in Article.objects.filter(project__slug=DEMO_SLUG):
                    suggestions_run(article=article)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        users = ", ".join(f"{name} ({role})" for name, role in DEMO_USERS.items())
        self.stdout.write(f"Demo logins: {users}; password: {DEMO_PASSWORD}")
