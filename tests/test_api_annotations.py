"""The annotations API, checked against the OpenAPI schema the app serves."""

import factories
import jsonschema
import pytest
from django_tasks_db.models import DBTaskResult

from annotator.accounts.services import api_token_create
from annotator.annotations import services
from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE
from annotator.annotations.models import Annotation, Link

WIRE = (
    "QARMAL, March 12 (Meridian Wire) - Foreign troops withdrew from the Tal Safra base "
    "on Tuesday, two local officials told Meridian Wire.\n\n"
    "The base lies 3 km west of Qarmal airport and housed about 300 personnel."
)
LEDGER = (
    "Foreign forces have reportedly evacuated the Tal Safra base near Qarmal, "
    "Meridian Wire reported, citing local officials."
)
SAHIL = (
    "أفادت مصادر محلية لصحيفة الساحل بأن القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين.\n\n"
    "وتقع القاعدة على بعد نحو 3 كم غرب مطار قرمل."
)
RASED = (
    "نقلاً عن وكالة ميريديان (Meridian Wire)، انسحبت القوات الأجنبية من قاعدة تل صفرا "
    "فجر الثلاثاء 🚚.\n\n"
    "وبحسب مصادر، فإن القاعدة تبعد 5 كم عن المطار."
)


def report(team, outlet, text, language="en"):
    return factories.article(
        team.project, text, outlet=factories.source(team.project, outlet), language=language
    )


@pytest.fixture
def wire(team):
    """An English wire report: the annotator marked a claim about the base and a hedge."""
    wire = report(team, "Meridian Wire", WIRE)
    factories.span(wire, "The base lies 3 km west of Qarmal airport", by=team["annotator"])
    factories.span(wire, "about", kind=HEDGE, by=team["annotator"])
    return wire


@pytest.fixture
def ledger(team):
    return report(team, "The Northern Ledger", LEDGER)


@pytest.fixture
def sahil(team):
    """An Arabic report whose claim is attributed to local sources, with a link."""
    sahil = report(team, "Al-Sahil Daily", SAHIL, language="ar")
    by = team["annotator"]
    claim = factories.span(sahil, "القوات الأجنبية أخلت قاعدة تل صفرا يوم الاثنين", by=by)
    said = factories.span(sahil, "أفادت مصادر محلية لصحيفة الساحل", kind=ATTRIBUTION, by=by)
    factories.link(said, claim, by=by)
    return sahil


@pytest.fixture
def rased(team):
    """An Arabic social-media post, with an emoji (two UTF-16 units, one code point)."""
    return report(team, "Rased Network", RASED, language="ar")


@pytest.fixture
def openapi(client, db):
    return client.get("/api/openapi.json").json()


@pytest.fixture
def api(client, team, openapi):
    """api(username, method, path, json=None) -> response, validated against the schema."""
    keys = {name: api_token_create(user=user, name="tests")[1] for name, user in team.users.items()}

    def call(username, method, path, json=None, template=None):
        response = getattr(client, method)(
            path,
            data=json,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {keys[username]}",
        )
        if template and response.status_code != 204:
            operation = openapi["paths"][template][method]
            spec = operation["responses"][str(response.status_code)]
            schema = spec["content"]["application/json"]["schema"]
            jsonschema.validate(response.json(), {**schema, "components": openapi["components"]})
        return response

    return call


ARTICLE = "/api/projects/{slug}/articles/{article_id}/"
KINDS_IN_TURN = (CLAIM, ATTRIBUTION, HEDGE)
CREATE = "/api/projects/{slug}/articles/{article_id}/annotations/"
ONE = "/api/projects/{slug}/annotations/{annotation_id}/"
LINKS = "/api/projects/{slug}/links/"


def test_schema_documents_code_point_offsets(openapi):
    props = openapi["components"]["schemas"]["AnnotationIn"]["properties"]
    assert "code point" in props["start"]["description"]


def test_list_and_read_articles(api, team, wire, ledger, sahil, rased):
    listing = api(
        "annotator",
        "get",
        f"/api/projects/{team.slug}/articles/",
        template="/api/projects/{slug}/articles/",
    )
    assert listing.status_code == 200
    assert len(listing.json()) == 4
    body = api(
        "annotator", "get", f"/api/projects/{team.slug}/articles/{sahil.pk}/", template=ARTICLE
    ).json()
    assert body["text"] == sahil.text
    for span in body["annotations"]:
        assert body["text"][span["start"] : span["end"]] == span["quote"]
    assert body["links"]


def test_create_update_delete_with_versions(api, team, rased):
    quote = "5 كم"
    start = rased.text.index(quote)
    payload = {"kind": "claim", "start": start, "end": start + len(quote), "quote": quote}
    created = api(
        "annotator",
        "post",
        f"/api/projects/{team.slug}/articles/{rased.pk}/annotations/",
        payload,
        template=CREATE,
    )
    assert created.status_code == 201
    annotation = created.json()
    path = f"/api/projects/{team.slug}/annotations/{annotation['id']}/"
    updated = api(
        "annotator", "patch", path, {"version": 1, "note": "distance differs"}, template=ONE
    )
    assert updated.json()["version"] == 2
    stale = api("annotator", "patch", path, {"version": 1, "note": "stale"}, template=ONE)
    assert stale.status_code == 409
    assert stale.json()["current"]["note"] == "distance differs"
    assert api("annotator", "delete", path).status_code == 204
    assert not Annotation.objects.filter(pk=annotation["id"]).exists()


