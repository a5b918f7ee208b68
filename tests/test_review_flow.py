"""The review flow over HTTP: who may review, the queue, decisions, history, the article
becoming reviewed, curation of several annotators' versions, and assignments."""

import html
import re
from datetime import UTC, datetime

import factories
import pghistory.models
import pytest
from django.db import IntegrityError
from django.urls import reverse

from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE
from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article, ArticleStatus
from annotator.projects.models import Membership, Role
from annotator.review.models import Assignment

HTMX = {"HTTP_HX_REQUEST": "true"}

WIRE_TEXT = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base on "
    "Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel.\n\n"
    "A convoy of trucks was seen leaving at dawn, a resident said."
)
LEDGER_TEXT = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, Meridian Wire "
    "reported, citing local officials."
)
SAHIL_TEXT = "أفادت مصادر محلية بأن القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين."


@pytest.fixture
def url(team):
    """url(name, *args): a review page of the team's project."""
    return lambda name, *args: reverse(f"review:{name}", args=[team.slug, *args])


@pytest.fixture
def wire(team):
    """A Meridian Wire report that "annotator" marked, ready for review: five drafts, the
    claims "Foreign troops withdrew …", "The base lies 3 km west of Qarmal airport" and
    "housed about 300 personnel", an attribution of the first and a hedge of the last."""
    officials = factories.source(team.project, "local officials")
    article = factories.article(
        team.project,
        WIRE_TEXT,
        title="Foreign troops withdraw from Tal Safra base, officials say",
        outlet=factories.source(team.project, "Meridian Wire", grade="B"),
    )
    by = team["annotator"]
    withdrew = factories.span(
        article, "Foreign troops withdrew from the Tal Safra base on Tuesday", by=by
    )
    told = factories.span(
        article,
        "two local officials told Meridian Wire",
        ATTRIBUTION,
        cited_source=officials,
        by=by,
    )
    factories.span(article, "The base lies 3 km west of Qarmal airport", by=by)
    about = factories.span(article, "about", HEDGE, by=by)
    housed = factories.span(article, "housed about 300 personnel", by=by)
    factories.link(told, withdrew, by=by)
    factories.link(about, housed, by=by)
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    article.refresh_from_db()
    return article


@pytest.fixture
def ledger(team, wire):
    """The Northern Ledger's report, added after the wire's, one claim marked: in progress."""
    article = factories.article(
        team.project,
        LEDGER_TEXT,
        title="Troops reportedly pull out of base near Qarmal",
        outlet=factories.source(team.project, "The Northern Ledger"),
    )
    factories.span(
        article,
        "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal",
        by=team["annotator"],
    )
    return article


SHARED_TEXT = (
    "Officials said on Monday that the bridge near Qarmal was closed for repairs. Traffic was "
    "reportedly diverted through the old town, a police spokesman told reporters."
)


@pytest.fixture
def shared(team):
    """An article two annotators marked independently, ready for review:

    annotator:  claim "the bridge near Qarmal was closed for repairs", attribution
                "Officials said", hedge "reportedly", claim "Traffic was reportedly
                diverted through the old town"
    annotator2: the same bridge claim, a shorter claim "Traffic was reportedly diverted",
                attribution "a police spokesman told reporters"
    """
    article = factories.article(team.project, SHARED_TEXT, title="Bridge closed")
    one, two = team["annotator"], team["annotator2"]
    bridge = "the bridge near Qarmal was closed for repairs"
    spans = {
        "bridge": factories.span(article, bridge, CLAIM, by=one),
        "said": factories.span(article, "Officials said", ATTRIBUTION, by=one),
        "hedge": factories.span(article, "reportedly", HEDGE, by=one),
        "traffic": factories.span(
            article, "Traffic was reportedly diverted through the old town", CLAIM, by=one
        ),
        "bridge2": factories.span(article, bridge, CLAIM, by=two),
        "traffic2": factories.span(article, "Traffic was reportedly diverted", CLAIM, by=two),
        "police2": factories.span(
            article, "a police spokesman told reporters", ATTRIBUTION, by=two
        ),
    }
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    article.refresh_from_db()
    article.spans = spans
    return article


