"""Linking in the workspace's panel and the typed claimed time: the fallback list of link
targets (one entry per passage, suggestions marked, nearest first), the claimed-time field
read against the publication date in English and Arabic, its errors and its suggested-time
chips; and, in Chromium, linking by pointing at a claim."""

import re
from datetime import UTC, datetime

import factories
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE
from annotator.annotations.models import Annotation, Link, Status
from annotator.suggestions.models import DateSuggestion

HTMX = {"HTTP_HX_REQUEST": "true"}
PUBLISHED = datetime(2025, 1, 22, 9, 0, tzinfo=UTC)  # a Wednesday

HARBOUR = (
    "Cranes stood idle at the northern quay on Tuesday, dock workers said.\n\n"
    "A cargo ship reportedly left the harbour before dawn with its hold half empty. "
    "The port authority said the strike would end by Friday.\n\n"
    "Fishing boats stayed moored along the breakwater for a third day."
)
MARSA = (
    "قال عمال الميناء إن الرافعات توقفت عن العمل في الرصيف الشمالي.\n\n"
    "ويُعتقد أن سفينة شحن غادرت الميناء قبل الفجر."
)


@pytest.fixture
def harbour(team):
    return factories.article(team.project, HARBOUR, published_at=PUBLISHED)


def panel(client, team, annotation) -> str:
    url = reverse("workspace:detail", args=[team.slug, annotation.pk])
    response = client.get(url, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def offered(body: str) -> list[tuple[int, str]]:
    """(id, label) of each option of the panel's link list, in order."""
    select = re.search(r'<select name="to" id="link-to">(.*?)</select>', body, re.S)
    assert select, "no link list in the panel"
    return [
        (int(pk), label)
        for pk, label in re.findall(r'<option value="(\d+)">(.*?)</option>', select[1])
    ]


def save(client, team, claim, claimed_text, **fields):
    url = reverse("workspace:save", args=[team.slug, claim.pk])
    data = {"version": claim.version, "kind": CLAIM, "claimed_text": claimed_text, **fields}
    return client.post(url, data, **HTMX)


# --- the list of link targets --------------------------------------------------------------


def test_link_list_offers_each_claim_once_nearest_first_suggestions_marked(team, harbour, login):
    me, colleague = team["annotator"], team["annotator2"]
    far = factories.span(harbour, "Cranes stood idle at the northern quay on Tuesday", by=me)
    twin = factories.span(
        harbour, "Cranes stood idle at the northern quay on Tuesday", by=colleague
    )
    near = factories.span(harbour, "A cargo ship reportedly left the harbour", by=colleague)
    after = factories.span(harbour, "the strike would end by Friday", by=me)
    suggested = factories.span(harbour, "for a third day", status=Status.SUGGESTED, confidence=0.7)
    linked = factories.span(harbour, "Fishing boats stayed moored along the breakwater", by=me)
    hedge = factories.span(harbour, "reportedly", kind=HEDGE, by=me)
    factories.link(hedge, linked, by=me)

    # Everyone's annotations are shown to a reviewer, so the twins are both on the page.
    options = offered(panel(login(team["reviewer"]), team, hedge))
    ids = [pk for pk, _ in options]
    assert ids == [near.pk, far.pk, after.pk, suggested.pk]  # by distance from "reportedly"
    assert twin.pk not in ids, "one entry per passage: the hedge's author's own claim"
    assert linked.pk not in ids, "a claim already linked is not offered again"
    labels = dict(options)
    assert labels[suggested.pk].startswith("Claim (suggested):")
    assert labels[near.pk].startswith("Claim: A cargo ship")


def test_an_attribution_is_offered_claims_and_attributions_and_a_pointing_form(
    team, harbour, login
):
    me = team["annotator"]
    claim = factories.span(harbour, "Cranes stood idle at the northern quay on Tuesday", by=me)
    said = factories.span(harbour, "dock workers said", kind=ATTRIBUTION, by=me)
    outer = factories.span(harbour, "The port authority said", kind=ATTRIBUTION, by=me)
    body = panel(login(me), team, said)
    assert [pk for pk, _ in offered(body)] == [claim.pk, outer.pk]
    assert 'id="point-link"' in body and "Link to a claim" in body
    targets = re.search(r'id="pointing-form"[^>]*data-targets="([\d ]*)"', body)
    assert targets and targets[1].split() == [str(claim.pk), str(outer.pk)]


def test_linking_from_the_list_links_and_the_claim_leaves_the_list(team, harbour, login):
    me = team["annotator"]
    claim = factories.span(harbour, "A cargo ship reportedly left the harbour", by=me)
    hedge = factories.span(harbour, "reportedly", kind=HEDGE, by=me)
    client = login(me)
    url = reverse("workspace:link_create", args=[team.slug, hedge.pk])
    assert client.post(url, {"to": claim.pk}, **HTMX).status_code == 200
    assert Link.objects.filter(from_annotation=hedge, to_annotation=claim).count() == 1
    assert 'id="link-to"' not in panel(client, team, hedge)  # nothing left to link to


# --- the claimed time, typed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, at, precision",
    [
        ("15 Jan", datetime(2025, 1, 15), "day"),
        ("15 January 2025 10:30", datetime(2025, 1, 15, 10, 30), "minute"),
        ("15 jan 10:30", datetime(2025, 1, 15, 10, 30), "minute"),
        ("the 15th", datetime(2025, 1, 15), "day"),
        ("the 30th", datetime(2025, 1, 30), "day"),  # within two weeks of publication
        ("yesterday", datetime(2025, 1, 21), "day"),
        ("Monday", datetime(2025, 1, 20), "day"),
        ("on monday at 9.15 pm", datetime(2025, 1, 20, 21, 15), "minute"),
        ("March 2024", datetime(2024, 3, 1), "month"),
        ("about 3 March 2024", datetime(2024, 3, 3), "approximate"),
        ("last week", datetime(2025, 1, 15), "approximate"),
        ("2 January 1850", datetime(1850, 1, 2), "day"),  # as the field writes old dates
    ],
)
def test_claimed_time_typed_in_english(team, harbour, login, typed, at, precision):
    claim = factories.span(harbour, "Cranes stood idle at the northern quay", by=team["annotator"])
    response = save(login(team["annotator"]), team, claim, typed)
    assert response.status_code == 200, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert (claim.claimed_at, claim.claimed_precision) == (at.replace(tzinfo=UTC), precision)