def test_offsets_are_code_points_not_utf16(api, team, rased):
    quote = "فجر الثلاثاء 🚚"
    start = rased.text.index(quote)
    utf16_end = start + len(quote.encode("utf-16-le")) // 2  # one more: the emoji is 2 units
    bad = {"kind": "claim", "start": start, "end": utf16_end, "quote": quote}
    response = api(
        "annotator",
        "post",
        f"/api/projects/{team.slug}/articles/{rased.pk}/annotations/",
        bad,
        template=CREATE,
    )
    assert response.status_code == 422
    good = {**bad, "end": start + len(quote)}
    response = api(
        "annotator",
        "post",
        f"/api/projects/{team.slug}/articles/{rased.pk}/annotations/",
        good,
        template=CREATE,
    )
    assert response.status_code == 201


def test_links_through_the_api(api, team, wire):
    hedge = Annotation.objects.get(article=wire, kind="hedge")
    claim = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    response = api(
        "annotator",
        "post",
        f"/api/projects/{team.slug}/links/",
        {"from_id": hedge.pk, "to_id": claim.pk, "kind": "qualifies"},
        template=LINKS,
    )
    assert response.status_code == 201
    wrong = api(
        "annotator",
        "post",
        f"/api/projects/{team.slug}/links/",
        {"from_id": claim.pk, "to_id": hedge.pk, "kind": "qualifies"},
        template=LINKS,
    )
    assert wrong.status_code == 422
    link_id = response.json()["id"]
    path = f"/api/projects/{team.slug}/links/{link_id}/"
    assert api("annotator", "delete", path).status_code == 204
    assert not Link.objects.filter(pk=link_id).exists()


def test_same_permissions_as_the_pages(api, team, wire, outsider, client):
    claim = Annotation.objects.get(article=wire, quote="The base lies 3 km west of Qarmal airport")
    path = f"/api/projects/{team.slug}/annotations/{claim.pk}/"
    forbidden = api("annotator2", "patch", path, {"version": claim.version, "note": "x"})
    assert forbidden.status_code == 403
    assert (
        api("reviewer", "patch", path, {"version": claim.version, "note": "ok"}).status_code == 200
    )
    key = api_token_create(user=outsider, name="outsider")[1]
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404
    response = client.get(
        f"/api/projects/{team.slug}/articles/{wire.pk}/", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 404


def test_article_detail_sends_context_only_when_asked(api, team, sahil):
    path = f"/api/projects/{team.slug}/articles/{sahil.pk}/"
    lean = api("annotator", "get", path, template=ARTICLE).json()
    full = api("annotator", "get", path + "?context=1", template=ARTICLE).json()
    bulky = {"article_id", "prefix", "suffix", "created_at", "updated_at"}
    assert lean["annotations"] and not bulky & set(lean["annotations"][0])
    assert [span["id"] for span in full["annotations"]] == [s["id"] for s in lean["annotations"]]
    for span in full["annotations"]:
        assert bulky <= set(span) and span["article_id"] == sahil.pk
        assert sahil.text[: span["start"]].endswith(span["prefix"])
        assert sahil.text[span["end"] :].startswith(span["suffix"])
    assert lean["links"] == full["links"] and lean["links"][0]["kind"] == "attributes"
    assert "القوات الأجنبية".encode() in api("annotator", "get", path).content  # UTF-8 as is
    refused = api("annotator", "get", path + "?context=maybe")
    assert refused.status_code == 422 and "context" in refused.json()["detail"]


def test_reading_a_500_span_article_takes_a_fixed_number_of_queries(
    api, team, django_assert_max_num_queries
):
    text = ("Officials said about 300 troops left the base on Tuesday. " * 60)[:3_000]
    article = factories.article(team.project, text)
    stride = len(text) // 500
    for index in range(500):
        start, end = index * stride, index * stride + stride - 1
        services.annotation_create(
            article=article,
            kind=KINDS_IN_TURN[index % 3],
            start=start,
            end=end,
            quote=text[start:end],
            created_by=team["annotator"],
        )
    path = f"/api/projects/{team.slug}/articles/{article.pk}/"
    api("annotator", "get", path)  # the token's first use is recorded once
    with django_assert_max_num_queries(5):
        body = api("annotator", "get", path, template=ARTICLE).json()
    assert len(body["annotations"]) == 500
    assert [span["start"] for span in body["annotations"]] == [i * stride for i in range(500)]


def test_saving_a_span_takes_a_fixed_number_of_queries(
    api, team, ledger, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """The token, the membership with the article, the twin check and the INSERT (in a
    savepoint here: the test's transaction), and for a claim, whether its matching task
    waits already: what a client saving span after span pays on each one."""
    path = f"/api/projects/{team.slug}/articles/{ledger.pk}/annotations/"

    def save(quote, kind=CLAIM):
        start = ledger.text.index(quote)
        body = {"kind": kind, "start": start, "end": start + len(quote), "quote": quote}
        with django_capture_on_commit_callbacks(execute=True):
            response = api("annotator", "post", path, body, template=CREATE)
        assert response.status_code == 201, response.content
        return response.json()

    save("Foreign forces have reportedly evacuated")  # the token's first use, the matching task
    for quote, kind in (("Meridian Wire reported", ATTRIBUTION), ("the Tal Safra base", CLAIM)):
        with django_assert_max_num_queries(7 if kind == CLAIM else 6):
            span = save(quote, kind)
        assert span["quote"] == quote and span["kind"] == kind
    waiting = DBTaskResult.objects.filter(task_path__endswith="claims_match_task")
    assert waiting.count() == 1  # the second claim's matching waits in the first one's task
