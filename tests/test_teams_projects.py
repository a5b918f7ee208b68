"""Running a project from the browser and the API: create it (slugs proposed, Arabic names
transliterated, collisions numbered), set it up, archive it (read-only), unarchive and
delete it."""

from html import unescape

import factories
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.projects.access import ARCHIVED
from annotator.projects.models import Membership, Project, Role
from annotator.teams.services import project_archive

TEXT = "Officials said the convoy had reportedly left the northern base."


def create_page(client, **fields):
    return client.post(reverse("teams:new"), {"description": "", "guidelines": "", **fields})


def claim_payload(article):
    quote = "the convoy had reportedly left the northern base"
    start = article.text.index(quote)
    return {"kind": "claim", "start": start, "end": start + len(quote), "quote": quote}


# --- Creating ---------------------------------------------------------------------------


def test_create_from_the_list_makes_the_creator_owner(login, db):
    ruth = factories.user("ruth")
    client = login(ruth)
    listing = client.get(reverse("projects:list"))
    assert reverse("teams:new").encode() in listing.content
    assert client.get(reverse("teams:new")).status_code == 200

    response = create_page(
        client, name="Harbour  Desk", guidelines="# Claims\n\nMark <script>x</script> **claims**."
    )

    project = Project.objects.get(slug="harbour-desk")
    assert response.status_code == 302 and response.url == f"/p/{project.slug}/"
    assert project.name == "Harbour Desk" and project.created_by == ruth
    assert Membership.objects.get(project=project).role == Role.OWNER
    page = client.get(response.url).content.decode()
    assert "<strong>claims</strong>" in page and "<script>x" not in page  # sanitised


