from django.apps import AppConfig


def claimed_dates_find(text: str, language: str, published_at):
    """dates.find_dates, imported on the first claimed time a person types. The claimed-time
    suggester compiles its patterns (about 0.3 s) and brings dateparser: a web process loads
    them when the workspace first needs them, not at start-up (tests/test_startup_imports.py)."""
    from annotator.suggestions.dates import find_dates

    return find_dates(text, language, published_at)


def suggestions_enqueue_on_import(sender, **signal):
    """tasks.suggestions_enqueue_on_import, imported on the first articles imported: the
    tasks and services bring the annotation and article services into django.setup()
    otherwise."""
    from annotator.suggestions import tasks

    tasks.suggestions_enqueue_on_import(sender, **signal)


def suggestion_taken_record(sender, **signal):
    """services.suggestion_taken_record, imported on the first suggestion taken over."""
    from annotator.suggestions import services

    services.suggestion_taken_record(sender, **signal)


class SuggestionsConfig(AppConfig):
    name = "annotator.suggestions"
    verbose_name = "Suggestions"

    def ready(self):
        # The articles app announces imported articles; the suggesters then run on them in
        # the background. (A signal: articles does not know the apps built on it.)
        # A person's span taking an open suggestion over is recorded as a decision.
        from annotator.annotations.signals import suggestion_taken
        from annotator.articles.signals import articles_imported
        from annotator.workspace.claimed import relative_reader_set

        articles_imported.connect(suggestions_enqueue_on_import, dispatch_uid="suggestions")
        suggestion_taken.connect(suggestion_taken_record, dispatch_uid="suggestions")
        # The workspace reads a typed claimed time ("yesterday", "Monday") with our reader.
        relative_reader_set(claimed_dates_find)
