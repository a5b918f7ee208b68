"""Each assignee marks their own work ready; an assigned article is ready for review when all
of them have (articles/services.py article_status_set), the same through the page and the
API. Anyone else marks it ready, or back in progress, for everyone."""

import factories
import pytest
from django.urls import reverse

from annotator.articles.models import ArticleStatus
from annotator.projects.models import Membership
from annotator.review.models import Assignment
from annotator.review.services import assignments_create

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shared(team):
    """An article assigned to both annotators."""
    article = factories.article(team.project, "The ferry sailed at dawn, officials said.")
    users = [team["annotator"], team["annotator2"]]
    assignments_create(articles=[article], users=users, assigned_by=team["owner"])
    return article


def page_door(login, team, article):
    url = reverse("workspace:article_status", args=[team.slug, article.pk])

    def as_(user):
        client = login(user)
        return lambda status: client.post(url, {"status": status}, **HTMX)

    return as_


def api_door(api_as, team, article):
    path = f"/api/projects/{team.slug}/articles/{article.pk}/status/"
    return lambda user: lambda status: api_as(user)("post", path, {"status": status})


@pytest.fixture(params=["page", "api"])
def door(request, login, api_as, team, shared):
    """door(user)(status) -> the response, through the workspace's control or the API."""
    if request.param == "page":
        return page_door(login, team, shared)
    return api_door(api_as, team, shared)


def status_of(article) -> str:
    article.refresh_from_db()
    return article.status


def marks(article) -> dict:
    rows = Assignment.objects.filter(article=article).select_related("user")
    return {a.user.username: a.ready_at is not None for a in rows}


def test_the_article_is_ready_when_every_assignee_is(door, team, shared):
    first = door(team["annotator"])("ready")
    assert first.status_code == 200
    assert status_of(shared) == ArticleStatus.IN_PROGRESS
    assert marks(shared) == {"annotator": True, "annotator2": False}
    second = door(team["annotator2"])("ready")
    assert second.status_code == 200
    assert status_of(shared) == ArticleStatus.READY
    assert marks(shared) == {"annotator": True, "annotator2": True}


def test_the_workspace_says_who_is_ready_and_whom_it_waits_for(login, team, shared):
    answer = page_door(login, team, shared)(team["annotator"])("ready").content.decode()
    assert "1 of 2 assignees ready: you; waiting for <bdi>annotator2</bdi>" in answer
    # The article is in progress still; what the assignee can take back is their own mark.
    assert "In progress" in answer and "My work is not ready" in answer
    assert "Back to in progress" not in answer
    other = login(team["annotator2"])
    page = other.get(reverse("workspace:article", args=[team.slug, shared.pk])).content.decode()
    assert "1 of 2 assignees ready: <bdi>annotator</bdi>; waiting for you" in page
    assert "Mark my work ready" in page


def test_the_api_answer_says_who_is_ready(api_as, team, shared):
    door = api_door(api_as, team, shared)
    assert door(team["annotator"])("ready").json() == {
        "id": shared.pk,
        "status": "in_progress",
        "assignees_ready": ["annotator"],
        "assignees_waiting": ["annotator2"],
    }
    answer = door(team["annotator2"])("ready").json()
    assert answer["status"] == "ready" and answer["assignees_waiting"] == []
    assert sorted(answer["assignees_ready"]) == ["annotator", "annotator2"]


def test_a_reviewer_who_is_not_assigned_marks_it_ready_for_everyone(door, login, team, shared):
    page = login(team["reviewer"]).get(reverse("workspace:article", args=[team.slug, shared.pk]))
    assert "marks it ready for everyone" in page.content.decode()
    assert door(team["reviewer"])("ready").status_code == 200
    assert status_of(shared) == ArticleStatus.READY
    assert marks(shared) == {"annotator": False, "annotator2": False}  # nobody's word faked


def test_an_assignee_saying_not_ready_clears_their_mark_only(door, team, shared):
    door(team["annotator"])("ready")
    door(team["annotator2"])("ready")
    assert status_of(shared) == ArticleStatus.READY
    assert door(team["annotator2"])("in_progress").status_code == 200
    assert status_of(shared) == ArticleStatus.IN_PROGRESS
    assert marks(shared) == {"annotator": True, "annotator2": False}
    door(team["annotator2"])("ready")  # ready again: the first mark still counts
    assert status_of(shared) == ArticleStatus.READY


