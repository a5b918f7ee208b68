from django.apps import AppConfig


def assignments_of_removed_member_delete(**signal):
    """services.assignments_of_removed_member_delete, imported when a member is first removed:
    the services bring the annotation and article services (and regex) into django.setup()
    otherwise, which the task worker and a web process before its first request do without
    (tests/test_startup_imports.py)."""
    from annotator.review import services

    services.assignments_of_removed_member_delete(**signal)


class ReviewConfig(AppConfig):
    name = "annotator.review"

    def ready(self):
        # A member removed from a project leaves its assignments (a signal: projects does
        # not know the apps built on it).
        from annotator.projects.signals import member_removed

        member_removed.connect(assignments_of_removed_member_delete, dispatch_uid="review")
