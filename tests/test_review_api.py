"""Review through the JSON API with a token: the queue, approve/reject with a comment,
the same permissions as the pages; responses checked against the served OpenAPI schema."""

import jsonschema
import pytest
from django.contrib.auth import get_user_model

from annotator.accounts.services import api_token_create
from annotator.annotations.models import Annotation, Status
from annotator.articles.models import Article, ArticleStatus
from annotator.projects.models import Membership, Project, Role

QUEUE = "/api/projects/{slug}/review/queue/"
DECIDE = "/api/projects/{slug}/annotations/{annotation_id}/review/"


@pytest.fixture
def openapi(client, db):
    return client.get("/api/openapi.json").json()


@pytest.fixture
def api(client, demo_users, outsider, openapi):
    users = {**demo_users, "outsider": outsider}
    keys = {name: api_token_create(user=user, name="tests")[1] for name, user in users.items()}

    def call(username, method, path, json=None, template=None):
        response = getattr(client, method)(
            path,
            data=json,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {keys[username]}",
        )
        if template:
            operation = openapi["paths"][template][method]
            spec = operation["responses"][str(response.status_code)]
            schema = spec["content"]["application/json"]["schema"]
            jsonschema.validate(response.json(), {**schema, "components": openapi["components"]})
        return response

    return call


@pytest.fixture
def wire(demo):
    article = Article.objects.get(project=demo, outlet__name="Meridian Wire")
    Article.objects.filter(pk=article.pk).update(status=ArticleStatus.READY)
    return article


def decide_path(annotation):
    return f"/api/projects/demo/annotations/{annotation.pk}/review/"


def test_queue_lists_ready_articles(api, wire, demo_users):
    response = api("reviewer", "get", "/api/projects/demo/review/queue/", template=QUEUE)
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == wire.pk
    assert row["annotators"] == ["annotator"]
    assert row["undecided"] == wire.annotations.filter(status="draft").count()
    by_outlet = api(
        "reviewer", "get", f"/api/projects/demo/review/queue/?outlet_id={wire.outlet_id}"
    )
    assert [r["id"] for r in by_outlet.json()] == [wire.pk]
    nobody = api("reviewer", "get", "/api/projects/demo/review/queue/?annotator=annotator2")
    assert nobody.json() == []


def test_approve_and_reject_with_comment(api, wire, demo_users):
    claim, *rest = wire.annotations.order_by("start")
    body = {"decision": "rejected", "comment": "Split it in two.", "version": claim.version}
    response = api("reviewer", "post", decide_path(claim), body, template=DECIDE)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "rejected" and data["review_comment"] == "Split it in two."
    assert data["reviewed_by"] == "reviewer" and data["reviewed_at"]
    assert data["article_status"] == "ready"
    for annotation in rest:
        response = api("owner", "post", decide_path(annotation), {"decision": "approved"})
        assert response.status_code == 200
    assert response.json()["article_status"] == "reviewed"
    wire.refresh_from_db()
    assert wire.status == ArticleStatus.REVIEWED


def test_conflicts_and_bad_decisions(api, wire):
    claim = wire.annotations.order_by("start").first()
    assert api("reviewer", "post", decide_path(claim), {"decision": "approved"}).status_code == 200
    stale = api(
        "reviewer",
        "post",
        decide_path(claim),
        {"decision": "rejected", "version": 1},
        template=DECIDE,
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["status"] == "approved"
    assert api("reviewer", "post", decide_path(claim), {"decision": "maybe"}).status_code == 422
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED


def test_permissions(api, wire, client):
    claim = wire.annotations.order_by("start").first()
    body = {"decision": "approved"}
    assert api("annotator", "post", decide_path(claim), body).status_code == 403
    assert api("annotator", "get", "/api/projects/demo/review/queue/").status_code == 403
    assert api("outsider", "post", decide_path(claim), body).status_code == 404
    assert api("outsider", "get", "/api/projects/demo/review/queue/").status_code == 404
    assert client.get("/api/projects/demo/review/queue/").status_code == 401  # no token
    # A reviewer of another project: 404 too.
    elsewhere = get_user_model().objects.create_user("elsewhere")
    other = Project.objects.create(name="Other desk", slug="other-desk")
    Membership.objects.create(project=other, user=elsewhere, role=Role.REVIEWER)
    key = api_token_create(user=elsewhere, name="t")[1]
    response = client.post(
        decide_path(claim),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 404
    assert Annotation.objects.get(pk=claim.pk).status == Status.DRAFT
