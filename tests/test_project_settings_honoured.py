"""The project's settings as the rest of the app obeys them: the hedge types the panel
offers, the suggesters that run, the claim ranker, the export's defaults (page and API).
The settings are set directly here; the settings page has tests of its own."""

import io
import json
import re
import zipfile

import factories
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from test_suggest_ranker import (
    IMMEDIATE,
    NEW_EN,
    claims,
    decide_like_the_editors,
    make_article,
    retrain_url,
    stats_url,
)

from annotator.annotations.kinds import HEDGE
from annotator.annotations.models import Annotation, HedgeType, Status
from annotator.articles.models import Article
from annotator.review.services import annotation_review
from annotator.suggestions.engine import ATTRIBUTIONS, CLAIMS, DATES, HEDGES
from annotator.suggestions.models import ClaimScore
from annotator.suggestions.runs import suggestions_run
from annotator.suggestions.tasks import claim_ranker_train_task

HTMX = {"HTTP_HX_REQUEST": "true"}
# Written for these tests (fictional places and outlets).
LEDGER = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, "
    "Meridian Wire reported, citing local officials.\n\n"
    "The base, believed to be 4 km west of the airport, may have hosted up to 350 troops."
)
REPORT = (
    "Troops reportedly left the northern base on Tuesday, two local officials said.\n\n"
    "The convoy may have carried up to 30 trucks, according to Harbour Radio."
)


def settings_set(project, **values):
    for name, value in values.items():
        setattr(project, name, value)
    project.save(update_fields=list(values))


def hedge_options(panel: str) -> list[tuple[str, bool]]:
    """The panel's hedge-type select: (value, selected) per option."""
    select = re.search(r'<select name="hedge_type"[^>]*>(.*?)</select>', panel, re.S).group(1)
    return [
        (value, bool(selected))
        for value, selected in re.findall(r'<option value="([^"]*)" ?(selected)?>', select)
    ]


@pytest.fixture
def ledger(team):
    """A report with two hedges by the annotator: hearsay and epistemic."""
    ledger = factories.article(team.project, LEDGER)
    by = team["annotator"]
    factories.span(ledger, "reportedly", HEDGE, by=by, hedge_type=HedgeType.HEARSAY)
    factories.span(ledger, "believed to be", HEDGE, by=by, hedge_type=HedgeType.EPISTEMIC)
    return ledger


