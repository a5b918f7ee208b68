from django import forms
from django.contrib.auth import get_user_model

from annotator.annotations.models import Status
from annotator.articles.models import Article, ArticleStatus
from annotator.projects.models import Role
from annotator.review.services import COMMENT_MAX
from annotator.sources.models import Source

User = get_user_model()

QUEUE_STATUSES = [
    (ArticleStatus.READY, "Ready for review"),
    (ArticleStatus.REVIEWED, "Reviewed"),
    (ArticleStatus.IN_PROGRESS, "In progress"),
]


def _members(project, roles=None):
    # One filter() over the membership: two would join it twice, listing a person once per
    # project they are in and matching a role they hold in another project.
    of_project = {"memberships__project": project}
    if roles:
        of_project["memberships__role__in"] = roles
    return User.objects.filter(**of_project).order_by("username")


class QueueFilterForm(forms.Form):
    """Filters of the review queue; a filter that is not understood is ignored."""

    status = forms.ChoiceField(choices=QUEUE_STATUSES, required=False)
    annotator = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    outlet = forms.ModelChoiceField(queryset=Source.objects.none(), required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annotator"].queryset = _members(project)
        self.fields["outlet"].queryset = (
            Source.objects.filter(project=project, articles__isnull=False)
            .distinct()
            .order_by("name")
            .only("pk", "name")
        )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or ArticleStatus.READY,
            "annotator": data.get("annotator"),
            "outlet": data.get("outlet"),
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(s, s) for s in (Status.APPROVED, Status.REJECTED)])
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, strip=True)
    version = forms.IntegerField(min_value=1, required=False)

    def error_message(self) -> str:
        return " ".join(f"{name}: {' '.join(errors)}" for name, errors in self.errors.items())


class AssignForm(forms.Form):
    articles = forms.ModelMultipleChoiceField(
        queryset=Article.objects.none(),
        error_messages={"required": "Tick the articles to assign."},
    )
    users = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        error_messages={"required": "Choose who should annotate them."},
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.filter(project=project).only(
            "pk", "project_id"
        )
        self.fields["users"].queryset = _members(
            project, [Role.ANNOTATOR, Role.REVIEWER, Role.OWNER]
        )
