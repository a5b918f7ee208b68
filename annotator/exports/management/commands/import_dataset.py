from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotator.exports.dataset_import import MAX_ERRORS_SHOWN, dataset_import
from annotator.projects.models import Membership, Project, Role


class Command(BaseCommand):
    help = (
        "Import a JSONL dataset (annotator's export, or doccano's JSONL) into a project. "
        "Each line is one article, written in batches of lines: a bad line stores nothing "
        "and is reported with its number. Exits with status 1 if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .jsonl file.")
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument(
            "--user",
            help="The owner the import is recorded as (default: the project's first owner).",
        )
        parser.add_argument(
            "--doccano-offsets",
            choices=["utf16", "codepoint"],
            default="utf16",
            help="How the doccano file counts offsets (doccano counts UTF-16 units).",
        )

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        user = self._user(project, options["user"])
        try:
            with open(options["file"], "rb") as lines:
                report = dataset_import(
                    project=project,
                    lines=lines,
                    user=user,
                    doccano_offsets=options["doccano_offsets"],
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from exc
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(warning))
        for number, message in report.skipped:
            self.stdout.write(f"line {number}: skipped: {message}")
        for number, message in report.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(self.style.ERROR(f"line {number}: {message}"))
        if len(report.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more errors.")
        self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(f"{len(report.errors)} lines were not imported.")

    def _user(self, project, username):
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            if not Membership.objects.filter(project=project, user=user, role=Role.OWNER):
                raise CommandError(f"{username} is not an owner of {project.slug}: owners import.")
            return user
        owner = (
            Membership.objects.filter(project=project, role=Role.OWNER)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if owner is None:
            raise CommandError("The project has no owner; name one with --user.")
        return owner.user
