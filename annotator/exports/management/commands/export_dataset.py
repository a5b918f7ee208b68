import sys

from django.core.management.base import BaseCommand, CommandError

from annotator.exports.formats import FORMATS, export_keys
from annotator.exports.records import Selection
from annotator.exports.streams import export_stream
from annotator.projects.models import Project


class Command(BaseCommand):
    help = (
        "Export a project's dataset. Approved annotations only unless --include-all. "
        "Writes to --output, or to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--format", required=True, choices=export_keys())
        parser.add_argument(
            "--include-all",
            action="store_true",
            help="Every annotation whatever its review status (each carries its status).",
        )
        parser.add_argument(
            "--bundle-formats",
            default=",".join(FORMATS),
            help="With --format zip: the formats in the bundle (comma-separated).",
        )
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        bundle = [k.strip() for k in options["bundle_formats"].split(",") if k.strip()]
        unknown = set(bundle) - set(FORMATS)
        if unknown:
            raise CommandError(f"Unknown bundle format(s): {', '.join(sorted(unknown))}.")
        export = export_stream(
            Selection(project, include_all=options["include_all"]), options["format"], bundle
        )
        if options["output"]:
            with open(options["output"], "wb") as out:
                size = _copy(export.chunks, out)
            self.stderr.write(f"Wrote {size:,} bytes to {options['output']}.")
        else:
            if export.archive and sys.stdout.isatty():
                raise CommandError("This format is a .zip: name a file with --output.")
            _copy(export.chunks, sys.stdout.buffer)
            sys.stdout.buffer.flush()


def _copy(chunks, out) -> int:
    size = 0
    for chunk in chunks:
        out.write(chunk)
        size += len(chunk)
    return size
