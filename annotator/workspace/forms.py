from datetime import datetime, time

from django import forms
from django.utils import timezone

from annotator.annotations.kinds import KINDS, kind_choices
from annotator.annotations.models import Annotation, HedgeType, TimePrecision
from annotator.annotations.offsets import span_problem
from annotator.datetimes import datetime_problem
from annotator.events.models import Event
from annotator.sources.models import Source
from annotator.workspace.claimed import ClaimedTimeError, claimed_text, claimed_time_read


class SelectionForm(forms.Form):
    """A selection sent by the page: offsets in code points plus the quote it saw."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=0)
    quote = forms.CharField(strip=False)

    def __init__(self, *args, text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        problem = span_problem(self.text, data["start"], data["end"], data["quote"])
        if problem:
            raise forms.ValidationError(problem)
        return data

    def error_message(self) -> str:
        errors = [str(e) for field_errors in self.errors.values() for e in field_errors]
        return " ".join(errors) or "Invalid selection."


class SpanForm(SelectionForm):
    """A new span: the selection and what it is."""

    kind = forms.ChoiceField(
        choices=kind_choices, error_messages={"required": "Choose what the selection is."}
    )


def hedge_type_choices(project, kept: str = "") -> list[tuple[str, str]]:
    """The hedge types the panel offers: the project's (Project.hedge_types, empty: all), and
    `kept`, a span's own type, so that saving its panel does not lose it. The setting governs
    the panel only: the API, the dataset import and the suggesters accept every HedgeType."""
    offered = set(project.hedge_types or HedgeType.values) | {kept}
    return [("", "—"), *[(value, label) for value, label in HedgeType.choices if value in offered]]


class DetailForm(forms.Form):
    """The fields of the detail panel. `changes()` turns them into annotation_edit kwargs:
    the kind, the note, and the fields of the chosen kind (kinds.KindSpec.fields) that the
    panel edits.

    The claimed time is one typed field, `claimed_text` ("15 Jan", "yesterday", "the 15th"),
    read against the article's publication date (workspace/claimed.py). A form that does not
    send it may send claimed_date, claimed_time and claimed_precision instead."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=kind_choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), strip=False)
    # claim
    event = forms.ModelChoiceField(queryset=Event.objects.none(), required=False)
    new_event_title = forms.CharField(required=False, max_length=300)
    claimed_text = forms.CharField(required=False)  # capped by claimed_time_read
    claimed_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    claimed_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    claimed_precision = forms.ChoiceField(
        choices=[("", "—"), *TimePrecision.choices], required=False
    )
    # attribution: a source chosen, or typed (q) and then created, created although it looks
    # like an existing one, or added as that one's alias
    cited_source = forms.ModelChoiceField(queryset=Source.objects.none(), required=False)
    q = forms.CharField(required=False, max_length=200)
    new_source_name = forms.CharField(required=False, max_length=200)
    new_source_anyway = forms.CharField(required=False, max_length=200)
    alias_for = forms.ModelChoiceField(queryset=Source.objects.none(), required=False)
    # hedge
    hedge_type = forms.ChoiceField(choices=[("", "—"), *HedgeType.choices], required=False)

    def __init__(self, *args, project=None, article=None, hedge_type="", **kwargs):
        """`hedge_type`: the span's own, offered even when the project no longer offers it."""
        super().__init__(*args, **kwargs)
        self.published_at = article.published_at if article is not None else None
        self.claimed = None  # a ClaimedTime read from claimed_text
        if project is not None:
            self.fields["event"].queryset = Event.objects.filter(project=project)
            self.fields["cited_source"].queryset = Source.objects.filter(project=project)
            self.fields["alias_for"].queryset = Source.objects.filter(project=project)
            self.fields["hedge_type"].choices = hedge_type_choices(project, hedge_type)

    @classmethod
    def for_annotation(cls, annotation: Annotation, project=None) -> "DetailForm":
        claimed = annotation.claimed_at
        if claimed is not None:
            claimed = timezone.localtime(claimed)
        return cls(
            project=project,
            hedge_type=annotation.hedge_type,
            initial={
                "version": annotation.version,
                "kind": annotation.kind,
                "note": annotation.note,
                "event": annotation.event_id,
                "cited_source": annotation.cited_source_id,
                "hedge_type": annotation.hedge_type,
                "claimed_precision": annotation.claimed_precision,
                "claimed_date": claimed.date() if claimed else None,
                "claimed_time": claimed.time()
                if claimed and annotation.claimed_precision == TimePrecision.MINUTE
                else None,
                "claimed_text": claimed_text(annotation.claimed_at, annotation.claimed_precision),
            },
        )

    @property
    def typed_time(self) -> bool:
        """Whether the claimed time came typed (claimed_text) rather than in three fields."""
        return self.is_bound and "claimed_text" in self.data

    def clean(self):
        data = super().clean()
        if self.typed_time:
            self._claimed_text_read(data)
        elif data.get("claimed_time") and not data.get("claimed_date"):
            self.add_error("claimed_date", "Give the date as well as the time.")
        elif {"claimed_date", "claimed_time", "claimed_precision"} <= data.keys():
            problem = datetime_problem(self._claimed_time()[0], "The claimed date")
            if problem:
                self.add_error("claimed_date", problem)
        return data

    def changes(self) -> dict:
        """annotation_edit kwargs: the kind, the note and the chosen kind's fields."""
        data = self.cleaned_data
        kind = data["kind"]
        claimed_at, precision = self._claimed_time()
        panel = {
            "event": data["event"],
            "claimed_at": claimed_at,
            "claimed_precision": precision,
            "cited_source": data["cited_source"],
            "hedge_type": data["hedge_type"],
        }
        changes = {"kind": kind, "note": data["note"]}
        for field in KINDS[kind].fields:
            if field in panel:  # credibility is the reviewer's, on the event page
                changes[field] = panel[field]
        return changes

    def new_records(self) -> dict:
        """What was typed to create along with the save: a new event, a new cited source
        (or a new alias of an existing one)."""
        data = self.cleaned_data
        anyway = data["new_source_anyway"].strip()
        return {
            "new_event_title": data["new_event_title"].strip(),
            "new_source_name": anyway or data["new_source_name"].strip(),
            "new_source_force": bool(anyway),
            "alias_for": data["alias_for"],
            "alias": data["q"].strip(),
        }

    def _claimed_text_read(self, data) -> None:
        if "claimed_text" not in data:
            return  # refused already (a NUL)
        try:
            self.claimed = claimed_time_read(data["claimed_text"], published_at=self.published_at)
        except ClaimedTimeError as error:
            self.add_error("claimed_text", str(error))

    def _claimed_time(self):
        if self.typed_time:
            return (self.claimed.at, self.claimed.precision) if self.claimed else (None, "")
        day, clock = self.cleaned_data["claimed_date"], self.cleaned_data["claimed_time"]
        if day is None:
            return None, ""
        precision = self.cleaned_data["claimed_precision"] or (
            TimePrecision.MINUTE if clock else TimePrecision.DAY
        )
        if precision == TimePrecision.MONTH:
            day = day.replace(day=1)
        moment = datetime.combine(
            day, clock if precision == TimePrecision.MINUTE and clock else time(0)
        )
        return timezone.make_aware(moment), precision