def test_a_reviewer_reopening_clears_every_mark(door, team, shared):
    door(team["annotator"])("ready")
    door(team["annotator2"])("ready")
    assert door(team["reviewer"])("in_progress").status_code == 200
    assert status_of(shared) == ArticleStatus.IN_PROGRESS
    assert marks(shared) == {"annotator": False, "annotator2": False}


def test_a_reviewed_article_is_still_reopened_by_reviewers_only(door, team, shared):
    type(shared).objects.filter(pk=shared.pk).update(status=ArticleStatus.REVIEWED)
    assert door(team["annotator"])("ready").status_code == 403
    assert marks(shared) == {"annotator": False, "annotator2": False}
    assert status_of(shared) == ArticleStatus.REVIEWED


@pytest.mark.parametrize("doors", [page_door, api_door])
def test_an_article_nobody_is_assigned_has_one_status(doors, login, api_as, team):
    alone = factories.article(team.project, "Crews stayed ashore all day.")
    door = doors(login if doors is page_door else api_as, team, alone)
    assert door(team["annotator"])("ready").status_code == 200
    assert status_of(alone) == ArticleStatus.READY
    # Someone who does not work on it cannot take it out of the queue, as before.
    assert door(team["annotator2"])("in_progress").status_code == 403
    assert status_of(alone) == ArticleStatus.READY


def test_the_queue_and_the_assignments_page_show_k_of_n_ready(login, team, shared, api_as):
    page_door(login, team, shared)(team["annotator"])("ready")
    reviewer = login(team["reviewer"])
    queue = reviewer.get(reverse("review:queue", args=[team.slug]), {"status": "in_progress"})
    html = queue.content.decode()
    assert "1 of 2 ready" in html and "<bdi>annotator</bdi> <span" in html
    owner = login(team["owner"])
    assigned = owner.get(reverse("review:assignments", args=[team.slug])).content.decode()
    assert "1 of 2 ready" in assigned
    api = api_as(team["reviewer"])(
        "get", f"/api/projects/{team.slug}/review/queue/?status=in_progress"
    )
    (row,) = api.json()
    assert row["assigned_ready"] == ["annotator"]
    assert sorted(row["assigned_to"]) == ["annotator", "annotator2"]


def test_the_queue_reads_readiness_without_a_query_per_article(
    login, team, shared, django_assert_max_num_queries
):
    for number in range(6):
        more = factories.article(team.project, f"Report {number}: the harbour reopened.")
        assignments_create(
            articles=[more],
            users=[team["annotator"], team["annotator2"]],
            assigned_by=team["owner"],
        )
        page_door(login, team, more)(team["annotator"])("ready")
    reviewer = login(team["reviewer"])
    url = reverse("review:queue", args=[team.slug])
    with django_assert_max_num_queries(10):
        page = reviewer.get(url, {"status": "in_progress"})
    assert page.content.decode().count("1 of 2 ready") == 6


def test_unassigning_the_only_one_still_working_makes_the_article_ready(login, team, shared):
    """The owner takes back the assignment of the one assignee who had not said ready."""
    page_door(login, team, shared)(team["annotator"])("ready")
    assert status_of(shared) == ArticleStatus.IN_PROGRESS
    waiting = Assignment.objects.get(article=shared, user=team["annotator2"])
    url = reverse("review:unassign", args=[team.slug, waiting.pk])
    assert login(team["reviewer"]).post(url).status_code == 403  # owners only
    assert login(team["owner"]).post(url).status_code == 302
    assert status_of(shared) == ArticleStatus.READY
    assert marks(shared) == {team["annotator"].username: True}


def test_a_member_with_nothing_to_do_with_it_does_not_clear_the_marks(login, team, shared):
    """Someone not assigned, who has no span in it and did not upload it, leaves every
    assignee's mark as it is."""
    page_door(login, team, shared)(team["annotator"])("ready")
    outsider_member = factories.member(team.project)
    page_door(login, team, shared)(outsider_member)("in_progress")
    assert marks(shared) == {"annotator": True, "annotator2": False}


def test_a_removed_member_leaves_their_assignments_and_nobody_waits_for_them(login, team, shared):
    page_door(login, team, shared)(team["annotator"])("ready")
    gone = Membership.objects.get(project=team.project, user=team["annotator2"])
    url = reverse("projects:member_remove", args=[team.slug, gone.pk])
    assert login(team["owner"]).post(url, {"confirm": "1"}).status_code == 302
    assert marks(shared) == {"annotator": True}
    assert status_of(shared) == ArticleStatus.READY
