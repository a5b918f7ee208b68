"""The guidelines where the work is: a link on the workspace and the review pages opens them
in a side sheet (htmx) or on their own page (no JavaScript); it says "updated" until the
member opens guidelines that changed since they last did."""

import factories
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hostile_data import IMG, JS_URL, SCRIPT, assert_inert

from annotator.projects.models import Membership, MembershipEvent, Project

HTMX = {"HTTP_HX_REQUEST": "true"}
RULES = "## What to mark\n\nMark the **shortest** clause that states the claim."
BADGE = '<span class="badge-new">updated</span>'


@pytest.fixture
def story(team):
    Project.objects.filter(pk=team.project.pk).update(guidelines=RULES)
    return factories.article(team.project, "The ferry sailed at dawn, officials said.")


def sheet_url(team):
    return reverse("projects:guidelines", args=[team.slug])


def workspace(client, team, article):
    return client.get(reverse("workspace:article", args=[team.slug, article.pk])).content.decode()


def guidelines_changed(team):
    """As the settings page records a change (another door): later than any seen mark."""
    Project.objects.filter(pk=team.project.pk).update(guidelines_updated_at=timezone.now())


def test_htmx_gets_the_sheet_and_a_plain_request_the_page(login, team, story):
    client = login(team["annotator"])
    sheet = client.get(sheet_url(team), **HTMX)
    assert sheet.status_code == 200
    body = sheet.content.decode()
    assert "<h2>What to mark</h2>" in body and "<strong>shortest</strong>" in body
    assert "<html" not in body
    assert 'id="guidelines-badge" hx-swap-oob="true"' in body  # the badge goes at once
    page = client.get(sheet_url(team)).content.decode()
    assert "<html" in page and "<h1>Annotation guidelines</h1>" in page
    assert "<strong>shortest</strong>" in page and "hx-swap-oob" not in page


def test_the_link_says_updated_until_the_member_opens_them(login, team, story):
    client = login(team["annotator"])
    link = f'href="{sheet_url(team)}"'
    page = workspace(client, team, story)
    assert link in page and BADGE in page  # never opened
    client.get(sheet_url(team), **HTMX)
    assert BADGE not in workspace(client, team, story)
    guidelines_changed(team)
    assert BADGE in workspace(client, team, story)
    client.get(sheet_url(team))  # the page without JavaScript counts too
    assert BADGE not in workspace(client, team, story)
    # Each member has their own mark: the other annotator has not opened them yet.
    assert BADGE in workspace(login(team["annotator2"]), team, story)


def test_the_review_pages_have_the_link_and_the_sheet(login, team, story):
    client = login(team["reviewer"])
    for name, args in (("review:queue", [team.slug]), ("review:article", [team.slug, story.pk])):
        page = client.get(reverse(name, args=args)).content.decode()
        assert f'id="guidelines-link" class="guidelines-link" href="{sheet_url(team)}"' in page
        assert 'id="guidelines-sheet"' in page and BADGE in page
    client.get(sheet_url(team), **HTMX)
    assert BADGE not in client.get(reverse("review:queue", args=[team.slug])).content.decode()


def test_no_guidelines_no_link(login, team):
    bare = factories.article(team.project, "Nothing to go by here.")
    page = workspace(login(team["annotator"]), team, bare)
    assert 'id="guidelines-link"' not in page and 'id="guidelines-sheet"' not in page
    answer = login(team["annotator"]).get(sheet_url(team), **HTMX).content.decode()
    assert "no guidelines yet" in answer


def test_opening_them_records_when_and_stays_out_of_the_membership_history(login, team, story):
    history = MembershipEvent.objects.count()
    before = timezone.now()
    login(team["annotator"]).get(sheet_url(team), **HTMX)
    seen = Membership.objects.get(project=team.project, user=team["annotator"]).guidelines_seen_at
    assert seen is not None and seen >= before
    assert MembershipEvent.objects.count() == history


def test_hostile_markdown_stays_sanitised_in_the_sheet_and_the_page(login, team, story):
    Project.objects.filter(pk=team.project.pk).update(
        guidelines=f"# Rules {SCRIPT}\n\n{IMG}\n\n[click]({JS_URL}) and <a href='{JS_URL}'>x</a>"
        f"\n\n<iframe src='https://evil.example'></iframe>[fine](https://example.org)"
    )
    client = login(team["annotator"])
    for answer in (client.get(sheet_url(team), **HTMX), client.get(sheet_url(team))):
        body = answer.content.decode()
        assert_inert(body, "guidelines")
        assert "<iframe" not in body
        assert '<a href="https://example.org"' in body  # ordinary links survive


def test_outsiders_get_404(login, team, story, outsider):
    assert login(outsider).get(sheet_url(team), **HTMX).status_code == 404


def test_the_badge_costs_the_workspace_no_query(login, team):
    bare = factories.article(team.project, "The ferry sailed at dawn, officials said.")
    client = login(team["annotator"])
    url = reverse("workspace:article", args=[team.slug, bare.pk])
    client.get(url)  # the session's first visit sets its choices
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    Project.objects.filter(pk=team.project.pk).update(guidelines=RULES)
    with CaptureQueriesContext(connection) as with_badge:
        page = client.get(url).content.decode()
    assert BADGE in page
    assert len(with_badge) == len(without)


@pytest.mark.browser
def test_the_sheet_opens_and_closes_with_the_keyboard(live_pages, team, story, artifacts):
    page = live_pages(team["annotator"], {"width": 1400, "height": 900})
    page.goto(reverse("workspace:article", args=[team.slug, story.pk]))
    assert page.locator("#guidelines-badge .badge-new").is_visible()
    for _ in range(40):  # Tab to the link, as a keyboard user does
        if page.evaluate("document.activeElement.id") == "guidelines-link":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "guidelines-link"
    page.keyboard.press("Enter")
    page.wait_for_selector("#guidelines-sheet[open] #guidelines-sheet-body h2")
    assert page.locator("#guidelines-sheet-body strong").inner_text() == "shortest"
    assert page.evaluate(
        "document.getElementById('guidelines-sheet').contains(document.activeElement)"
    )
    assert page.locator("#guidelines-badge .badge-new").count() == 0
    box = page.locator("#guidelines-sheet").bounding_box()
    assert box["x"] > 700 and abs(box["x"] + box["width"] - 1400) < 2  # over the right side
    page.screenshot(path=artifacts / "guidelines-sheet.png")
    page.keyboard.press("j")  # the workspace's keys do nothing behind the sheet
    page.keyboard.press("Escape")
    page.wait_for_selector("#guidelines-sheet:not([open])", state="attached")
    assert page.evaluate("document.activeElement.id") == "guidelines-link"
    assert page.locator("#detail .detail-empty").count() == 1

    page.set_viewport_size({"width": 390, "height": 800})  # a phone: the whole width
    page.keyboard.press("Enter")
    page.wait_for_selector("#guidelines-sheet[open] #guidelines-sheet-body h2")
    assert page.locator("#guidelines-sheet").bounding_box()["width"] == pytest.approx(390, abs=1)
    page.keyboard.press("Escape")
    page.wait_for_selector("#guidelines-sheet:not([open])", state="attached")
    assert page.evaluate("document.activeElement.id") == "guidelines-link"
