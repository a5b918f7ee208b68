from django.core.management.base import BaseCommand, CommandError

from annotator.articles.models import Article
from annotator.projects.models import Project
from annotator.suggestions.runs import suggestions_run


class Command(BaseCommand):
    help = "Run the suggesters (hedges, attributions, dates, claims) on a project's articles."

    def add_arguments(self, parser):
        parser.add_argument("project", help="project slug")
        parser.add_argument("--article", type=int, action="append", help="only this article id")

    def handle(self, *args, project, article=None, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"No project with the slug {project!r}.")
        articles = Article.objects.filter(project=found).order_by("pk")
        if article:
            articles = articles.filter(pk__in=article)
        total = articles.count()
        for number, item in enumerate(articles, 1):
            result = suggestions_run(article=item)
            made = ", ".join(f"{n} {kind}" for kind, n in sorted(result.created.items())) or "none"
            self.stdout.write(
                f"[{number}/{total}] {item.title[:60]}: {made} "
                f"(kept away: {result.skipped_decided} decided, {result.skipped_existing} marked)"
            )