def test_slug_proposed_as_the_name_is_typed_arabic_transliterated(login, db):
    client = login(factories.user())
    url = reverse("teams:slug")
    answer = client.get(
        url, {"name": "تقارير غزة", "slug": "", "proposed": ""}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="slug-field"' in html and "<html" not in html  # the partial only
    assert 'value="tqryr-gz"' in html
    # A slug of the person's own stays; the proposal follows the name only until then.
    own = client.get(url, {"name": "Other", "slug": "my-own", "proposed": "tqryr-gz"})
    assert 'value="my-own"' in own.content.decode()
    followed = client.get(url, {"name": "Other", "slug": "tqryr-gz", "proposed": "tqryr-gz"})
    assert 'value="other"' in followed.content.decode()


def test_slug_left_empty_is_proposed_and_numbered_when_taken(login, api_as, db):
    person = factories.user()
    client = login(person)
    for _ in range(2):
        create_page(client, name="تقارير غزة", slug="")
    api = api_as(person)
    third = api("post", "/api/projects/", {"name": "تقارير غزة"})
    assert third.status_code == 201 and third.json()["slug"] == "tqryr-gz-3"
    assert api("post", "/api/projects/", {"name": "!!! ???"}).json()["slug"] == "project"
    assert api("post", "/api/projects/", {"name": "🙂"}).json()["slug"] == "project-2"
    assert sorted(Project.objects.values_list("slug", flat=True)) == [
        "project",
        "project-2",
        "tqryr-gz",
        "tqryr-gz-2",
        "tqryr-gz-3",
    ]
    assert Membership.objects.filter(user=person, role=Role.OWNER).count() == 5


def test_a_taken_or_malformed_slug_is_refused_with_the_form_kept(login, api_as, db):
    person = factories.user()
    factories.project(slug="harbour")
    client = login(person)
    taken = create_page(client, name="Harbour", slug="harbour", description="Kept.")
    assert taken.status_code == 422
    page = taken.content.decode()
    assert "The slug “harbour” is taken" in page and "harbour-2" in page and "Kept." in page
    bad = api_as(person)("post", "/api/projects/", {"name": "Harbour", "slug": "Not A Slug"})
    assert bad.status_code == 422 and "lowercase letters" in bad.json()["detail"]
    blank = api_as(person)("post", "/api/projects/", {"name": "   "})
    assert blank.status_code == 422 and blank.json()["detail"] == "A project needs a name."
    assert Project.objects.count() == 1


def test_project_creators_staff_refuses_everyone_else(login, api_as, settings, db):
    settings.PROJECT_CREATORS = "staff"
    person, staff = factories.user(), factories.user(is_staff=True)
    client = login(person)
    assert reverse("teams:new").encode() not in client.get(reverse("projects:list")).content
    assert client.get(reverse("teams:new")).status_code == 403
    assert create_page(client, name="Mine").status_code == 403
    refused = api_as(person)("post", "/api/projects/", {"name": "Mine"})
    assert refused.status_code == 403 and "staff" in refused.json()["detail"]
    assert create_page(login(staff), name="Staff desk").status_code == 302
    assert list(Project.objects.values_list("name", flat=True)) == ["Staff desk"]


# --- Settings ---------------------------------------------------------------------------


def test_owner_changes_settings_on_the_page(login, team):
    client = login(team["owner"])
    url = reverse("teams:settings", args=[team.slug])
    page = client.get(url)
    assert page.status_code == 200 and b"Hearsay" in page.content and b"Claim times" in page.content
    assert reverse("teams:settings", args=[team.slug]).encode() in page.content  # nav link
    form = {
        "name": "The Newsroom",
        "description": "Wire copy.",
        "guidelines": "",
        "hedge_types": ["hearsay", "epistemic"],
        "suggesters_on": ["hedges", "dates"],
        "export_formats": ["csv", "jsonl"],
        "export_include_all": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    project = Project.objects.get(pk=team.project.pk)
    assert project.hedge_types == ["hearsay", "epistemic"]
    assert project.suggesters_off == ["attributions", "claims"]
    assert project.claim_ranker_on is False  # unticked
    assert project.export_formats == ["jsonl", "csv"]  # the registry's order
    assert project.export_include_all is True and project.description == "Wire copy."
    assert project.guidelines_updated_at is None  # the text did not change

    every_type = {**form, "hedge_types": ["hearsay", "epistemic", "approximator", "unnamed_source"]}
    client.post(url, {**every_type, "guidelines": "Mark claims."})
    project.refresh_from_db()
    assert project.hedge_types == []  # all ticked: every type, also later ones
    first_update = project.guidelines_updated_at
    assert first_update is not None
    client.post(url, {**every_type, "guidelines": "Mark claims.", "description": "Other."})
    project.refresh_from_db()
    assert project.guidelines_updated_at == first_update  # same text: not "updated"

    none_ticked = client.post(url, {**form, "hedge_types": []})
    assert none_ticked.status_code == 422 and b"Tick at least one hedge type" in none_ticked.content


def test_settings_api_validates_and_is_for_owners(api_as, team):
    url = f"/api/projects/{team.slug}/settings/"
    owner = api_as(team["owner"])
    unknown = owner("patch", url, {"hedge_types": ["hearsay", "rumour"]})
    assert unknown.status_code == 422
    assert unknown.json()["detail"].startswith("Unknown hedge type “rumour”: choose from hearsay")
    assert owner("patch", url, {"suggesters_off": ["spelling"]}).status_code == 422
    assert owner("patch", url, {"export_formats": ["pdf"]}).status_code == 422
    changed = owner("patch", url, {"suggesters_off": ["claims"], "claim_ranker_on": False})
    assert changed.status_code == 200
    assert changed.json()["suggesters_off"] == ["claims"] and not changed.json()["claim_ranker_on"]
    for role in ("reviewer", "annotator"):
        refused = api_as(team[role])("patch", url, {"name": "Mine now"})
        assert refused.status_code == 403 and refused.json()["detail"].startswith("Only owners")
    read = api_as(team["annotator"])("get", url)
    assert read.status_code == 200 and read.json()["suggesters_off"] == ["claims"]
    assert Project.objects.get(pk=team.project.pk).name == "The Newsroom"


def test_settings_page_is_for_owners(login, team):
    url = reverse("teams:settings", args=[team.slug])
    assert login(team["reviewer"]).get(url).status_code == 403
    nav = login(team["reviewer"]).get(reverse("projects:detail", args=[team.slug])).content
    assert url.encode() not in nav


# --- Archiving --------------------------------------------------------------------------


def test_archived_project_refuses_writes_and_leaves_the_list(login, api_as, team):
    article = factories.article(team.project, TEXT)
    owner_api = api_as(team["owner"])
    archived = owner_api("post", f"/api/projects/{team.slug}/archive/")
    assert archived.status_code == 200 and archived.json()["archived_at"]

    create = f"/api/projects/{team.slug}/articles/{article.pk}/annotations/"
    refused = api_as(team["annotator"])("post", create, claim_payload(article))
    assert refused.status_code == 403 and refused.json()["detail"] == ARCHIVED
    events = api_as(team["annotator"])("post", f"/api/projects/{team.slug}/events/", {"title": "X"})
    assert events.status_code == 403
    renamed = owner_api("patch", f"/api/projects/{team.slug}/settings/", {"name": "Renamed"})
    assert renamed.status_code == 403 and renamed.json()["detail"] == ARCHIVED
    upload = login(team["annotator"]).post(
        reverse("articles:upload", args=[team.slug]),
        {"files": [SimpleUploadedFile("a.txt", b"Another article about the convoy.")]},
    )
    assert upload.status_code == 403
    assert Annotation.objects.count() == 0 and Article.objects.count() == 1

    client = login(team["annotator"])
    listing = client.get(reverse("projects:list")).content.decode()
    assert "The Newsroom" not in listing and "Show archived (1)" in listing
    shown = client.get(reverse("projects:list"), {"archived": "1"}).content.decode()
    assert "The Newsroom" in shown and "Archived</span>" in shown
    page = client.get(reverse("projects:detail", args=[team.slug])).content.decode()
    assert "This project is archived: it is read-only." in page  # reading still works

    assert owner_api("post", f"/api/projects/{team.slug}/unarchive/").json()["archived_at"] is None
    again = api_as(team["annotator"])("post", create, claim_payload(article))
    assert again.status_code == 201
    assert "The Newsroom" in client.get(reverse("projects:list")).content.decode()


def test_archived_project_refuses_finishing_a_review_and_relabelling_an_import(
    login, api_as, team, run_worker
):
    """Two doors that wrote without asking the service whether the project is writable."""
    files = [SimpleUploadedFile("a.txt", b"Another article about the convoy.")]
    batch = run_worker(login(team["owner"]), team.slug, files)
    article = Article.objects.get(project=team.project)
    assert api_as(team["owner"])("post", f"/api/projects/{team.slug}/archive/").status_code == 200
    finish = reverse("review:finish", args=[team.slug, article.pk])
    assert login(team["reviewer"]).post(finish).status_code == 403
    relabel = reverse("articles:review", args=[team.slug, batch.pk])
    answer = login(team["owner"]).post(relabel, {"action": "all", "all_language": "fr"})
    assert answer.status_code == 403
    article.refresh_from_db()
    assert article.status != "reviewed" and article.language != "fr"


def test_archive_and_unarchive_from_the_settings_page(login, team):
    client = login(team["owner"])
    settings_url = reverse("teams:settings", args=[team.slug])
    assert client.post(reverse("teams:archive", args=[team.slug])).status_code == 302
    page = client.get(settings_url).content.decode()
    assert "Unarchive" in page and "disabled" in page
    assert client.post(settings_url, {"name": "Renamed"}).status_code == 403
    assert client.post(reverse("teams:unarchive", args=[team.slug])).status_code == 302
    assert Project.objects.get(pk=team.project.pk).archived_at is None
    assert (
        login(team["reviewer"]).post(reverse("teams:archive", args=[team.slug])).status_code == 403
    )


# --- Deleting ---------------------------------------------------------------------------


def test_delete_needs_the_slug_and_waits_for_imports(login, api_as, team, run_worker):
    client = login(team["owner"])
    url = reverse("teams:delete", args=[team.slug])
    page = client.get(url)
    assert page.status_code == 200 and b"Type the project" in page.content

    wrong = client.post(url, {"confirm_slug": "newsroom-2"})
    assert wrong.status_code == 422
    assert "Type the project's slug, “newsroom”" in unescape(wrong.content.decode())
    api_wrong = api_as(team["owner"])("delete", f"/api/projects/{team.slug}/?confirm_slug=nope")
    assert api_wrong.status_code == 422

    batch = run_worker(client, team.slug, [SimpleUploadedFile("a.txt", b"Later.")], run=False)
    running = client.post(url, {"confirm_slug": team.slug})
    assert running.status_code == 422
    assert f"Import #{batch.pk} of this project is still running" in running.content.decode()
    archive = api_as(team["owner"])("post", f"/api/projects/{team.slug}/archive/")
    assert archive.status_code == 422 and "then archive the project" in archive.json()["detail"]
    assert Project.objects.filter(pk=team.project.pk).exists()

    reviewer = api_as(team["reviewer"])(
        "delete", f"/api/projects/{team.slug}/?confirm_slug=newsroom"
    )
    assert reviewer.status_code == 403


def test_delete_with_the_slug_removes_everything(login, api_as, team):
    text = factories.article(team.project, TEXT)
    claim = factories.span(text, "the convoy had reportedly left the northern base")
    said = factories.span(text, "Officials said", "attribution", by=team["annotator"])
    factories.link(said, claim)
    factories.source(team.project, "Meridian Wire", grade="B", graded_by=team["reviewer"])
    factories.event(team.project, "Convoy")
    other = factories.project(owner=team["owner"])
    factories.article(other, "Elsewhere, all is calm today.")

    response = login(team["owner"]).post(
        reverse("teams:delete", args=[team.slug]), {"confirm_slug": " newsroom "}
    )
    assert response.status_code == 302 and response.url == reverse("projects:list")
    assert not Project.objects.filter(slug="newsroom").exists()
    assert Annotation.objects.count() == 0 and Article.objects.filter(project=other).count() == 1

    api = api_as(team["owner"])
    assert (
        api("delete", f"/api/projects/{other.slug}/?confirm_slug={other.slug}").status_code == 204
    )
    assert not Project.objects.filter(pk=other.pk).exists()
    assert api("get", f"/api/projects/{other.slug}/settings/").status_code == 404


def test_outsiders_get_404(login, api_as, team, outsider):
    for name in ("settings", "delete"):
        assert login(outsider).get(reverse(f"teams:{name}", args=[team.slug])).status_code == 404
    api = api_as(outsider)
    assert api("get", f"/api/projects/{team.slug}/settings/").status_code == 404
    assert api("delete", f"/api/projects/{team.slug}/?confirm_slug=newsroom").status_code == 404


# --- Bounded queries --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["settings", "delete"])
def test_project_pages_answer_in_bounded_queries(login, team, django_assert_max_num_queries, name):
    for _ in range(5):
        factories.article(team.project)
    client = login(team["owner"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse(f"teams:{name}", args=[team.slug])).status_code == 200


def test_list_and_new_pages_answer_in_bounded_queries(login, db, django_assert_max_num_queries):
    person = factories.user()
    for number in range(6):
        project = factories.project(owner=person)
        if number % 2:
            project_archive(user=person, project=project)
    client = login(person)
    for url in (reverse("projects:list"), reverse("projects:list") + "?archived=1"):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(reverse("teams:new")).status_code == 200


# --- In the browser ---------------------------------------------------------------------


@pytest.mark.browser
def test_new_project_in_the_browser_proposes_the_slug_and_fits_a_phone(
    transactional_db, live_pages, artifacts
):
    person = factories.user("ruth")
    factories.project(slug="tqryr-gz")
    page = live_pages(person, {"width": 390, "height": 844})
    page.goto(reverse("projects:list"))
    page.click("text=New project")
    page.fill("#id_name", "تقارير غزة")
    expect(page.locator("#id_slug")).to_have_value("tqryr-gz-2")  # asked as it was typed
    page.screenshot(
        path=str(artifacts / "teams-new-project-phone.png"), full_page=True, caret="initial"
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.click("button:text('Create project')")
    page.wait_for_url(lambda url: "/p/tqryr-gz-2/" in url)
    page.click("nav.project-nav >> text=Settings")
    page.wait_for_selector("#id_hedge_types_0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(
        path=str(artifacts / "teams-settings-phone.png"), full_page=True, caret="initial"
    )
    assert Project.objects.get(slug="tqryr-gz-2").created_by == person


def test_switching_the_claim_ranker_back_on_queues_its_training(
    api_as, team, django_capture_on_commit_callbacks
):
    """Claims suggested while it was off have no score: a fresh training scores them."""
    url = f"/api/projects/{team.slug}/settings/"
    owner = api_as(team["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner("patch", url, {"claim_ranker_on": False}).status_code == 200
    training = DBTaskResult.objects.filter(task_path__endswith="claim_ranker_train_task")
    assert not training.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner("patch", url, {"claim_ranker_on": True}).status_code == 200
    assert training.count() == 1
