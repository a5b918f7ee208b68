"""A new team from start to finish in Chromium: a person with no project creates one, adds
an article and invites a colleague by link; the colleague makes an account in another
browser and annotates; a new role counts from the next page; archiving makes the project
read-only and deleting it takes it away."""

import factories
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotator.annotations.models import Annotation
from annotator.articles.models import Article
from annotator.projects.access import ARCHIVED
from annotator.projects.models import Membership, Project, Role

pytestmark = pytest.mark.browser

TITLE = "Ferry service to resume after storm repairs"
TEXT = (
    "Harbour officials said on Monday that the ferry service to the island would resume "
    "next week after storm repairs. Engineers reportedly finished work on the damaged pier "
    "ahead of schedule, according to a port spokesperson."
)
CLAIM = "the ferry service to the island would resume next week"
LATER = "Engineers reportedly finished work on the damaged pier"
# What Chromium and htmx log for the answers this flow expects: the archived write refused
# (403) and the deleted project's address (404).
EXPECTED = (
    "the server responded with a status of 403 (Forbidden)",
    "Response Status Error Code 403 from /p/harbour-desk/articles/",
    "the server responded with a status of 404 (Not Found)",
)


@pytest.fixture
def stranger(browser, live_server):
    """A browser context of someone not logged in; fails the test on any JavaScript error,
    CSP violation or failed load other than the expected ones."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 1000}
    )
    problems = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    unexpected = [p for p in problems if not any(expected in p for expected in EXPECTED)]
    assert not unexpected, unexpected


def create_project(owner, name):
    expect(owner.locator("h1")).to_have_text("Your projects")
    expect(owner.locator(".empty")).to_contain_text("You are not a member of any project yet")
    owner.click("text=New project")
    expect(owner.locator("h1")).to_have_text("New project")
    owner.fill("#id_name", name)
    expect(owner.locator("#id_slug")).to_have_value("harbour-desk")  # proposed as typed
    owner.click("button:text('Create project')")
    owner.wait_for_url("**/p/harbour-desk/")
    expect(owner.locator(".messages")).to_contain_text(f"Project “{name}” created")
    expect(owner.locator(".page-head")).to_contain_text("You are owner.")


def paste_article(owner):
    owner.click("text=Add articles")
    paste = owner.locator("form.paste-form")
    paste.locator("textarea[name=text]").fill(TEXT)
    paste.locator("input[name=title]").fill(TITLE)
    paste.locator("button:text('Import text')").click()
    owner.wait_for_url("**/p/harbour-desk/articles/*/about/")
    expect(owner.locator(".messages")).to_contain_text("Article imported.")
    expect(owner.locator("h1")).to_have_text(TITLE)


def invite_link(owner, role):
    owner.click("nav.project-nav >> text=Members")
    owner.select_option("#invite-role", role)
    owner.click("text=Create invite link")
    link = owner.locator("input[aria-label='New invite link']")
    expect(link).to_be_visible()
    return link.input_value()


def join(page, link, username):
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Join “Harbour Desk”")
    page.fill("#id_username", username)
    page.fill("#id_password1", "a long pass phrase")
    page.fill("#id_password2", "a long pass phrase")
    page.click("text=Make my account and join")
    page.wait_for_url("**/p/harbour-desk/")
    expect(page.locator(".messages")).to_contain_text("you joined as annotator")


def tag_claim(page, drag_select, phrase):
    drag_select(page, phrase)
    expect(page.locator("#selection-toolbar")).to_be_visible()
    page.keyboard.press("c")


def test_a_new_team_creates_invites_annotates_archives_and_deletes(
    transactional_db, live_server, live_pages, stranger, drag_select
):
    ruth = factories.user("ruth")
    owner = live_pages(ruth, {"width": 1400, "height": 1000})

    # 1. An empty list, a new project, its owner.
    create_project(owner, "Harbour Desk")
    project = Project.objects.get(slug="harbour-desk")
    assert Membership.objects.get(project=project, user=ruth).role == Role.OWNER

    # 2. An article pasted in.
    paste_article(owner)
    article = Article.objects.get(project=project)
    assert article.text == TEXT and article.title == TITLE

    # 3. An invite link for an annotator.
    link = invite_link(owner, "annotator")
    expect(owner.locator(".newkey")).to_contain_text("annotator")
    assert "/invite/" in link

    # 4. The colleague joins in another browser and tags a claim.
    colleague = stranger
    join(colleague, link, "sami")
    nav = colleague.locator("nav.project-nav")
    expect(nav.get_by_role("link", name="My work")).to_be_visible()
    colleague.click(f"#article-list a:text('{TITLE}')")
    colleague.wait_for_url(f"**/p/harbour-desk/articles/{article.pk}/")
    tag_claim(colleague, drag_select, CLAIM)
    expect(colleague.locator("#save-status")).to_have_text("Saved")
    expect(colleague.locator("#annotation-list")).to_contain_text(CLAIM)
    claim = Annotation.objects.get(article=article, kind="claim")
    assert claim.quote == CLAIM and claim.created_by.username == "sami"
    assert TEXT[claim.start : claim.end] == CLAIM

    # 5. The owner makes them a reviewer: their next page shows it.
    owner.click("nav.project-nav >> text=Members")
    row = owner.locator("tr", has_text="sami")
    row.locator("select").select_option("reviewer")
    row.locator("text=Change").click()
    expect(owner.locator(".messages")).to_contain_text("sami is now reviewer.")
    sami = Membership.objects.get(project=project, user__username="sami")
    assert sami.role == Role.REVIEWER
    colleague.goto(reverse("projects:detail", args=[project.slug]))
    expect(colleague.locator(".page-head")).to_contain_text("You are reviewer.")
    expect(nav.get_by_role("link", name="Review")).to_be_visible()
    expect(nav.get_by_role("link", name="Export")).to_be_visible()
    expect(nav.get_by_role("link", name="My work")).to_have_count(0)

    # 6. The owner archives it: out of the colleague's list, and read-only.
    owner.click("nav.project-nav >> text=Settings")
    owner.click("button:text('Archive the project')")
    expect(owner.locator(".messages")).to_contain_text("Project archived")
    expect(owner.locator("button:text('Unarchive')")).to_be_visible()
    colleague.goto(reverse("projects:list"))
    expect(colleague.locator(".empty")).to_have_text("All your projects are archived.")
    expect(colleague.locator("main")).not_to_contain_text("Harbour Desk")
    colleague.click("text=Show archived (1)")
    card = colleague.locator(".card", has_text="Harbour Desk")
    expect(card.locator(".status-archived")).to_have_text("Archived")
    colleague.goto(reverse("workspace:article", args=[project.slug, article.pk]))
    expect(colleague.locator(".archived-banner")).to_contain_text("it is read-only")
    tag_claim(colleague, drag_select, LATER)
    expect(colleague.locator("#request-problem")).to_contain_text(ARCHIVED)
    expect(colleague.locator("#save-status")).to_have_text("Not saved")
    assert list(Annotation.objects.filter(article=article)) == [claim]

    # 7. The owner deletes it by typing the slug: gone from the list, its address a 404.
    owner.click("text=Delete the project…")
    expect(owner.locator("h1")).to_have_text("Delete “Harbour Desk”?")
    expect(owner.locator(".merge-preview")).to_contain_text("1 article with their annotations")
    expect(owner.locator(".merge-preview")).to_contain_text("the memberships of 2 members")
    owner.fill("#id_confirm_slug", "harbour-desk")
    owner.click("#confirm-delete")
    owner.wait_for_url(live_server.url + reverse("projects:list"))
    expect(owner.locator(".messages")).to_contain_text(
        "“Harbour Desk” and everything in it deleted"
    )
    expect(owner.locator(".empty")).to_contain_text("You are not a member of any project yet")
    assert not Project.objects.filter(slug="harbour-desk").exists()
    assert not Annotation.objects.filter(pk=claim.pk).exists()
    gone = colleague.goto(reverse("projects:detail", args=["harbour-desk"]))
    assert gone.status == 404
    expect(colleague.locator("h1")).to_have_text("Page not found")
    assert owner.request.get(reverse("projects:detail", args=["harbour-desk"])).status == 404
