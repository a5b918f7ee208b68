from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article
from annotator.demo.data import DEMO_PASSWORD, DEMO_SLUG, DEMO_USERS, demo_load
from annotator.review.services import annotation_review
from annotator.suggestions.runs import suggestions_run

# In the full demo (make run) the reviewer has approved the agency's article, so the
# export has data to show; one span is rejected with a comment.
REVIEWED_OUTLET = "Meridian Wire"
REJECTED_QUOTE = "housed about 300 personnel"


class Command(BaseCommand):
    help = "Create the demo project, its users and annotated articles (once; safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="also run the suggesters and review one article (what make run shows)",
        )

    def handle(self, *args, full=False, **options):
        if demo_load():
            if full:
                self._extras()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        users = ", ".join(f"{name} ({role})" for name, role in DEMO_USERS.items())
        self.stdout.write(f"Demo logins: {users}; password: {DEMO_PASSWORD}")

    def _extras(self):
        reviewer = get_user_model().objects.get(username="reviewer")
        wire = Article.objects.get(project__slug=DEMO_SLUG, outlet__name=REVIEWED_OUTLET)
        for annotation in Annotation.objects.filter(article=wire, status=Status.DRAFT):
            rejected = annotation.quote == REJECTED_QUOTE
            annotation_review(
                annotation=annotation,
                reviewer=reviewer,
                decision="rejected" if rejected else "approved",
                comment="Mark the number only: “about 300 personnel”." if rejected else "",
            )
        for article in Article.objects.filter(project__slug=DEMO_SLUG):
            suggestions_run(article=article)
