"""The review flow over HTTP: who may review, the queue, decisions, history, the article
becoming reviewed, curation of several annotators' versions, and assignments."""

import html
import re

import pghistory.models
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.urls import reverse

from annotator.annotations.models import Annotation, Status
from annotator.annotations.services import annotation_create
from annotator.articles.models import Article, ArticleStatus
from annotator.projects.models import Membership, Project, Role
from annotator.review.models import Assignment

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"review:{name}", args=["demo", *args])


def add_span(article, quote, kind, user, occurrence=0, **fields):
    start = -1
    for _ in range(occurrence + 1):
        start = article.text.index(quote, start + 1)
    return annotation_create(
        article=article,
        kind=kind,
        start=start,
        end=start + len(quote),
        quote=quote,
        created_by=user,
        **fields,
    )


@pytest.fixture
def wire(demo):
    article = Article.objects.get(project=demo, outlet__name="Meridian Wire")
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    article.refresh_from_db()
    return article


SHARED_TEXT = (
    "Officials said on Monday that the bridge near Qarmal was closed for repairs. Traffic was "
    "reportedly diverted through the old town, a police spokesman told reporters."
)


@pytest.fixture
def shared(demo, demo_users):
    """An article two annotators marked independently, ready for review:

    annotator:  claim "the bridge near Qarmal was closed for repairs", attribution
                "Officials said", hedge "reportedly", claim "Traffic was reportedly
                diverted through the old town"
    annotator2: the same bridge claim, a shorter claim "Traffic was reportedly diverted",
                attribution "a police spokesman told reporters"
    """
    article = Article.objects.create(
        project=demo, title="Bridge closed", text=SHARED_TEXT, text_sha256="1" * 64
    )
    one, two = demo_users["annotator"], demo_users["annotator2"]
    spans = {
        "bridge": add_span(article, "the bridge near Qarmal was closed for repairs", "claim", one),
        "said": add_span(article, "Officials said", "attribution", one),
        "hedge": add_span(article, "reportedly", "hedge", one),
        "traffic": add_span(
            article, "Traffic was reportedly diverted through the old town", "claim", one
        ),
        "bridge2": add_span(article, "the bridge near Qarmal was closed for repairs", "claim", two),
        "traffic2": add_span(article, "Traffic was reportedly diverted", "claim", two),
        "police2": add_span(article, "a police spokesman told reporters", "attribution", two),
    }
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    article.refresh_from_db()
    article.spans = spans
    return article


@pytest.fixture
def other_reviewer(db):
    """A reviewer of another project only."""
    user = get_user_model().objects.create_user("elsewhere", password="pw")
    other = Project.objects.create(name="Other desk", slug="other-desk")
    Membership.objects.create(project=other, user=user, role=Role.REVIEWER)
    return user


def first_claim(wire):
    return Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")


# --- permissions ---------------------------------------------------------------------


def test_annotators_cannot_review(login, demo_users, wire):
    client = login(demo_users["annotator"])
    claim = first_claim(wire)
    assert client.get(url("queue")).status_code == 403
    assert client.get(url("article", wire.pk)).status_code == 403
    response = client.post(url("decide", claim.pk), {"decision": "approved"}, **HTMX)
    assert response.status_code == 403
    assert client.post(url("curate", claim.pk), **HTMX).status_code == 403
    assert client.get(url("agreement")).status_code == 403
    assert login(demo_users["reviewer"]).get(url("decide", claim.pk)).status_code == 405
    claim.refresh_from_db()
    assert claim.status == Status.DRAFT and claim.reviewed_by is None


@pytest.mark.parametrize("who", ["outsider", "other_reviewer"])
def test_members_of_other_projects_get_404(request, login, wire, who):
    client = login(request.getfixturevalue(who))
    claim = first_claim(wire)
    for page in (url("queue"), url("article", wire.pk), url("agreement"), url("mine")):
        assert client.get(page).status_code == 404
    assert client.post(url("decide", claim.pk), {"decision": "approved"}).status_code == 404
    assert client.post(url("accept_agreed", wire.pk), {"annotation": claim.pk}).status_code == 404
    assert client.get(url("decide", claim.pk)).status_code == 404  # before the method check
    claim.refresh_from_db()
    assert claim.status == Status.DRAFT


def test_only_owners_assign(login, demo_users, wire):
    data = {"articles": [wire.pk], "users": [demo_users["annotator2"].pk]}
    for name in ("annotator", "reviewer"):
        assert login(demo_users[name]).post(url("assignments"), data).status_code == 403
    assert not Assignment.objects.exists()


# --- the queue --------------------------------------------------------------------------


