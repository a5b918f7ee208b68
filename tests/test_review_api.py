"""Review through the JSON API with a token: the queue, approve/reject with a comment,
the same permissions as the pages; responses checked against the served OpenAPI schema."""

import factories
import jsonschema
import pytest
from django.contrib.auth import get_user_model

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import ATTRIBUTION, HEDGE
from annotator.annotations.models import Annotation, Status
from annotator.articles.models import ArticleStatus
from annotator.projects.models import Membership, Project, Role

QUEUE = "/api/projects/{slug}/review/queue/"
DECIDE = "/api/projects/{slug}/annotations/{annotation_id}/review/"

WIRE_TEXT = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base on "
    "Tuesday, two local officials told Meridian Wire. The base lies 3 km west of Qarmal "
    "airport and housed about 300 personnel."
)


@pytest.fixture
def openapi(client, db):
    return client.get("/api/openapi.json").json()


@pytest.fixture
def api(team, outsider, api_as, openapi):
    users = {**team.users, "outsider": outsider}

    def call(username, method, path, json=None, template=None):
        response = api_as(users[username])(method, path, json)
        if template:
            operation = openapi["paths"][template][method]
            spec = operation["responses"][str(response.status_code)]
            schema = spec["content"]["application/json"]["schema"]
            jsonschema.validate(response.json(), {**schema, "components": openapi["components"]})
        return response

    return call


@pytest.fixture
def wire(team):
    """A Meridian Wire report that "annotator" marked (two claims, an attribution, a hedge
    and a third claim), marked ready for review."""
    outlet = factories.source(team.project, "Meridian Wire")
    article = factories.article(team.project, WIRE_TEXT, outlet=outlet)
    by = team["annotator"]
    factories.span(article, "Foreign troops withdrew from the Tal Safra base on Tuesday", by=by)
    factories.span(article, "two local officials told Meridian Wire", kind=ATTRIBUTION, by=by)
    factories.span(article, "The base lies 3 km west of Qarmal airport", by=by)
    factories.span(article, "about", kind=HEDGE, by=by)
    factories.span(article, "housed about 300 personnel", by=by)
    type(article).objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    return article


def queue_path(team):
    return f"/api/projects/{team.slug}/review/queue/"


def decide_path(team, annotation):
    return f"/api/projects/{team.slug}/annotations/{annotation.pk}/review/"


def test_queue_lists_ready_articles(api, team, wire):
    response = api("reviewer", "get", queue_path(team), template=QUEUE)
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == wire.pk
    assert row["annotators"] == ["annotator"]
    assert row["undecided"] == wire.annotations.filter(status="draft").count()
    by_outlet = api("reviewer", "get", f"{queue_path(team)}?outlet_id={wire.outlet_id}")
    assert [r["id"] for r in by_outlet.json()] == [wire.pk]
    nobody = api("reviewer", "get", f"{queue_path(team)}?annotator=annotator2")
    assert nobody.json() == []


def test_approve_and_reject_with_comment(api, team, wire):
    claim, *rest = wire.annotations.order_by("start")
    body = {"decision": "rejected", "comment": "Split it in two.", "version": claim.version}
    response = api("reviewer", "post", decide_path(team, claim), body, template=DECIDE)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "rejected" and data["review_comment"] == "Split it in two."
    assert data["reviewed_by"] == "reviewer" and data["reviewed_at"]
    assert data["article_status"] == "ready"
    for annotation in rest:
        response = api("owner", "post", decide_path(team, annotation), {"decision": "approved"})
        assert response.status_code == 200
    assert response.json()["article_status"] == "reviewed"
    wire.refresh_from_db()
    assert wire.status == ArticleStatus.REVIEWED


def test_conflicts_and_bad_decisions(api, team, wire):
    claim = wire.annotations.order_by("start").first()
    assert (
        api("reviewer", "post", decide_path(team, claim), {"decision": "approved"}).status_code
        == 200
    )
    stale = api(
        "reviewer",
        "post",
        decide_path(team, claim),
        {"decision": "rejected", "version": 1},
        template=DECIDE,
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["status"] == "approved"
    assert (
        api("reviewer", "post", decide_path(team, claim), {"decision": "maybe"}).status_code == 422
    )
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED


def test_permissions(api, team, wire, client):
    claim = wire.annotations.order_by("start").first()
    body = {"decision": "approved"}
    assert api("annotator", "post", decide_path(team, claim), body).status_code == 403
    assert api("annotator", "get", queue_path(team)).status_code == 403
    assert api("outsider", "post", decide_path(team, claim), body).status_code == 404
    assert api("outsider", "get", queue_path(team)).status_code == 404
    assert client.get(queue_path(team)).status_code == 401  # no token
    # A reviewer of another project: 404 too.
    elsewhere = get_user_model().objects.create_user("elsewhere")
    other = Project.objects.create(name="Other desk", slug="other-desk")
    Membership.objects.create(project=other, user=elsewhere, role=Role.REVIEWER)
    key = api_token_create(user=elsewhere, name="t")[1]
    response = client.post(
        decide_path(team, claim),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 404
    assert Annotation.objects.get(pk=claim.pk).status == Status.DRAFT