@pytest.mark.parametrize(
    "typed, at, precision",
    [
        ("١٥ كانون الثاني", datetime(2025, 1, 15), "day"),
        ("15 يناير", datetime(2025, 1, 15), "day"),
        ("أمس", datetime(2025, 1, 21), "day"),
        ("يوم الاثنين", datetime(2025, 1, 20), "day"),
        ("١٥ كانون الثاني ٢٠٢٤ الساعة ١٠:٣٠", datetime(2024, 1, 15, 10, 30), "minute"),
        ("يوم ١٥", datetime(2025, 1, 15), "day"),
        ("حوالي ٣ آذار ٢٠٢٤", datetime(2024, 3, 3), "approximate"),
    ],
)
def test_claimed_time_typed_in_arabic(team, login, typed, at, precision):
    marsa = factories.article(team.project, MARSA, language="ar", published_at=PUBLISHED)
    claim = factories.span(marsa, "الرافعات توقفت عن العمل", by=team["annotator"])
    response = save(login(team["annotator"]), team, claim, typed)
    assert response.status_code == 200, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert (claim.claimed_at, claim.claimed_precision) == (at.replace(tzinfo=UTC), precision)


def test_what_was_read_is_shown_back_and_reads_back_the_same(team, harbour, login):
    claim = factories.span(harbour, "Cranes stood idle at the northern quay", by=team["annotator"])
    client = login(team["annotator"])
    body = save(client, team, claim, "the 15th").content.decode()
    assert "Read as <strong>15 January 2025, day</strong>" in body
    assert 'value="15 January 2025"' in body  # the field now holds what it read
    claim.refresh_from_db()
    version = claim.version
    assert save(client, team, claim, "15 January 2025", note="same time").status_code == 200
    claim.refresh_from_db()
    assert claim.version == version + 1
    assert (claim.claimed_at, claim.claimed_precision) == (datetime(2025, 1, 15, tzinfo=UTC), "day")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("next blue moon", "Cannot read “next blue moon” as a date"),
        ("31 February 2025", "Cannot read"),
        ("the 45th", "Cannot read"),
        ("15 Jan 25:70", "Cannot read"),
        ("about", "Cannot read"),
        ("1" * 201, "at most 200 characters"),
    ],
)
def test_a_claimed_time_that_cannot_be_read_is_refused_and_stores_nothing(
    team, harbour, login, typed, message
):
    claim = factories.span(
        harbour, "Cranes stood idle", by=team["annotator"],
        claimed_at=datetime(2025, 1, 10, tzinfo=UTC), claimed_precision="day",
    )  # fmt: skip
    response = save(login(team["annotator"]), team, claim, typed, note="changed")
    assert response.status_code == 422
    assert message in response.content.decode()
    claim.refresh_from_db()
    assert (claim.version, claim.note, claim.claimed_at) == (
        1,
        "",
        datetime(2025, 1, 10, tzinfo=UTC),
    )