def test_queue_lists_ready_articles_oldest_first_with_filters(
    login, demo_users, demo, wire, django_assert_max_num_queries
):
    ledger = Article.objects.get(project=demo, outlet__name="The Northern Ledger")
    Article.objects.filter(pk=ledger.pk).update(status=ArticleStatus.READY)
    client = login(demo_users["reviewer"])
    with django_assert_max_num_queries(10):
        body = client.get(url("queue")).content.decode()
    titles = [t for t in (wire.title, ledger.title) if t in body]
    assert titles == [wire.title, ledger.title]
    assert body.index(wire.title) < body.index(ledger.title)  # wire was added first
    sahil = Article.objects.get(project=demo, outlet__name="Al-Sahil Daily")
    assert sahil.title not in body  # not ready

    by_outlet = client.get(url("queue"), {"outlet": ledger.outlet_id}).content.decode()
    assert ledger.title in by_outlet and wire.title not in by_outlet

    add_span(ledger, "Meridian Wire reported", "attribution", demo_users["annotator2"])
    by_person = client.get(url("queue"), {"annotator": demo_users["annotator2"].pk})
    assert ledger.title in by_person.content.decode()
    assert wire.title not in by_person.content.decode()


def test_queue_query_count_does_not_grow_with_articles(
    login, demo_users, demo, django_assert_max_num_queries
):
    for n in range(30):
        text = f"Article number {n} says troops left."
        article = Article.objects.create(
            project=demo, title=f"Bulk {n}", text=text, text_sha256=f"{n:064x}", status="ready"
        )
        add_span(article, "troops left", "claim", demo_users["annotator"])
    client = login(demo_users["reviewer"])
    with django_assert_max_num_queries(10):
        response = client.get(url("queue"), HTTP_HX_REQUEST="true")
    assert response.content.decode().count('href="/p/demo/review/articles/') == 30


# --- one article: the flow --------------------------------------------------------------


def test_review_page_shows_text_highlights_and_items(
    login, demo_users, wire, django_assert_max_num_queries
):
    client = login(demo_users["reviewer"])
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


def test_approve_and_reject_over_http_and_the_article_becomes_reviewed(login, demo_users, wire):
    client = login(demo_users["reviewer"])
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
    assert first.reviewed_by == demo_users["reviewer"] and first.reviewed_at is not None
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


def test_without_htmx_a_decision_redirects_back_to_the_next_item(login, demo_users, wire):
    claim = first_claim(wire)
    response = login(demo_users["owner"]).post(url("decide", claim.pk), {"decision": "approved"})
    assert response.status_code == 302
    # Back to the page, with the next undecided annotation as the current one.
    next_id = int(response.url.split("?selected=")[1])
    assert response.url.startswith(url("article", wire.pk))
    assert next_id != claim.pk
    assert Annotation.objects.get(pk=next_id).status == Status.DRAFT


def test_every_decision_is_in_the_history(login, demo_users, wire):
    claim = first_claim(wire)
    client = login(demo_users["reviewer"])
    client.post(url("decide", claim.pk), {"decision": "rejected", "comment": "Not a claim"}, **HTMX)
    client.post(url("decide", claim.pk), {"decision": "approved"}, **HTMX)
    events = list(
        pghistory.models.Events.objects.tracks(claim)
        .filter(pgh_label="update")
        .order_by("pgh_created_at", "pgh_id")
    )
    assert [e.pgh_diff["status"][1] for e in events] == ["rejected", "approved"]
    assert events[0].pgh_diff["review_comment"] == ["", "Not a claim"]
    assert all(e.pgh_context["user"] == demo_users["reviewer"].pk for e in events)
    # The page lists both decisions, newest first, with who and what.
    body = client.get(url("article", wire.pk)).content.decode()
    section = body[body.index('id="review-decisions"') :]
    assert section.index("approved the claim") < section.index("rejected the claim")
    assert "Not a claim" in section and "reviewer</strong>" in section


def test_stale_version_is_refused_and_nothing_changes(login, demo_users, wire):
    claim = first_claim(wire)
    client = login(demo_users["reviewer"])
    client.post(url("decide", claim.pk), {"decision": "approved", "version": 1}, **HTMX)
    response = client.post(url("decide", claim.pk), {"decision": "rejected", "version": 1}, **HTMX)
    assert response.status_code == 409
    assert "someone changed this annotation" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED


