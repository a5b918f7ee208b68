from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "annotator.suggestions"
    verbose_name = "Suggestions"