def test_without_a_publication_date_only_full_dates_are_read(team, login):
    undated = factories.article(team.project, HARBOUR)
    claim = factories.span(undated, "Cranes stood idle", by=team["annotator"])
    client = login(team["annotator"])
    refused = save(client, team, claim, "yesterday")
    assert refused.status_code == 422
    assert "the article has no publication date" in refused.content.decode()
    assert save(client, team, claim, "15 January 2025").status_code == 200
    claim.refresh_from_db()
    assert claim.claimed_at == datetime(2025, 1, 15, tzinfo=UTC)


def test_an_empty_claimed_time_clears_it(team, harbour, login):
    claim = factories.span(
        harbour, "Cranes stood idle", by=team["annotator"],
        claimed_at=datetime(2025, 1, 10, tzinfo=UTC), claimed_precision="day",
    )  # fmt: skip
    assert save(login(team["annotator"]), team, claim, "  ").status_code == 200
    claim.refresh_from_db()
    assert (claim.claimed_at, claim.claimed_precision) == (None, "")


def test_suggested_times_are_chips_that_fill_the_field(team, harbour, login):
    claim = factories.span(
        harbour, "Cranes stood idle at the northern quay on Tuesday", by=team["annotator"]
    )
    start = HARBOUR.index("on Tuesday")
    DateSuggestion.objects.create(
        article=harbour, claim=claim, start=start, end=start + 10, quote="on Tuesday",
        claimed_at=datetime(2025, 1, 21, tzinfo=UTC), claimed_precision="day",
        resolution="Tuesday → 2025-01-21", suggestion_rule="date:en:weekday", confidence=0.8,
    )  # fmt: skip
    body = panel(login(team["annotator"]), team, claim)
    chip = re.search(r'<button type="button" class="date-chip" data-claimed-fill="([^"]*)"', body)
    assert chip and chip[1] == "21 January 2025"
    assert 'title="From “on Tuesday”"' in body


def test_a_reviewer_edits_the_claimed_time_typed_too(team, harbour, login):
    claim = factories.span(harbour, "Cranes stood idle", by=team["annotator"])
    url = reverse("review:edit", args=[team.slug, claim.pk])
    client = login(team["reviewer"])
    assert 'name="claimed_text"' in client.get(url, **HTMX).content.decode()
    data = {"version": claim.version, "kind": CLAIM, "claimed_text": "yesterday"}
    assert client.post(url, data, **HTMX).status_code == 200
    claim.refresh_from_db()
    assert claim.claimed_at == datetime(2025, 1, 21, tzinfo=UTC)


# --- in the browser: linking by pointing -------------------------------------------------------


@pytest.mark.browser
def test_link_by_pointing_at_a_claim_and_esc_cancels(browser, live_server, team, artifacts):
    me = team["annotator"]
    harbour = factories.article(team.project, HARBOUR, published_at=PUBLISHED)
    claim = factories.span(harbour, "A cargo ship reportedly left the harbour", by=me)
    other = factories.span(harbour, "Fishing boats stayed moored along the breakwater", by=me)
    hedge = factories.span(harbour, "reportedly", kind=HEDGE, by=me)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900})
    problems = []
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto("/login/")
        page.fill("#id_username", me.username)
        page.fill("#id_password", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"/p/{team.slug}/articles/{harbour.pk}/?selected={hedge.pk}")
        page.wait_for_selector("#point-link")

        # l enters the mode; Esc leaves it and the hedge stays open.
        page.focus("#article-text")
        page.keyboard.press("l")
        page.wait_for_selector(".workspace.pointing")
        marked = page.eval_on_selector_all("mark.is-link-target", "ms => ms.map(m => m.dataset.id)")
        assert set(marked) == {str(claim.pk), str(other.pk)}  # a claim is cut by the hedge
        page.keyboard.press("Escape")
        assert page.locator(".workspace.pointing").count() == 0
        assert page.locator("mark.is-link-target").count() == 0
        assert page.get_attribute("#detail [data-selected]", "data-selected") == str(hedge.pk)

        # The keyboard: j steps to the next linkable claim after the hedge, k back; Esc.
        page.keyboard.press("l")
        page.keyboard.press("j")
        candidates = "mark.is-link-candidate"
        assert {
            m for m in page.eval_on_selector_all(candidates, "ms => ms.map(m => m.dataset.id)")
        } == {str(other.pk)}
        assert "Fishing boats" in page.inner_text("#pointing-status")
        page.keyboard.press("k")
        assert page.eval_on_selector(candidates, "m => m.dataset.id") == str(claim.pk)
        page.keyboard.press("Escape")
        assert page.locator(candidates).count() == 0
        assert not Link.objects.filter(from_annotation=hedge).exists()

        # The button enters it; a click on the claim links it (the hedge inside it too).
        page.click("#point-link")
        page.wait_for_selector("#pointing-status:not([hidden])")
        # caret="initial": hiding the caret would inject a style the CSP refuses.
        page.screenshot(path=artifacts / "link-pointing-1440.png", caret="initial")
        page.click(f'#article-text mark[data-id="{claim.pk}"] >> text=A cargo ship')
        page.wait_for_selector("#detail .links .link-kind")
        assert Link.objects.filter(from_annotation=hedge, to_annotation=claim).exists()
        assert page.get_attribute("#detail [data-selected]", "data-selected") == str(hedge.pk)
        assert page.locator(".workspace.pointing").count() == 0
        assert not problems, problems

        # The phone: the same panel, looked at.
        page.set_viewport_size({"width": 390, "height": 844})
        page.click("#point-link")
        page.wait_for_selector("#pointing-status:not([hidden])")
        assert page.locator("#detail").is_hidden()  # the sheet steps aside while pointing
        assert page.locator("#pointing-status").is_visible()
        page.screenshot(path=artifacts / "link-pointing-390.png", caret="initial")
        page.keyboard.press("Escape")
        page.wait_for_selector("#point-link", state="visible")
        assert Annotation.objects.get(pk=claim.pk).version == 1
        assert not problems, problems
    finally:
        context.close()