@pytest.fixture
def worker(monkeypatch):
    """`manage.py db_worker --batch` in this process and the test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    return run


# ---- Hedge types -----------------------------------------------------------------------


def test_the_panel_offers_the_projects_hedge_types_and_keeps_a_spans_own(
    login, team, ledger, api_as
):
    client = login(team["annotator"])
    hearsay = Annotation.objects.get(article=ledger, quote="reportedly")
    epistemic = Annotation.objects.get(article=ledger, quote="believed to be")

    def panel(annotation):
        url = reverse("workspace:detail", args=[team.slug, annotation.pk])
        return client.get(url, **HTMX).content.decode()

    everything = [("", False), *((value, value == "hearsay") for value in HedgeType.values)]
    assert hedge_options(panel(hearsay)) == everything  # empty: all of them
    settings_set(team.project, hedge_types=[HedgeType.HEARSAY])
    assert hedge_options(panel(hearsay)) == [("", False), ("hearsay", True)]
    # A span of a type no longer offered shows it still, chosen, and a save keeps it.
    assert hedge_options(panel(epistemic)) == [
        ("", False),
        ("hearsay", False),
        ("epistemic", True),
    ]
    save = reverse("workspace:save", args=[team.slug, epistemic.pk])
    data = {"version": epistemic.version, "kind": "hedge", "hedge_type": "epistemic"}
    data["note"] = "kept"
    assert client.post(save, data, **HTMX).status_code == 200
    epistemic.refresh_from_db()
    assert (epistemic.hedge_type, epistemic.note) == ("epistemic", "kept")
    # Another type not offered is refused by the panel, and nothing changes …
    save = reverse("workspace:save", args=[team.slug, hearsay.pk])
    data = {"version": hearsay.version, "kind": "hedge", "hedge_type": "approximator"}
    refused = client.post(save, data, **HTMX)
    assert refused.status_code == 422
    hearsay.refresh_from_db()
    assert hearsay.hedge_type == "hearsay"
    # … but the API, which the setting does not govern, takes every type.
    patched = api_as(team["annotator"])(
        "patch",
        f"/api/projects/{team.slug}/annotations/{hearsay.pk}/",
        {"version": hearsay.version, "hedge_type": "approximator"},
    )
    assert patched.status_code == 200 and patched.json()["hedge_type"] == "approximator"


def test_the_reviewers_edit_form_offers_the_same_hedge_types(login, team, ledger):
    settings_set(team.project, hedge_types=[HedgeType.APPROXIMATOR])
    epistemic = Annotation.objects.get(article=ledger, quote="believed to be")
    url = reverse("review:edit", args=[team.slug, epistemic.pk])
    form = login(team["reviewer"]).get(url, **HTMX).content.decode()
    assert hedge_options(form) == [("", False), ("epistemic", True), ("approximator", False)]


# ---- Suggesters --------------------------------------------------------------------------


def suggested(article, kind):
    return Annotation.objects.filter(article=article, status=Status.SUGGESTED, kind=kind)


def test_a_suggester_off_runs_neither_on_import_nor_on_suggest_again(
    login, team, worker, django_capture_on_commit_callbacks
):
    settings_set(team.project, suggesters_off=[HEDGES])
    client = login(team["annotator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("articles:paste", args=[team.slug]), {"text": REPORT})
    worker()
    article = Article.objects.get(project=team.project)
    assert not suggested(article, "hedge").exists()
    attributions = set(suggested(article, "attribution").values_list("pk", flat=True))
    assert attributions

    # Hedges on again, attributions off: "Suggest again" brings the hedges and leaves the
    # open attribution suggestions as they were.
    settings_set(team.project, suggesters_off=[ATTRIBUTIONS])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("suggestions:run", args=[team.slug, article.pk]), **HTMX)
    worker()
    assert suggested(article, "hedge").exists()
    assert set(suggested(article, "attribution").values_list("pk", flat=True)) == attributions


def test_claims_off_leaves_the_other_suggesters_as_they_were(team):
    everything = factories.article(team.project, REPORT, title="All on")
    suggestions_run(article=everything)
    settings_set(team.project, suggesters_off=[CLAIMS])
    without_claims = factories.article(team.project, REPORT + " ", title="Claims off")
    suggestions_run(article=without_claims)

    def spans(article, kind):
        return set(suggested(article, kind).values_list("start", "end", "hedge_type"))

    assert suggested(everything, "claim").exists()
    assert not suggested(without_claims, "claim").exists()
    for kind in ("hedge", "attribution"):
        assert spans(without_claims, kind) == spans(everything, kind)


def test_the_suggestions_page_says_which_suggesters_are_off(login, team):
    page = login(team["owner"]).get(stats_url(team)).content.decode()
    assert 'id="suggesters-off"' not in page
    settings_set(team.project, suggesters_off=[DATES, HEDGES])
    page = login(team["owner"]).get(stats_url(team)).content.decode()
    off = re.search(r'<p id="suggesters-off">(.*?)</p>', page, re.S).group(1)
    assert f"{HEDGES}, {DATES}." in off  # in the engine's order
    assert f'<a href="{reverse("teams:settings", args=[team.slug])}">settings</a>' in off
    # Annotators read which are off too, without a link to a page they may not open.
    annotators = login(team["annotator"]).get(stats_url(team)).content.decode()
    off = re.search(r'<p id="suggesters-off">(.*?)</p>', annotators, re.S).group(1)
    assert f"{HEDGES}, {DATES}." in off and "<a " not in off


# ---- Claim ranker ---------------------------------------------------------------------------


def test_claim_ranker_off_does_not_train_after_decisions(
    team, settings, django_capture_on_commit_callbacks
):
    settings_set(team.project, claim_ranker_on=False)
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True) as queued:
        decide_like_the_editors(team.project, team["annotator"], articles=2, arabic=1)
    assert not [c for c in queued if "claim_ranker" in c.__qualname__]
    result = claim_ranker_train_task.enqueue(team.project.pk).return_value
    assert not result["trained"] and result["message"].startswith("Claim ranker: off")


def test_claim_ranker_off_orders_by_the_rules_and_ignores_its_scores(
    login, team, settings, django_capture_on_commit_callbacks
):
    waiting = make_article(team.project, NEW_EN, "en", "Waiting")
    suggestions_run(article=waiting)
    decide_like_the_editors(team.project, team["reviewer"])
    database = settings.TASKS
    settings.TASKS = IMMEDIATE
    claim_ranker_train_task.enqueue(team.project.pk)
    assert claims(waiting)[0].quote.startswith("Soldiers withdrew")  # the model's order

    settings_set(team.project, claim_ranker_on=False)
    preview = login(team["annotator"]).get(
        reverse("suggestions:accept_all", args=[team.slug, waiting.pk]), {"kind": "claim"}, **HTMX
    )
    html = preview.content.decode()
    assert html.index("This story was updated") < html.index("Soldiers withdrew")  # the rules'
    assert ClaimScore.objects.filter(annotation__article=waiting).count() == 2  # kept, unused
    later = make_article(team.project, NEW_EN.replace("Monday", "Friday"), "en", "Later")
    suggestions_run(article=later)
    assert claims(later)[0].quote.startswith("This story was updated")
    assert not ClaimScore.objects.filter(annotation__article=later).exists()

    page = login(team["reviewer"]).get(stats_url(team)).content.decode()
    assert "Claim ranker: off in this project’s" in page and "Retrain now" not in page
    settings.TASKS = database  # so that a queued training would show
    with django_capture_on_commit_callbacks(execute=True):
        response = login(team["reviewer"]).post(retrain_url(team), follow=True)
    assert "Claim ranker: off in this project’s settings." in response.content.decode()
    assert not DBTaskResult.objects.filter(task_path__endswith="claim_ranker_train_task").exists()


# ---- Exports ---------------------------------------------------------------------------------


def ticked(page: str) -> tuple[list[str], list[str]]:
    """The export form's ticked formats and chosen annotations."""
    formats = re.findall(r'<input type="checkbox" name="formats" value="([^"]+)" checked>', page)
    radios = re.findall(r'<input type="radio" name="annotations"[^>]*>', page)
    chosen = [re.search(r'value="([^"]+)"', r).group(1) for r in radios if "checked" in r]
    return formats, chosen


