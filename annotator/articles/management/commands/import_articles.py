"""`manage.py import_articles --project SLUG PATH…`: files, folders and .zip archives,
imported as one batch through the same service as the upload page (visible there too)."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.articles.batches import BatchRefused, Upload, batch_counts, batch_create, batch_run
from annotator.articles.forms import published_display
from annotator.articles.models import ImportItem, ItemStatus, Origin
from annotator.articles.services import source_for_outlet
from annotator.projects.models import Project

SKIPPED_NAMES = {".DS_Store", "Thumbs.db"}


class Command(BaseCommand):
    help = "Import article files (text, Markdown, HTML), folders of them and .zip archives."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or .zip")
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--user", help="username recorded as the uploader")
        parser.add_argument("--outlet", help="outlet for every file (created if new)")
        parser.add_argument("--language", help="language for every file, e.g. ar or en")
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar, even on a terminal"
        )

    def handle(self, *args, paths, project, user, outlet, language, no_progress, **options):
        try:
            project = Project.objects.get(slug=project)
        except Project.DoesNotExist as exc:
            raise CommandError(f"No project with the slug “{project}”.") from exc
        uploader = self._user(user)
        files = self._files(paths)
        try:
            batch = batch_create(
                project=project,
                user=uploader,
                uploads=[
                    Upload(name, path.stat().st_size, path.read_bytes) for name, path in files
                ],
                origin=Origin.COMMAND,
                outlet=source_for_outlet(project=project, name=outlet or ""),
                language=language or "",
            )
        except BatchRefused as exc:
            raise CommandError(str(exc)) from exc
        show_bar = not no_progress and sys.stdout.isatty()
        bar = tqdm(total=len(files), unit="file", disable=not show_bar, dynamic_ncols=True)

        def report(item: ImportItem):
            if item.status == ItemStatus.UNPACKED:
                bar.total += int(item.reason.split()[0].replace(",", ""))
                bar.refresh()
            bar.update(1)
            line = self._line(item)
            if show_bar:
                bar.write(line)
            else:
                self.stdout.write(line)

        for item in ImportItem.objects.filter(batch=batch).exclude(status=ItemStatus.PENDING):
            report(item)  # rejected at once (too large)
        batch = batch_run(batch_id=batch.pk, on_result=report)
        bar.close()
        counts = batch_counts(batch)
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{batch.pk}: {counts['imported']} imported, {counts['duplicate']} "
                f"duplicate, {counts['rejected']} rejected, of {counts['total']} files."
            )
        )

    def _user(self, username):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user “{username}”.") from exc

    def _files(self, paths) -> list[tuple[str, Path]]:
        """(name shown in the results, path) of each file; folders are walked in order."""
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                for child in sorted(p for p in path.rglob("*") if p.is_file()):
                    if child.name not in SKIPPED_NAMES:
                        files.append((str(child.relative_to(path.parent)), child))
            elif path.is_file():
                files.append((path.name, path))
            else:
                raise CommandError(f"{raw}: no such file or folder.")
        if not files:
            raise CommandError("No files to import.")
        return files

    def _line(self, item: ImportItem) -> str:
        status = item.get_status_display().lower()
        if item.status == ItemStatus.IMPORTED:
            article = item.article
            details = ", ".join(
                part
                for part in [
                    article.language or "language unknown",
                    published_display(
                        article.published_at, article.published_precision, article.published_tz
                    )
                    or "no date",
                    article.outlet.name if article.outlet else article.outlet_proposed,
                ]
                if part
            )
            return f"{status:9} {item.name} → #{article.pk} “{article.title}” ({details})"
        if item.status == ItemStatus.DUPLICATE:
            return f"{status:9} {item.name} → same text as #{item.article_id} “{item.article}”"
        if item.status == ItemStatus.UNPACKED:
            return f"{status:9} {item.name}: {item.reason}"
        return self.style.ERROR(f"{status:9} {item.name}: {item.reason}")
