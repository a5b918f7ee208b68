from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "annotator.review"

    def ready(self):
        # A member removed from a project leaves its assignments (a signal: projects does
        # not know the apps built on it).
        from annotator.projects.signals import member_removed
        from annotator.review.services import assignments_of_removed_member_delete

        member_removed.connect(assignments_of_removed_member_delete, dispatch_uid="review")
