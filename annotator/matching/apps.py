from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "annotator.matching"
    verbose_name = "Claim matching"

    def ready(self):
        # A claim saved anywhere (page, API, review, accepted suggestion) queues its
        # embedding and proposals in the worker; imported articles queue their claims too.
        from django.db.models.signals import post_save

        from annotator.annotations.models import Annotation
        from annotator.articles.signals import article_imported
        from annotator.matching.tasks import claims_match_on_import, claims_match_on_save

        post_save.connect(claims_match_on_save, sender=Annotation, dispatch_uid="matching")
        article_imported.connect(claims_match_on_import, dispatch_uid="matching")