def test_a_long_list_shows_the_nearest_and_its_filter_finds_the_rest(team, login):
    """On a long article the panel lists the 30 nearest claims; the filter searches them all
    on the server, every word in any case."""
    lines = [f"Line {n}: the ferry from pier {n} sailed late, crews said." for n in range(60)]
    lines[55] = "Line 55: the Lighthouse keeper counted nine gulls, reportedly."
    article = factories.article(team.project, "\n".join(lines))
    me = team["annotator"]
    claims = [factories.span(article, line, by=me) for line in lines]
    hedge = factories.span(article, "reportedly", kind=HEDGE, by=me)
    client = login(me)
    body = panel(client, team, hedge)
    listed = [pk for pk, _ in offered(body)]
    assert listed[0] == claims[55].pk and len(listed) == 30
    assert "type above to find the other 30" in body
    assert 'id="link-filter"' in body and 'form="link-filter-alone"' in body
    url = reverse("workspace:link_targets", args=[team.slug, hedge.pk])
    found = client.get(url, {"q": "PIER 3 sailed"}, **HTMX).content.decode()
    pks = [int(pk) for pk in re.findall(r'<option value="(\d+)"', found)]
    with_3 = [n for n in range(60) if "3" in str(n)]  # every word: "pier", "3", "sailed"
    assert sorted(pks) == sorted(claims[n].pk for n in with_3)
    assert pks[0] == claims[53].pk  # still nearest first
    assert claims[3].pk in pks  # far from the hedge: not among the first 30
    nothing = client.get(url, {"q": "zebra"}, **HTMX).content.decode()
    assert "Nothing matches" in nothing


def test_the_filter_narrows_the_list_in_the_browser_and_enter_links_nothing(
    live_pages, team, django_assert_max_num_queries
):
    lines = [f"Line {n}: the ferry from pier {n} sailed late, crews said." for n in range(40)]
    lines[39] = "Line 39: gulls circled the pier, reportedly."
    article = factories.article(team.project, "\n".join(lines))
    me = team["annotator"]
    claims = [factories.span(article, line, by=me) for line in lines[:39]]
    hedge = factories.span(article, "reportedly", kind=HEDGE, by=me)
    page = live_pages(me, {"width": 1440, "height": 900})
    page.goto(f"/p/{team.slug}/articles/{article.pk}/?selected={hedge.pk}")
    assert page.locator("#link-to option").count() == 30
    page.fill("#link-filter", "pier 2 ")
    with_2 = [n for n in range(39) if "2" in str(n)]  # every word: "pier", "2"
    expect(page.locator("#link-to option")).to_have_count(len(with_2))
    page.keyboard.type("sailed")
    page.keyboard.press("Enter")  # the filter belongs to no form: nothing is linked
    expect(page.locator("#link-to option")).to_have_count(len(with_2))
    assert page.input_value("#link-filter") == "pier 2 sailed"  # no keystroke lost
    assert not Link.objects.filter(from_annotation=hedge).exists()
    page.select_option("#link-to", str(claims[2].pk))
    # A filter answer arriving after the choice keeps it when the claim is still listed.
    page.dispatch_event("#link-filter", "search")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#link-to") == str(claims[2].pk)
    page.click(".link-add button[type=submit]")
    page.wait_for_selector("#detail .links .link-kind")
    assert Link.objects.filter(from_annotation=hedge, to_annotation=claims[2]).exists()