@pytest.fixture
def other_reviewer(db):
    """A reviewer of another project only."""
    other = factories.project(name="Other desk", slug="other-desk")
    return factories.member(other, Role.REVIEWER, "elsewhere")


def first_claim(wire):
    return Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")


# --- permissions ---------------------------------------------------------------------


def test_annotators_cannot_review(login, url, team, wire):
    client = login(team["annotator"])
    claim = first_claim(wire)
    assert client.get(url("queue")).status_code == 403
    assert client.get(url("article", wire.pk)).status_code == 403
    response = client.post(url("decide", claim.pk), {"decision": "approved"}, **HTMX)
    assert response.status_code == 403
    assert client.post(url("curate", claim.pk), **HTMX).status_code == 403
    assert client.get(url("agreement")).status_code == 403
    assert login(team["reviewer"]).get(url("decide", claim.pk)).status_code == 405
    claim.refresh_from_db()
    assert claim.status == Status.DRAFT and claim.reviewed_by is None


@pytest.mark.parametrize("who", ["outsider", "other_reviewer"])
def test_members_of_other_projects_get_404(request, login, url, wire, who):
    client = login(request.getfixturevalue(who))
    claim = first_claim(wire)
    for page in (url("queue"), url("article", wire.pk), url("agreement"), url("mine")):
        assert client.get(page).status_code == 404
    assert client.post(url("decide", claim.pk), {"decision": "approved"}).status_code == 404
    assert client.post(url("accept_agreed", wire.pk), {"annotation": claim.pk}).status_code == 404
    assert client.get(url("decide", claim.pk)).status_code == 404  # before the method check
    claim.refresh_from_db()
    assert claim.status == Status.DRAFT


def test_only_owners_assign(login, url, team, wire):
    data = {"articles": [wire.pk], "users": [team["annotator2"].pk]}
    for name in ("annotator", "reviewer"):
        assert login(team[name]).post(url("assignments"), data).status_code == 403
    assert not Assignment.objects.exists()


# --- the queue --------------------------------------------------------------------------


def test_queue_lists_ready_articles_oldest_first_with_filters(
    login, url, team, wire, ledger, django_assert_max_num_queries
):
    sahil = factories.article(
        team.project,
        SAHIL_TEXT,
        language="ar",
        outlet=factories.source(team.project, "Al-Sahil Daily"),
    )
    Article.objects.filter(pk=ledger.pk).update(status=ArticleStatus.READY)
    client = login(team["reviewer"])
    with django_assert_max_num_queries(10):
        body = client.get(url("queue")).content.decode()
    titles = [t for t in (wire.title, ledger.title) if t in body]
    assert titles == [wire.title, ledger.title]
    assert body.index(wire.title) < body.index(ledger.title)  # wire was added first
    assert sahil.title not in body  # not ready

    by_outlet = client.get(url("queue"), {"outlet": ledger.outlet_id}).content.decode()
    assert ledger.title in by_outlet and wire.title not in by_outlet

    factories.span(ledger, "Meridian Wire reported", "attribution", by=team["annotator2"])
    by_person = client.get(url("queue"), {"annotator": team["annotator2"].pk})
    assert ledger.title in by_person.content.decode()
    assert wire.title not in by_person.content.decode()


def test_queue_query_count_does_not_grow_with_articles(
    login, url, team, django_assert_max_num_queries
):
    for n in range(30):
        text = f"Article number {n} says troops left."
        article = factories.article(team.project, text, title=f"Bulk {n}", status="ready")
        factories.span(article, "troops left", "claim", by=team["annotator"])
    client = login(team["reviewer"])
    with django_assert_max_num_queries(10):
        response = client.get(url("queue"), HTTP_HX_REQUEST="true")
    assert response.content.decode().count(f'href="/p/{team.slug}/review/articles/') == 30


