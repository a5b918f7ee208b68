from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from annotator.articles.dates import FoundDate, parse_date, tzinfo_for
from annotator.articles.models import Article, ArticleStatus, DatePrecision
from annotator.datetimes import datetime_problem
from annotator.sources.models import Source

LANGUAGES = [
    ("", "Unknown"),
    ("ar", "Arabic"),
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("es", "Spanish"),
    ("fa", "Persian"),
    ("he", "Hebrew"),
    ("ku", "Kurdish"),
    ("ru", "Russian"),
    ("tr", "Turkish"),
    ("ur", "Urdu"),
]
LANGUAGE_NAMES = dict(LANGUAGES)
DETECT = [("", "Detect")] + LANGUAGES[1:]


def language_choices(current: str = "", first=LANGUAGES):
    """The usual languages, plus `current` when it is another one (e.g. "it")."""
    if current and current not in LANGUAGE_NAMES:
        return [*first, (current, current)]
    return first


def published_display(value, precision: str, tz: str) -> str:
    """How a stored date is written back into a form field (parse_date reads it again)."""
    if value is None:
        return ""
    if precision == DatePrecision.DAY:
        return value.strftime("%Y-%m-%d")
    zone = tzinfo_for(tz)
    local = value.astimezone(zone) if zone else value
    text = local.strftime("%Y-%m-%d %H:%M")
    if tz and (tz.startswith(("+", "-")) or "/" in tz):
        text += " " + tz  # an offset, or a zone's name ("Asia/Damascus"), read back as given
    elif tz:
        text += " " + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
    return text


class PublishedField(forms.CharField):
    """A date as people write it: 2024-01-17, 2024-01-17 19:32 +05:30, 17 January 2024…"""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "help_text",
            "e.g. 2024-01-17 or 2024-01-17 19:32 +05:30; English and Arabic month names too.",
        )
        super().__init__(**kwargs)

    def clean(self, value) -> FoundDate | None:
        value = super().clean(value)
        if not value:
            return None
        found = parse_date(value)
        if found is None:
            raise forms.ValidationError(
                "Not a date we can read. Write it like 2024-01-17 or 2024-01-17 19:32 +05:30."
            )
        problem = datetime_problem(found.value, "The date")
        if problem:
            raise forms.ValidationError(problem)
        return found


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class UploadForm(forms.Form):
    files = MultipleFileField(
        required=True,
        allow_empty_file=True,  # an empty file is reported in the results like other bad files
        help_text="Plain text, Markdown or saved web pages (.txt, .md, .html), or a .zip of them.",
    )
    outlet = forms.ModelChoiceField(
        queryset=Source.objects.none(),
        required=False,
        empty_label="Detect from each file",
        help_text="Set it when all files come from one outlet.",
    )
    language = forms.ChoiceField(choices=DETECT, required=False)

    def __init__(self, project, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = Source.objects.filter(project=project).only("name")
        self.fields["files"].widget.attrs.update(
            {
                "accept": ".txt,.text,.md,.markdown,.html,.htm,.xhtml,.zip",
                "data-max-files": settings.IMPORT_BATCH_MAX_FILES,
                "data-max-file-bytes": settings.ARTICLE_MAX_BYTES,
                "data-max-batch-bytes": settings.IMPORT_BATCH_MAX_BYTES,
            }
        )
        self.limits = (
            f"Up to {settings.IMPORT_BATCH_MAX_FILES:,} files and "
            f"{filesizeformat(settings.IMPORT_BATCH_MAX_BYTES)} at once; "
            f"{filesizeformat(settings.ARTICLE_MAX_BYTES)} per article."
        )


class PasteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 12, "dir": "auto"}), strip=False)
    title = forms.CharField(max_length=500, required=False, help_text="Detected when empty.")
    outlet = forms.CharField(max_length=200, required=False)
    url = forms.URLField(label="URL", max_length=2000, required=False, assume_scheme="https")
    published = PublishedField(label="Published")
    language = forms.ChoiceField(choices=DETECT, required=False)

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("The text is empty.")
        return text


class ArticleMetadataForm(forms.Form):
    """One article's metadata: a row of the review table, or the about page's form."""

    title = forms.CharField(max_length=500)
    outlet = forms.CharField(
        max_length=200, required=False, help_text="A new name creates a new outlet."
    )
    published = PublishedField(label="Published")
    language = forms.ChoiceField(choices=LANGUAGES, required=False)

    def __init__(self, *args, article: Article, **kwargs):
        kwargs.setdefault("prefix", f"a{article.pk}")
        kwargs.setdefault(
            "initial",
            {
                "title": article.title,
                "outlet": article.outlet.name if article.outlet else article.outlet_proposed,
                "published": published_display(
                    article.published_at, article.published_precision, article.published_tz
                ),
                "language": article.language,
            },
        )
        super().__init__(*args, **kwargs)
        self.article = article
        self.fields["language"].choices = language_choices(article.language)
        self.fields["title"].widget.attrs["dir"] = "auto"
        self.fields["outlet"].widget.attrs.update({"dir": "auto", "list": "outlet-names"})
        self.outlet_is_new = article.outlet_id is None and bool(article.outlet_proposed)


class ArticleFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    outlet = forms.CharField(required=False)
    language = forms.CharField(required=False, max_length=35)
    status = forms.ChoiceField(choices=[("", "Any status"), *ArticleStatus.choices], required=False)
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
    sort = forms.ChoiceField(
        choices=[
            ("", "Best match / newest"),
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("added", "Recently added"),
        ],
        required=False,
    )
    page = forms.IntegerField(required=False, min_value=1)
