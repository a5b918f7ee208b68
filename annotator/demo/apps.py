from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "annotator.demo"
    verbose_name = "Demo data"