def test_the_export_page_starts_with_the_projects_defaults(login, team):
    client = login(team["reviewer"])
    url = reverse("exports:page", args=[team.slug])
    assert ticked(client.get(url).content.decode()) == (["jsonl"], ["approved"])
    settings_set(team.project, export_formats=["csv", "w3c"], export_include_all=True)
    assert ticked(client.get(url).content.decode()) == (["w3c", "csv"], ["all"])


@pytest.fixture
def exported(team, api_as):
    """export(**params) -> the API's answer for the team's project, as the reviewer."""
    claims = [
        factories.span(factories.article(team.project, text), quote, by=team["annotator"])
        for text, quote in [
            ("Troops left the Tal Safra base on Tuesday.", "Troops left the Tal Safra base"),
            ("The bridge at Qarmal reopened on Friday.", "The bridge at Qarmal reopened"),
        ]
    ]
    annotation_review(annotation=claims[0], reviewer=team["reviewer"], decision=Status.APPROVED)
    call = api_as(team["reviewer"])
    url = f"/api/projects/{team.slug}/export"

    def export(**params):
        query = "&".join(f"{name}={value}" for name, value in params.items())
        response = call("get", f"{url}?{query}" if query else url)
        assert response.status_code == 200
        return response, b"".join(response.streaming_content)

    return export


def test_api_export_without_formats_follows_the_projects_settings(team, exported):
    response, _ = exported()
    assert response["Content-Type"].startswith("application/jsonl")  # as before
    settings_set(team.project, export_formats=["csv"])
    response, content = exported()
    assert response["Content-Type"].startswith("text/csv")
    assert b"Troops left" in content and b"bridge" not in content  # approved only
    settings_set(team.project, export_formats=["csv", "jsonl"], export_include_all=True)
    response, content = exported()
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "articles.jsonl" in names and "claims.csv" in names
    assert "annotations.jsonld" not in names
    jsonl = zipfile.ZipFile(io.BytesIO(content)).read("articles.jsonl")
    # The page's "all annotations" default is not the API's: a pipeline that asks for
    # nothing keeps getting approved annotations only.
    assert b"Troops left" in jsonl and b"bridge" not in jsonl
    _, content = exported(format="jsonl", include_all="true")
    assert b"bridge" in content
    _, content = exported(format="zip")
    assert "annotations.jsonld" not in zipfile.ZipFile(io.BytesIO(content)).namelist()
    _, content = exported(bundle_formats="w3c")  # a bundle of these, format left out
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "annotations.jsonld" in names and "claims.csv" not in names
    _, content = exported(format="zip", bundle_formats="w3c")
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "annotations.jsonld" in names and "claims.csv" not in names


def test_api_export_documents_the_defaults(client, team, login):
    schema = json.loads(login(team["owner"]).get("/api/openapi.json").content)
    operation = schema["paths"]["/api/projects/{slug}/export"]["get"]
    assert "follow the project's settings" in operation["description"]
