"""The project forms: what the pages read from a POST and draw back, errors included. The
rules themselves are the services' (services.ProjectError names the field it is about)."""

from django import forms

from annotator.annotations.models import HedgeType
from annotator.exports.formats import FORMATS
from annotator.teams.services import (
    DESCRIPTION_MAX,
    GUIDELINES_MAX,
    NAME_MAX,
    SLUG_MAX,
    SUGGESTERS,
)

GUIDELINES_HELP = "Markdown: headings, lists, links, **bold**. Members see it on the project page."


class ProjectTextForm(forms.Form):
    """Name, description and guidelines: the same on the new-project and settings pages
    (their templates draw the fields)."""

    name = forms.CharField(max_length=NAME_MAX)
    description = forms.CharField(max_length=DESCRIPTION_MAX, required=False)
    guidelines = forms.CharField(
        max_length=GUIDELINES_MAX, required=False, help_text=GUIDELINES_HELP
    )


class ProjectCreateForm(ProjectTextForm):
    slug = forms.CharField(
        max_length=SLUG_MAX,
        required=False,
        help_text="The project's address, /p/<slug>/: proposed from the name; it cannot change.",
    )


class ProjectSettingsForm(ProjectTextForm):
    """The settings page. Ticks stand for what is on (hedge types offered, suggesters that
    run, formats ticked on the export page); settings_changes() turns them into the
    services' terms."""

    hedge_types = forms.MultipleChoiceField(
        choices=HedgeType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Hedge types offered in the panel",
    )
    suggesters_on = forms.MultipleChoiceField(
        choices=list(SUGGESTERS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Suggesters that run on new articles",
    )
    claim_ranker_on = forms.BooleanField(
        required=False, label="Order claim suggestions by what this project accepts"
    )
    export_formats = forms.MultipleChoiceField(
        choices=[(key, f.label) for key, f in FORMATS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Formats ticked on the export page",
        help_text="None ticked: JSONL.",
    )
    export_include_all = forms.BooleanField(
        required=False, label="Export every annotation with its status, not approved only"
    )

    @classmethod
    def for_project(cls, project):
        return cls(
            initial={
                "name": project.name,
                "description": project.description,
                "guidelines": project.guidelines,
                # Empty offers every type: shown as all ticked.
                "hedge_types": project.hedge_types or HedgeType.values,
                "suggesters_on": [s for s in SUGGESTERS if s not in project.suggesters_off],
                "claim_ranker_on": project.claim_ranker_on,
                "export_formats": project.export_formats,
                "export_include_all": project.export_include_all,
            }
        )

    def clean_hedge_types(self):
        ticked = self.cleaned_data["hedge_types"]
        if not ticked:
            raise forms.ValidationError("Tick at least one hedge type (all ticked offers all).")
        return [] if set(ticked) == set(HedgeType.values) else ticked

    def settings_changes(self) -> dict:
        data = dict(self.cleaned_data)
        on = data.pop("suggesters_on")
        return {**data, "suggesters_off": [s for s in SUGGESTERS if s not in on]}


class ProjectDeleteForm(forms.Form):
    confirm_slug = forms.CharField(
        max_length=SLUG_MAX + 20, required=False, label="Type the project's slug to confirm"
    )
