"""Every rule lives in a service, so the page and the API (and the commands) meet the same
rule: each test here drives one rule through both doors and gets the same result."""

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import ATTRIBUTION, CLAIM
from annotator.annotations.models import Status
from annotator.annotations.services import annotation_update
from annotator.articles.models import ArticleStatus, ImportBatch
from annotator.events.models import Event
from annotator.sources.models import Source

HTMX = {"HTTP_HX_REQUEST": "true"}
TEXT = "Troops left the base on Tuesday, local officials said. The road was closed."


@pytest.fixture
def story(team):
    return factories.article(team.project, TEXT)


def _claim(story, author, status=Status.DRAFT):
    claim = factories.span(story, "Troops left the base on Tuesday", by=author)
    if status != Status.DRAFT:
        claim = annotation_update(annotation=claim, version=claim.version, user=None, status=status)
    return claim


def _page_save(client, team, annotation, **fields):
    data = {"version": annotation.version, "kind": annotation.kind, "note": "", **fields}
    url = reverse("workspace:save", args=[team.slug, annotation.pk])
    return client.post(url, data, **HTMX)


def _api_save(api, team, annotation, **fields):
    path = f"/api/projects/{team.slug}/annotations/{annotation.pk}/"
    return api("patch", path, {"version": annotation.version, **fields})


DOORS = {"page": _page_save, "api": _api_save}


def _door(name, team, user, login, api_as):
    client = login(user) if name == "page" else api_as(user)
    return lambda annotation, **fields: DOORS[name](client, team, annotation, **fields)


@pytest.mark.parametrize("door", DOORS)
def test_an_authors_edit_of_a_rejected_span_puts_it_up_for_review(door, team, story, login, api_as):
    claim = _claim(story, team["annotator"], Status.REJECTED)
    response = _door(door, team, team["annotator"], login, api_as)(claim, note="Narrowed it.")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.note) == (Status.DRAFT, "Narrowed it.")


@pytest.mark.parametrize("door", DOORS)
def test_a_reviewers_edit_leaves_the_decision_alone(door, team, story, login, api_as):
    claim = _claim(story, team["annotator"], Status.REJECTED)
    response = _door(door, team, team["reviewer"], login, api_as)(claim, note="Typo fixed.")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.status, claim.note) == (Status.REJECTED, "Typo fixed.")


@pytest.mark.parametrize("door", DOORS)
def test_nobody_edits_another_annotators_span(door, team, story, login, api_as):
    claim = _claim(story, team["annotator"])
    response = _door(door, team, team["annotator2"], login, api_as)(claim, note="Mine now.")
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.note == ""


@pytest.mark.parametrize("door", DOORS)
def test_a_stale_save_changes_and_creates_nothing(door, team, story, login, api_as):
    claim = _claim(story, team["annotator"])
    stale = claim.version
    claim = annotation_update(annotation=claim, version=stale, user=None, note="Theirs.")
    claim.version = stale  # what the slower editor saw
    save = _door(door, team, team["annotator"], login, api_as)
    extra = {"new_event_title": "A brand new event"} if door == "page" else {}
    response = save(claim, note="Mine.", **extra)
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.note == "Theirs."
    assert not Event.objects.filter(project=team.project).exists()


def test_a_refused_attribution_save_creates_no_source(team, story, login):
    said = factories.span(story, "local officials said", kind=ATTRIBUTION, by=team["annotator"])
    stale = said.version
    annotation_update(annotation=said, version=stale, user=None, note="Theirs.")
    response = _page_save(login(team["annotator"]), team, said, new_source_name="Local officials")
    assert response.status_code == 409
    assert not Source.objects.filter(project=team.project).exists()


@pytest.mark.parametrize("door", DOORS)
def test_an_event_of_another_project_is_refused(door, team, story, login, api_as):
    elsewhere = factories.event(factories.project(), "Somebody else's event")
    claim = _claim(story, team["annotator"])
    save = _door(door, team, team["annotator"], login, api_as)
    field = {"event": elsewhere.pk} if door == "page" else {"event_id": elsewhere.pk}
    response = save(claim, **field)
    assert response.status_code == 422
    claim.refresh_from_db()
    assert claim.event_id is None


def test_a_new_claim_with_another_projects_event_is_refused_by_the_database(team, story, api_as):
    elsewhere = factories.event(factories.project(), "Somebody else's event")
    quote = "The road was closed"
    start = TEXT.index(quote)
    body = {"kind": CLAIM, "start": start, "end": start + len(quote), "quote": quote}
    path = f"/api/projects/{team.slug}/articles/{story.pk}/annotations/"
    response = api_as(team["annotator"])("post", path, {**body, "event_id": elsewhere.pk})
    assert response.status_code == 422
    assert "another project" in response.json()["detail"]
    assert not story.annotations.exists()


# Article status -----------------------------------------------------------------------


def _page_status(client, team, article, status):
    url = reverse("workspace:article_status", args=[team.slug, article.pk])
    return client.post(url, {"status": status}, **HTMX)


def _api_status(api, team, article, status):
    return api(
        "post", f"/api/projects/{team.slug}/articles/{article.pk}/status/", {"status": status}
    )


STATUS_DOORS = {"page": _page_status, "api": _api_status}


@pytest.mark.parametrize("door", STATUS_DOORS)
def test_marking_ready_and_reopening_a_reviewed_article(door, team, story, login, api_as):
    def as_(user):
        client = login(user) if door == "page" else api_as(user)
        return lambda status: STATUS_DOORS[door](client, team, story, status)

    assert as_(team["annotator"])("ready").status_code == 200
    story.refresh_from_db()
    assert story.status == ArticleStatus.READY
    assert as_(team["annotator"])("reviewed").status_code == 422  # not for people to set
    type(story).objects.filter(pk=story.pk).update(status=ArticleStatus.REVIEWED)
    assert as_(team["annotator"])("in_progress").status_code == 403
    assert as_(team["reviewer"])("in_progress").status_code == 200
    story.refresh_from_db()
    assert story.status == ArticleStatus.IN_PROGRESS


# Import limits --------------------------------------------------------------------------


def test_the_batch_limits_are_one_rule_for_the_page_the_api_and_the_command(
    team, login, settings, tmp_path
):
    settings.IMPORT_BATCH_MAX_FILES = 2
    refusal = "3 files is more than the 2 allowed at once"

    def files():
        return [SimpleUploadedFile(f"a{i}.txt", f"Article {i} is short.".encode()) for i in "123"]

    client = login(team["annotator"])
    page = client.post(reverse("articles:upload", args=[team.slug]), {"files": files()})
    assert page.status_code == 422
    assert refusal in page.content.decode()
    key = api_token_create(user=team["annotator"], name="files")[1]
    api = client.post(
        f"/api/projects/{team.slug}/article-imports/files/",
        {"files": files()},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert api.status_code == 422
    assert refusal in api.json()["detail"]
    for name in "123":
        (tmp_path / f"a{name}.txt").write_text(f"Article {name} is short.")
    with pytest.raises(CommandError, match=refusal):
        call_command("import_articles", "--project", team.slug, str(tmp_path), "--no-progress")
    assert not ImportBatch.objects.filter(project=team.project).exists()
    assert not team.project.articles.exists()
