from django import forms

from annotator.exports.formats import BUNDLE_KEY, FORMATS, bundle_formats_clean


def format_choices() -> list[tuple[str, str]]:
    """A callable: the form follows the registry."""
    return [(f.key, f.label) for f in FORMATS.values()]


class ExportForm(forms.Form):
    formats = forms.MultipleChoiceField(
        choices=format_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["jsonl"],
        error_messages={"required": "Choose at least one format."},
    )
    annotations = forms.ChoiceField(
        choices=[
            ("approved", "Approved annotations only"),
            ("all", "All annotations, each with its review status"),
        ],
        widget=forms.RadioSelect,
        initial="approved",
        required=False,  # approved only unless asked
    )
    # Set by the "bundle" button: a .zip with a dataset card even for one format.
    bundle = forms.BooleanField(required=False)

    @classmethod
    def for_project(cls, project) -> "ExportForm":
        """The unbound form as the project's settings start it (Project.export_formats,
        export_include_all)."""
        return cls(
            initial={
                "formats": bundle_formats_clean(project.export_formats),
                "annotations": "all" if project.export_include_all else "approved",
            }
        )

    def export_choice(self) -> tuple[str, list[str], bool]:
        """(format key, bundle formats, include_all) for export_stream()."""
        chosen = self.cleaned_data["formats"]
        include_all = self.cleaned_data.get("annotations") == "all"
        if len(chosen) == 1 and not self.cleaned_data["bundle"]:
            return chosen[0], chosen, include_all
        return BUNDLE_KEY, chosen, include_all


class ImportForm(forms.Form):
    file = forms.FileField(
        label="JSONL file",
        help_text="An annotator export (articles.jsonl) or a doccano JSONL export.",
    )
    doccano_offsets = forms.ChoiceField(
        label="doccano offsets count",
        choices=[
            ("utf16", "UTF-16 units (what doccano writes)"),
            ("codepoint", "Code points (Python, converted files)"),
        ],
        initial="utf16",
        required=False,
        help_text="Only matters for doccano files with emoji or other characters beyond U+FFFF.",
    )

    def clean_doccano_offsets(self):
        return self.cleaned_data.get("doccano_offsets") or "utf16"
