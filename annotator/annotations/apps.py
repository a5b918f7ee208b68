from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotator.annotations"