# --- one article: the flow --------------------------------------------------------------


def test_review_page_shows_text_highlights_and_items(
    login, url, team, wire, django_assert_max_num_queries
):
    client = login(team["reviewer"])
    with django_assert_max_num_queries(12):
        response = client.get(url("article", wire.pk))
    body = response.content.decode()
    inner = re.search(r'<div id="article-text"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", inner)) == wire.text
    assert 'class="hl hl-claim st-draft' in inner
    assert body.count("data-review-item") == wire.annotations.count()
    assert f"{wire.annotations.count()}</strong> undecided" in body
    assert 'src="/static/js/review.js"' in body
    assert "<script>" not in body  # CSP: no inline script


def test_approve_and_reject_over_http_and_the_article_becomes_reviewed(login, url, team, wire):
    client = login(team["reviewer"])
    annotations = list(wire.annotations.order_by("start"))
    first, *rest = annotations
    response = client.post(
        url("decide", first.pk),
        {"decision": "rejected", "comment": "Too long: mark the clause only.", "version": 1},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="review-items"' in body and 'hx-swap-oob="true"' in body
    assert "Too long: mark the clause only." in body
    first.refresh_from_db()
    assert first.status == Status.REJECTED
    assert first.reviewed_by == team["reviewer"] and first.reviewed_at is not None
    assert first.review_comment == "Too long: mark the clause only."
    wire.refresh_from_db()
    assert wire.status == ArticleStatus.READY  # four still undecided

    for annotation in rest:
        client.post(url("decide", annotation.pk), {"decision": "approved"}, **HTMX)
    wire.refresh_from_db()
    assert wire.status == ArticleStatus.REVIEWED
    assert set(wire.annotations.values_list("status", flat=True)) == {"approved", "rejected"}
    # Off the queue, and the page offers the next article.
    assert wire.title not in client.get(url("queue")).content.decode()


def test_without_htmx_a_decision_redirects_back_to_the_next_item(login, url, team, wire):
    claim = first_claim(wire)
    response = login(team["owner"]).post(url("decide", claim.pk), {"decision": "approved"})
    assert response.status_code == 302
    # Back to the page, with the next undecided annotation as the current one.
    next_id = int(response.url.split("?selected=")[1])
    assert response.url.startswith(url("article", wire.pk))
    assert next_id != claim.pk
    assert Annotation.objects.get(pk=next_id).status == Status.DRAFT


def test_every_decision_is_in_the_history(login, url, team, wire):
    claim = first_claim(wire)
    client = login(team["reviewer"])
    client.post(url("decide", claim.pk), {"decision": "rejected", "comment": "Not a claim"}, **HTMX)
    client.post(url("decide", claim.pk), {"decision": "approved"}, **HTMX)
    events = list(
        pghistory.models.Events.objects.tracks(claim)
        .filter(pgh_label="update")
        .order_by("pgh_created_at", "pgh_id")
    )
    assert [e.pgh_diff["status"][1] for e in events] == ["rejected", "approved"]
    assert events[0].pgh_diff["review_comment"] == ["", "Not a claim"]
    assert all(e.pgh_context["user"] == team["reviewer"].pk for e in events)
    # The page lists both decisions, newest first, with who and what.
    body = client.get(url("article", wire.pk)).content.decode()
    section = body[body.index('id="review-decisions"') :]
    assert section.index("approved the claim") < section.index("rejected the claim")
    assert "Not a claim" in section and "reviewer</strong>" in section


def test_stale_version_is_refused_and_nothing_changes(login, url, team, wire):
    claim = first_claim(wire)
    client = login(team["reviewer"])
    client.post(url("decide", claim.pk), {"decision": "approved", "version": 1}, **HTMX)
    response = client.post(url("decide", claim.pk), {"decision": "rejected", "version": 1}, **HTMX)
    assert response.status_code == 409
    assert "someone changed this annotation" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED


def test_bad_decisions_and_suggestions_are_refused(login, url, team, wire):
    client = login(team["reviewer"])
    claim = first_claim(wire)
    response = client.post(url("decide", claim.pk), {"decision": "maybe"}, **HTMX)
    assert response.status_code == 422 and 'class="error"' in response.content.decode()
    suggestion = factories.span(
        wire, "A convoy of trucks", "claim", by=None, status=Status.SUGGESTED, suggested_by="rules"
    )
    response = client.post(url("decide", suggestion.pk), {"decision": "approved"}, **HTMX)
    assert response.status_code == 422
    assert "not review items" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == Status.SUGGESTED
    # Open suggestions do not keep an article from becoming reviewed.
    for annotation in wire.annotations.filter(status=Status.DRAFT):
        client.post(url("decide", annotation.pk), {"decision": "approved"}, **HTMX)
    wire.refresh_from_db()
    assert wire.status == ArticleStatus.REVIEWED


def test_article_without_annotations_can_be_marked_reviewed(login, url, team):
    text = "Nothing to annotate here."
    article = factories.article(team.project, text, title="Empty", status="ready")
    client = login(team["reviewer"])
    assert "Mark reviewed" in client.get(url("article", article.pk)).content.decode()
    client.post(url("finish", article.pk), **HTMX)
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEWED


def test_rejected_annotation_stays_visible_to_its_author_with_the_comment(login, url, team, wire):
    claim = first_claim(wire)
    login(team["reviewer"]).post(
        url("decide", claim.pk), {"decision": "rejected", "comment": "Say where, not how far."}
    )
    author = login(team["annotator"])
    mine = author.get(url("mine")).content.decode()
    assert "Say where, not how far." in mine
    assert f"?selected={claim.pk}" in mine
    workspace = reverse("workspace:article", args=[team.slug, wire.pk])
    page = author.get(f"{workspace}?selected={claim.pk}").content.decode()
    assert claim.quote in page  # still there, marked rejected
    assert "st-rejected" in page
    assert "Say where, not how far." in page  # the detail panel shows the comment


# --- several annotators: side by side, agreement, curation ------------------------------


def test_side_by_side_columns_and_agreement(login, url, team, shared):
    body = login(team["reviewer"]).get(url("article", shared.pk)).content.decode()
    grid = body[body.index('class="review-grid"') :]
    assert "<th>annotator</th><th>annotator2</th>" in grid
    assert "Agreement between annotators" in body
    # annotator: 4 spans, annotator2: 3. Exact: the bridge claim -> F1 = 2·1/7 = 0.29.
    # Overlap: bridge, and the two traffic claims (Jaccard 31/52 beats the hedge's 10/31
    # for annotator2's short claim); the attributions do not overlap -> F1 = 2·2/7 = 0.57.
    # Both pairs are claim/claim, so kappa is undefined (a dash).
    row = re.search(r"<td>annotator · annotator2</td>(.*?)</tr>", body, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["4 / 3", "0.29", "0.57", "—"]
    # The agreed span is pre-selected for acceptance, and only that one.
    boxes = re.findall(r'<input type="checkbox" name="annotation" value="(\d+)"[^>]*>', body)
    assert boxes == [str(shared.spans["bridge"].pk)]
    assert re.search(r'name="annotation" value="\d+" form="agreed-form" checked', body)


def test_curation_accepts_one_version_and_rejects_the_overlapping_others(login, url, team, shared):
    spans = shared.spans
    theirs = spans["traffic2"]
    client = login(team["reviewer"])
    response = client.post(url("curate", theirs.pk), {"version": theirs.version}, **HTMX)
    assert response.status_code == 200
    status = dict(Annotation.objects.filter(article=shared).values_list("pk", "status"))
    assert status[theirs.pk] == Status.APPROVED
    assert status[spans["traffic"].pk] == Status.REJECTED
    assert status[spans["hedge"].pk] == Status.DRAFT  # overlapping, but another kind
    assert status[spans["bridge"].pk] == Status.DRAFT  # same kind, not overlapping
    rejected = Annotation.objects.get(pk=spans["traffic"].pk)
    assert rejected.review_comment == (
        "The version by annotator2 was accepted instead: “Traffic was reportedly diverted”."
    )


def test_accepting_the_agreed_spans_keeps_one_of_each(login, url, team, shared):
    mine, theirs = shared.spans["bridge"], shared.spans["bridge2"]
    client = login(team["reviewer"])
    response = client.post(url("accept_agreed", shared.pk), {"annotation": [mine.pk]}, **HTMX)
    assert response.status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.APPROVED, Status.REJECTED)
    assert theirs.review_comment == "The same span by annotator was accepted instead."
    assert 'name="annotation"' not in response.content.decode()  # nothing agreed left open


def test_curating_every_group_makes_the_article_reviewed(login, url, team, shared):
    client = login(team["reviewer"])
    spans = shared.spans
    for key in ("bridge", "said", "hedge", "traffic2", "police2"):
        client.post(url("curate", spans[key].pk), **HTMX)
    shared.refresh_from_db()
    assert shared.status == ArticleStatus.REVIEWED
    approved = set(
        Annotation.objects.filter(article=shared, status="approved").values_list("quote", flat=True)
    )
    assert approved == {
        "the bridge near Qarmal was closed for repairs",
        "Officials said",
        "reportedly",
        "Traffic was reportedly diverted",
        "a police spokesman told reporters",
    }


def test_agreement_page_per_pair_and_kind(login, url, team, shared, django_assert_max_num_queries):
    client = login(team["reviewer"])
    with django_assert_max_num_queries(8):
        body = client.get(url("agreement")).content.decode()
    assert "annotator · annotator2" in body
    kinds = body[body.index("Per kind") :]
    # Claims: 2 each; exact 1 -> 2/4 = 0.50; overlap 2 -> 1.00.
    claim_row = re.search(r"badge-claim\">claim</span></td>(.*?)</tr>", kinds, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', claim_row) == ["2 / 2", "0.50", "1.00"]
    # Attributions: 1 each, not overlapping -> 0.
    row = re.search(r"badge-attribution\">attribution</span></td>(.*?)</tr>", kinds, re.S)
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["1 / 1", "0.00", "0.00"]
    assert shared.title in body


def test_agreement_page_without_shared_articles_says_so(login, url, team):
    body = login(team["owner"]).get(url("agreement")).content.decode()
    assert "No article has been annotated by two or more people yet" in body


# --- assignments --------------------------------------------------------------------------


def test_owner_assigns_and_unassigns(login, url, team, wire, ledger):
    client = login(team["owner"])
    people = [team["annotator"].pk, team["annotator2"].pk]
    response = client.post(url("assignments"), {"articles": [wire.pk, ledger.pk], "users": people})
    assert response.status_code == 302
    assert Assignment.objects.count() == 4
    assert all(a.assigned_by == team["owner"] for a in Assignment.objects.all())
    # Assigning again changes nothing.
    client.post(url("assignments"), {"articles": [wire.pk], "users": people})
    assert Assignment.objects.count() == 4
    page = client.get(url("assignments")).content.decode()
    assert page.count('class="chip"') == 4
    # The assignee sees it on their page; the queue shows who is assigned.
    assert wire.title in login(team["annotator2"]).get(url("mine")).content.decode()
    one = Assignment.objects.get(article=wire, user=team["annotator2"])
    client.post(url("unassign", one.pk), {"next": "https://evil.example/"})
    assert not Assignment.objects.filter(pk=one.pk).exists()


def test_the_assign_form_lists_each_member_once(login, url, team, wire):
    """Someone who is also in another project is offered once, with this project's role."""
    other = factories.project("Elsewhere")
    for person in (team["annotator"], team["owner"]):
        Membership.objects.create(project=other, user=person, role=Role.OWNER)
    page = login(team["owner"]).get(url("assignments")).content.decode()
    offered = re.findall(r'name="users" value="(\d+)"', page)
    assert len(offered) == len(set(offered))
    assert offered.count(str(team["annotator"].pk)) == 1


def test_assign_form_errors_are_shown(login, url, team, wire):
    response = login(team["owner"]).post(url("assignments"), {"articles": [wire.pk]})
    assert response.status_code == 422
    assert "Choose who should annotate them." in response.content.decode()


def test_database_refuses_assigning_twice(team, wire):
    Assignment.objects.create(article=wire, user=team["annotator"])
    with pytest.raises(IntegrityError):
        Assignment.objects.create(article=wire, user=team["annotator"])


def test_database_refuses_assigning_a_non_member(wire, outsider):
    with pytest.raises(IntegrityError, match="only members"):
        Assignment.objects.create(article=wire, user=outsider)


def test_review_page_query_count_does_not_grow_with_annotations(
    login, url, team, django_assert_max_num_queries
):
    words = [f"word{n}" for n in range(40)]
    text = " ".join(words)
    article = factories.article(team.project, text, title="Many", status="ready")
    people = [team[name] for name in ("annotator", "annotator2", "owner")]
    for n, word in enumerate(words):
        factories.span(article, word, ["claim", "hedge"][n % 2], by=people[n % 3])
    for annotation in Annotation.objects.filter(article=article)[:10]:
        login(team["reviewer"]).post(url("decide", annotation.pk), {"decision": "approved"})
    client = login(team["reviewer"])
    with django_assert_max_num_queries(12):
        body = client.get(url("article", article.pk)).content.decode()
    assert body.count("data-review-item") == 40
    assert "<th>annotator</th><th>annotator2</th><th>owner</th>" in body


def test_the_review_page_shows_what_the_export_will_carry_and_edits_in_place(login, team):
    """Event, claimed time and precision, cited source with its grade, hedge type, links both
    ways and the note are on the review page; a reviewer edits them there."""
    agency = factories.source(team.project, "Harbour Wire", grade="B", graded_by=team["reviewer"])
    event = factories.event(team.project, "Harbour fire")
    text = "A fire reportedly broke out at the harbour on Friday, Harbour Wire said."
    article = factories.article(team.project, text, status="ready")
    author = team["annotator"]
    claim = factories.span(
        article, "A fire reportedly broke out at the harbour", by=author, event=event,
        claimed_at=datetime(2025, 3, 14, tzinfo=UTC), claimed_precision="day", note="Check it.",
    )  # fmt: skip
    hedge = factories.span(article, "reportedly", "hedge", by=author, hedge_type="hearsay")
    said = factories.span(article, "Harbour Wire said", "attribution", by=author,
                          cited_source=agency)  # fmt: skip
    factories.link(hedge, claim)
    factories.link(said, claim)
    client = login(team["reviewer"])
    url = reverse("review:article", args=[team.slug, article.pk])
    page = " ".join(client.get(url).content.decode().split())
    for shown in ["Harbour fire", "14 Mar 2025", "(day)", "Harbour Wire", ">B</abbr>",
                  "Hearsay", "Qualifies", "Hedged by", "Attributed by", "Check it."]:  # fmt: skip
        assert shown in page, shown
    edit = reverse("review:edit", args=[team.slug, claim.pk])
    form = client.get(edit, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="claimed_text"' in form and 'name="event"' in form
    response = client.post(
        edit,
        {"version": claim.version, "kind": "claim", "note": "Checked: two witnesses.",
         "event": event.pk, "claimed_date": "2025-03-13"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.note == "Checked: two witnesses."
    assert claim.claimed_at.date().isoformat() == "2025-03-13"
    assert claim.status == "draft"  # an edit is not a decision
