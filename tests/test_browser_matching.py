"""Claim matching in the browser: the event page loads the proposed pairs (English and
Arabic side by side, the Arabic right to left), y accepts the focused pair and the groups
and relations below follow; the claim panel in the workspace lists the claim's matches."""

import factories
import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from test_matching import AR_STRIKE, AR_TEXT, EN_STRIKE, EN_TEXT, PUBLISHED

from annotator.events.models import ClaimRelation

pytestmark = pytest.mark.browser


@pytest.fixture
def proposed(transactional_db):
    """A project whose worker has proposed the English and Arabic strike claims as a pair."""
    project = factories.project(name="Harbour Desk", slug="harbour")
    annotator = factories.member(project, "annotator", "lina")
    event = factories.event(project, "Market strike in Kafr Dalla")
    en = factories.article(
        project,
        EN_TEXT,
        published_at=PUBLISHED,
        title="Drones hit market",
        outlet=factories.source(project, "Harbour Wire"),
    )
    ar = factories.article(
        project,
        AR_TEXT,
        language="ar",
        published_at=PUBLISHED,
        title="غارة على السوق",
        outlet=factories.source(project, "Al-Marfa Daily"),
    )
    claims = {
        "en": factories.span(en, EN_STRIKE, by=annotator, event=event),
        "ar": factories.span(ar, AR_STRIKE, by=annotator, event=event),
    }
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    return project, annotator, event, claims


@pytest.mark.parametrize(
    "viewport", [{"width": 1300, "height": 900}, {"width": 390, "height": 844}]
)
def test_event_page_proposes_the_pair_and_y_accepts_it(
    proposed, live_pages, live_server, artifacts, viewport
):
    project, annotator, event, claims = proposed
    page = live_pages(annotator, viewport)
    page.goto(f"{live_server.url}/p/{project.slug}/events/{event.pk}/")
    card = page.locator("#match-proposals .match-card").first
    expect(card).to_contain_text(EN_STRIKE)
    expect(card).to_contain_text(AR_STRIKE)
    arabic = card.locator("blockquote[lang=ar] p")
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.screenshot(path=artifacts / f"matching-event-{viewport['width']}.png", full_page=True)
    expect(card).to_be_focused()  # the first pair is current: its keys act on it
    page.keyboard.press("y")
    expect(page.locator("#match-proposals .match-card")).to_have_count(0)
    expect(page.locator(".relation-list")).to_contain_text("same assertion")
    relation = ClaimRelation.objects.get()
    assert {relation.claim_a_id, relation.claim_b_id} == {claims["en"].pk, claims["ar"].pk}


def test_claim_panel_lists_the_claims_matches(proposed, live_pages, live_server, artifacts):
    project, annotator, event, claims = proposed
    page = live_pages(annotator, {"width": 1300, "height": 900})
    page.goto(
        f"{live_server.url}/p/{project.slug}/articles/{claims['ar'].article_id}/"
        f"?selected={claims['ar'].pk}"
    )
    matches = page.locator("#claim-matches")
    expect(matches).to_contain_text("Possibly the same as")
    expect(matches).to_contain_text(EN_STRIKE)
    page.screenshot(path=artifacts / "matching-claim-panel.png", full_page=True)
    matches.get_by_role("button", name="Not the same").click()
    expect(matches).not_to_contain_text(EN_STRIKE)
