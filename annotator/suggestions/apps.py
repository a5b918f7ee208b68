from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "annotator.suggestions"
    verbose_name = "Suggestions"

    def ready(self):
        # The articles app announces imported articles; the suggesters then run on them in
        # the background. (A signal: articles does not know the apps built on it.)
        from annotator.articles.signals import article_imported
        from annotator.suggestions.tasks import suggestions_enqueue_on_import

        article_imported.connect(suggestions_enqueue_on_import, dispatch_uid="suggestions")
