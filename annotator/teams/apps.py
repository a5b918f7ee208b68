from django.apps import AppConfig


class TeamsConfig(AppConfig):
    """Running a project from the browser: create it, set it up, archive or delete it.
    Above the other apps, because its settings are theirs (hedge types, suggesters, export
    formats) and deleting a project waits for their running work."""

    name = "annotator.teams"
