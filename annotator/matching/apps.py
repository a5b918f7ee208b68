from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "annotator.matching"
    verbose_name = "Claim matching"

    def ready(self):
        # A claim saved anywhere (page, API, review, accepted suggestion) queues its
        # embedding and proposals in the worker; imported articles and a dataset import's
        # spans (written in bulk, without post_save) queue theirs too.
        from django.db.models.signals import post_save

        from annotator.annotations.models import Annotation
        from annotator.annotations.signals import annotations_bulk_created
        from annotator.articles.signals import articles_imported
        from annotator.matching.tasks import (
            claims_match_on_bulk,
            claims_match_on_import,
            claims_match_on_save,
        )

        post_save.connect(claims_match_on_save, sender=Annotation, dispatch_uid="matching")
        articles_imported.connect(claims_match_on_import, dispatch_uid="matching")
        annotations_bulk_created.connect(claims_match_on_bulk, dispatch_uid="matching")