def test_bad_decisions_and_suggestions_are_refused(login, demo_users, wire):
    client = login(demo_users["reviewer"])
    claim = first_claim(wire)
    response = client.post(url("decide", claim.pk), {"decision": "maybe"}, **HTMX)
    assert response.status_code == 422 and 'class="error"' in response.content.decode()
    suggestion = add_span(
        wire, "A convoy of trucks", "claim", None, status=Status.SUGGESTED, suggested_by="rules"
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


def test_article_without_annotations_can_be_marked_reviewed(login, demo_users, demo):
    text = "Nothing to annotate here."
    article = Article.objects.create(
        project=demo, title="Empty", text=text, text_sha256="0" * 64, status="ready"
    )
    client = login(demo_users["reviewer"])
    assert "Mark reviewed" in client.get(url("article", article.pk)).content.decode()
    client.post(url("finish", article.pk), **HTMX)
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEWED


def test_rejected_annotation_stays_visible_to_its_author_with_the_comment(login, demo_users, wire):
    claim = first_claim(wire)
    login(demo_users["reviewer"]).post(
        url("decide", claim.pk), {"decision": "rejected", "comment": "Say where, not how far."}
    )
    author = login(demo_users["annotator"])
    mine = author.get(url("mine")).content.decode()
    assert "Say where, not how far." in mine
    assert f"?selected={claim.pk}" in mine
    workspace = reverse("workspace:article", args=["demo", wire.pk])
    page = author.get(f"{workspace}?selected={claim.pk}").content.decode()
    assert claim.quote in page  # still there, marked rejected
    assert "st-rejected" in page
    assert "Say where, not how far." in page  # the detail panel shows the comment


# --- several annotators: side by side, agreement, curation ------------------------------


def test_side_by_side_columns_and_agreement(login, demo_users, shared):
    body = login(demo_users["reviewer"]).get(url("article", shared.pk)).content.decode()
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


def test_curation_accepts_one_version_and_rejects_the_overlapping_others(login, demo_users, shared):
    spans = shared.spans
    theirs = spans["traffic2"]
    client = login(demo_users["reviewer"])
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


def test_accepting_the_agreed_spans_keeps_one_of_each(login, demo_users, shared):
    mine, theirs = shared.spans["bridge"], shared.spans["bridge2"]
    client = login(demo_users["reviewer"])
    response = client.post(url("accept_agreed", shared.pk), {"annotation": [mine.pk]}, **HTMX)
    assert response.status_code == 200
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Status.APPROVED, Status.REJECTED)
    assert theirs.review_comment == "The same span by annotator was accepted instead."
    assert 'name="annotation"' not in response.content.decode()  # nothing agreed left open


def test_curating_every_group_makes_the_article_reviewed(login, demo_users, shared):
    client = login(demo_users["reviewer"])
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


def test_agreement_page_per_pair_and_kind(login, demo_users, shared, django_assert_max_num_queries):
    client = login(demo_users["reviewer"])
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


def test_agreement_page_without_shared_articles_says_so(login, demo_users, demo):
    body = login(demo_users["owner"]).get(url("agreement")).content.decode()
    assert "No article has been annotated by two or more people yet" in body


# --- assignments --------------------------------------------------------------------------


def test_owner_assigns_and_unassigns(login, demo_users, demo, wire):
    client = login(demo_users["owner"])
    ledger = Article.objects.get(project=demo, outlet__name="The Northern Ledger")
    people = [demo_users["annotator"].pk, demo_users["annotator2"].pk]
    response = client.post(url("assignments"), {"articles": [wire.pk, ledger.pk], "users": people})
    assert response.status_code == 302
    assert Assignment.objects.count() == 4
    assert all(a.assigned_by == demo_users["owner"] for a in Assignment.objects.all())
    # Assigning again changes nothing.
    client.post(url("assignments"), {"articles": [wire.pk], "users": people})
    assert Assignment.objects.count() == 4
    page = client.get(url("assignments")).content.decode()
    assert page.count('class="chip"') == 4
    # The assignee sees it on their page; the queue shows who is assigned.
    assert wire.title in login(demo_users["annotator2"]).get(url("mine")).content.decode()
    one = Assignment.objects.get(article=wire, user=demo_users["annotator2"])
    client.post(url("unassign", one.pk), {"next": "https://evil.example/"})
    assert not Assignment.objects.filter(pk=one.pk).exists()


def test_assign_form_errors_are_shown(login, demo_users, wire):
    response = login(demo_users["owner"]).post(url("assignments"), {"articles": [wire.pk]})
    assert response.status_code == 422
    assert "Choose who should annotate them." in response.content.decode()


def test_database_refuses_assigning_twice(demo_users, wire):
    Assignment.objects.create(article=wire, user=demo_users["annotator"])
    with pytest.raises(IntegrityError):
        Assignment.objects.create(article=wire, user=demo_users["annotator"])


def test_database_refuses_assigning_a_non_member(wire, outsider):
    with pytest.raises(IntegrityError, match="only members"):
        Assignment.objects.create(article=wire, user=outsider)


def test_review_page_query_count_does_not_grow_with_annotations(
    login, demo_users, demo, django_assert_max_num_queries
):
    words = [f"word{n}" for n in range(40)]
    text = " ".join(words)
    article = Article.objects.create(
        project=demo, title="Many", text=text, text_sha256="3" * 64, status="ready"
    )
    people = [demo_users[name] for name in ("annotator", "annotator2", "owner")]
    for n, word in enumerate(words):
        add_span(article, word, ["claim", "hedge"][n % 2], people[n % 3])
    for annotation in Annotation.objects.filter(article=article)[:10]:
        login(demo_users["reviewer"]).post(url("decide", annotation.pk), {"decision": "approved"})
    client = login(demo_users["reviewer"])
    with django_assert_max_num_queries(12):
        body = client.get(url("article", article.pk)).content.decode()
    assert body.count("data-review-item") == 40
    assert "<th>annotator</th><th>annotator2</th><th>owner</th>" in body
