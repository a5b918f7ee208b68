"""Who may do what: every URL pattern and every API operation, every role, every method.

The tables below say what each role gets; the tests walk the URL resolver and the served
OpenAPI schema, so a new page, endpoint or method without an entry fails with a message
saying what to add. Outcomes: LOGIN (redirect to the login page), UNAUTHORIZED (401, API),
NOT_FOUND (404: outsiders never learn that a project exists), FORBIDDEN (403: a member whose
role is too low), OK (the request was let through: 2xx, 3xx, 409 or 422).

Each request runs in a savepoint that is rolled back, so every role meets the same data:
the demo project plus, made by `annotator2`, an imported article with a claim, a hedge
linked to it, a suggested claim time and an import batch (so `annotator` touches someone
else's work and must get 403 where only the author, reviewers and owners may act).
"""

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import CLAIM, HEDGE, QUALIFIES
from annotator.annotations.models import Annotation, HedgeType
from annotator.annotations.services import annotation_create, link_create
from annotator.api import api
from annotator.articles.batches import Upload, batch_create
from annotator.articles.models import Origin
from annotator.articles.services import article_import
from annotator.events.models import ClaimRelation, Event
from annotator.matching.models import MatchCandidate
from annotator.projects.models import Membership, Role
from annotator.projects.services import invite_create
from annotator.review.models import Assignment
from annotator.review.services import assignments_create
from annotator.sources.models import Source
from annotator.suggestions.models import DateSuggestion

ROLES = ("anonymous", "outsider", "annotator", "reviewer", "owner")
LOGIN, UNAUTHORIZED, NOT_FOUND, FORBIDDEN, OK = "login", "401", "404", "403", "ok"
NOT_ALLOWED = "405"

# Rows of outcomes, one per role in ROLES order.
ANYONE = (OK, OK, OK, OK, OK)
LOGGED_IN = (LOGIN, OK, OK, OK, OK)  # not project pages: every logged-in user
MEMBERS = (LOGIN, NOT_FOUND, OK, OK, OK)
REVIEWERS = (LOGIN, NOT_FOUND, FORBIDDEN, OK, OK)
OWNERS = (LOGIN, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK)
# annotator2's own work: other annotators may look but not change it.
AUTHOR_OR_REVIEWERS = REVIEWERS
OWN_TOKEN = (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)  # the owner's token: nobody else's
STAFF = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)  # the demo's owner is staff, nobody else

API_MEMBERS = (UNAUTHORIZED, NOT_FOUND, OK, OK, OK)
API_REVIEWERS = (UNAUTHORIZED, NOT_FOUND, FORBIDDEN, OK, OK)
API_OWNERS = (UNAUTHORIZED, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK)
API_LOGGED_IN = (UNAUTHORIZED, OK, OK, OK, OK)
API_AUTHOR_OR_REVIEWERS = API_REVIEWERS

PAGE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Call:
    """Expected outcomes, and the request body to send (a function of the `world` ids)."""

    expect: tuple
    data: Callable[[dict], dict] | None = None
    files: Callable[[dict], dict] | None = None


def _call(entry) -> Call:
    return entry if isinstance(entry, Call) else Call(entry)


# --- Pages ------------------------------------------------------------------------------

PAGES = {
    # Django's LoginView (PUT is its POST); someone logged in is sent on to their projects.
    "login": {
        **dict.fromkeys(["GET", "HEAD", "POST", "PUT", "OPTIONS"], ANYONE),
        **dict.fromkeys(["PATCH", "DELETE"], (NOT_ALLOWED, OK, OK, OK, OK)),
    },
    # Logging out ends on the login page (also when nobody was logged in).
    "logout": {"POST": (LOGIN,) * 5, "OPTIONS": LOGGED_IN},
    "healthz": {"GET": ANYONE, "HEAD": ANYONE},
    # The kinds' colours and line styles (no data of any project).
    "workspace:kinds_css": {"GET": ANYONE, "HEAD": ANYONE},
    "accounts:tokens": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "accounts:token_revoke": {"POST": OWN_TOKEN},
    "accounts:account_new": {
        "GET": STAFF,
        "POST": Call(STAFF, data=lambda w: {"username": "dana", "generate": "1"}),
    },
    "accounts:password_change": dict.fromkeys(["GET", "HEAD", "POST", "PUT", "OPTIONS"], LOGGED_IN),
    "accounts:password_change_done": dict.fromkeys(["GET", "HEAD", "OPTIONS"], LOGGED_IN),
    # Password reset by e-mail: no login needed (Django's views). The link's page moves its
    # token into the session with a redirect whatever the method.
    "accounts:password_reset": dict.fromkeys(["GET", "HEAD", "POST", "PUT", "OPTIONS"], ANYONE),
    "accounts:password_reset_done": dict.fromkeys(["GET", "HEAD", "OPTIONS"], ANYONE),
    "accounts:password_reset_confirm": dict.fromkeys(PAGE_METHODS, ANYONE),
    "accounts:password_reset_complete": dict.fromkeys(["GET", "HEAD", "OPTIONS"], ANYONE),
    "projects:list": {"GET": LOGGED_IN},
    "projects:detail": {"GET": MEMBERS},
    "projects:guidelines": {"GET": MEMBERS},
    # Members and invite links (annotator2 is the member changed or removed).
    "projects:members": {
        "GET": OWNERS,
        "POST": Call(OWNERS, data=lambda w: {"who": "outsider", "role": "annotator"}),
    },
    "projects:member_role": {"POST": Call(OWNERS, data=lambda w: {"role": "reviewer"})},
    "projects:member_remove": {
        "GET": OWNERS,
        "POST": Call(OWNERS, data=lambda w: {"confirm": "1"}),
    },
    "projects:invite_create": {
        "POST": Call(OWNERS, data=lambda w: {"role": "annotator", "days": "7"})
    },
    "projects:invite_revoke": {"POST": OWNERS},
    # The link itself needs no login: a form for a new account, or one click to join
    # (members are told they are members already: 422).
    "projects:invite": {"GET": ANYONE, "POST": ANYONE},
    # Articles and imports
    "articles:list": {"GET": MEMBERS},
    "articles:upload": {"GET": MEMBERS, "POST": MEMBERS},
    "articles:paste": {"POST": MEMBERS},
    "articles:about": {
        "GET": MEMBERS,
        "POST": Call(AUTHOR_OR_REVIEWERS, data=lambda w: {"m-title": "Corrected title"}),
    },
    "articles:original": {"GET": MEMBERS},
    "articles:batch": {"GET": MEMBERS},
    "articles:resume": {"POST": MEMBERS},
    "articles:review": {"GET": AUTHOR_OR_REVIEWERS, "POST": AUTHOR_OR_REVIEWERS},
    # The annotation workspace
    "workspace:article": {"GET": MEMBERS},
    "workspace:list": {"GET": MEMBERS},
    "workspace:create": {"POST": Call(MEMBERS, data=lambda w: w["new_span"])},
    "workspace:undo": {"POST": MEMBERS},
    "workspace:article_status": {"POST": Call(MEMBERS, data=lambda w: {"status": "ready"})},
    "workspace:detail": {"GET": MEMBERS},
    "workspace:save": {
        "POST": Call(
            AUTHOR_OR_REVIEWERS,
            data=lambda w: {"version": w["version"], "kind": "hedge", "note": "checked"},
        )
    },
    "workspace:respan": {
        "POST": Call(
            AUTHOR_OR_REVIEWERS, data=lambda w: {"version": w["version"], "move": "widen-end"}
        )
    },
    "workspace:delete": {"POST": AUTHOR_OR_REVIEWERS},
    "workspace:link_create": {
        "POST": Call(AUTHOR_OR_REVIEWERS, data=lambda w: {"to": w["claim_id"]})
    },
    "workspace:source_search": {"GET": MEMBERS},
    "workspace:link_targets": {"GET": MEMBERS},
    "workspace:link_delete": {"POST": AUTHOR_OR_REVIEWERS},
    "suggestions:decide": {
        "POST": Call(AUTHOR_OR_REVIEWERS, data=lambda w: {"decision": "reject"})
    },
    "suggestions:date_decide": {
        "POST": Call(AUTHOR_OR_REVIEWERS, data=lambda w: {"decision": "reject"})
    },
    "suggestions:accept_all": {
        "GET": MEMBERS,
        "POST": Call(MEMBERS, data=lambda w: {"kind": "hedge"}),
    },
    "suggestions:run": {"GET": MEMBERS, "POST": MEMBERS},
    # Events and timelines
    "events:list": {"GET": MEMBERS, "POST": Call(MEMBERS, data=lambda w: {"title": "Strike"})},
    "events:detail": {"GET": MEMBERS},
    "events:relation_create": {
        "POST": Call(MEMBERS, data=lambda w: {"claims": w["event_claims"], "kind": "contradicts"})
    },
    "events:relation_delete": {
        "POST": Call(MEMBERS, data=lambda w: {"relation": w["relation_id"]})
    },
    "events:timeline_csv": {"GET": MEMBERS},
    "events:timeline_json": {"GET": MEMBERS},
    "events:credibility": {
        "GET": REVIEWERS,
        "POST": Call(REVIEWERS, data=lambda w: {"credibility": "2", "version": w["claim_version"]}),
    },
    # Claim matching (the candidate joins annotator2's claim and a demo claim)
    "matching:event": {"GET": MEMBERS},
    "matching:claim": {"GET": MEMBERS},
    "matching:event_reject": {
        "POST": Call(
            MEMBERS, data=lambda w: {"event": w["event_id"], "from": f"event:{w['event_id']}"}
        )
    },
    "matching:decide": {
        "POST": Call(
            MEMBERS, data=lambda w: {"decision": "reject", "from": f"event:{w['event_id']}"}
        )
    },
    # Sources
    "sources:list": {"GET": MEMBERS},
    "sources:detail": {"GET": MEMBERS},
    "sources:assess": {
        "POST": Call(REVIEWERS, data=lambda w: {"grade": "B", "rationale": "Checked twice."})
    },
    "sources:edit": {"POST": Call(REVIEWERS, data=lambda w: {"name": "Meridian Wire Service"})},
    "sources:merge": {
        "GET": Call(REVIEWERS, data=lambda w: {"merge": w["other_source_id"]}),
        "POST": Call(REVIEWERS, data=lambda w: {"merge": w["other_source_id"], "confirm": "1"}),
    },
    # Suggestions
    "suggestions:stats": {"GET": MEMBERS},
    "suggestions:toggle": {
        "POST": Call(REVIEWERS, data=lambda w: {"rule": "hedge:reportedly", "enabled": "0"})
    },
    "suggestions:retrain": {"POST": REVIEWERS},  # queues the claim ranker's training
    # Export and dataset import
    "exports:page": {"GET": REVIEWERS},
    "exports:download": {"GET": REVIEWERS},
    "exports:jobs": {"GET": REVIEWERS, "POST": REVIEWERS},
    "exports:import": {"POST": Call(OWNERS, files=lambda w: {"file": w["jsonl_file"]()})},
    # Review
    "review:queue": {"GET": REVIEWERS},
    "review:agreement": {"GET": REVIEWERS},
    "review:assignments": {"GET": OWNERS, "POST": OWNERS},
    "review:unassign": {"POST": OWNERS},
    "review:mine": {"GET": MEMBERS},
    "review:article": {"GET": REVIEWERS},
    "review:accept_agreed": {"POST": REVIEWERS},
    "review:finish": {"POST": REVIEWERS},
    "review:decide": {
        "POST": Call(REVIEWERS, data=lambda w: {"decision": "approved", "version": w["version"]})
    },
    "review:curate": {"POST": REVIEWERS},
    "review:edit": {
        "GET": REVIEWERS,
        "POST": Call(
            REVIEWERS, data=lambda w: {"version": w["version"], "kind": "hedge", "note": "x"}
        ),
    },
    # Running a project (annotator/teams); archiving and deleting the demo are refused
    # while its import batch waits, and every request is rolled back anyway.
    "teams:new": {"GET": LOGGED_IN, "POST": Call(LOGGED_IN, data=lambda w: {"name": "Harbour"})},
    "teams:slug": {"GET": Call(LOGGED_IN, data=lambda w: {"name": "Harbour desk"})},
    "teams:settings": {
        "GET": OWNERS,
        "POST": Call(OWNERS, data=lambda w: {"name": "Demo", "hedge_types": ["hearsay"]}),
    },
    "teams:archive": {"POST": OWNERS},
    "teams:unarchive": {"POST": OWNERS},
    "teams:delete": {
        "GET": OWNERS,
        "POST": Call(OWNERS, data=lambda w: {"confirm_slug": w["slug"]}),
    },
}


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's admin: staff only, its own login (test_url_access.py)
            if entry.namespace == "api":
                continue  # the API: API_OPERATIONS below, from the OpenAPI schema
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} needs a name for the matrix"
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, list(entry.pattern.converters)


PATTERNS = dict(_walk(get_resolver().url_patterns))


# --- API -----------------------------------------------------------------------------

API_OPERATIONS = {
    "GET /api/projects/": API_LOGGED_IN,
    "GET /api/projects/{slug}/articles/": API_MEMBERS,
    "GET /api/projects/{slug}/articles/{article_id}/": API_MEMBERS,
    "POST /api/projects/{slug}/articles/{article_id}/annotations/": Call(
        API_MEMBERS, data=lambda w: {**w["new_span"], "kind": "claim"}
    ),
    "GET /api/projects/{slug}/annotations/{annotation_id}/": API_MEMBERS,
    "PATCH /api/projects/{slug}/annotations/{annotation_id}/": Call(
        API_AUTHOR_OR_REVIEWERS, data=lambda w: {"version": w["version"], "note": "checked"}
    ),
    "DELETE /api/projects/{slug}/annotations/{annotation_id}/": API_AUTHOR_OR_REVIEWERS,
    "POST /api/projects/{slug}/links/": Call(
        API_AUTHOR_OR_REVIEWERS,
        data=lambda w: {"from_id": w["annotation_id"], "to_id": w["claim_id"], "kind": "qualifies"},
    ),
    "DELETE /api/projects/{slug}/links/{link_id}/": API_AUTHOR_OR_REVIEWERS,
    "GET /api/projects/{slug}/export": API_REVIEWERS,
    "POST /api/projects/{slug}/import": Call(
        API_OWNERS, files=lambda w: {"file": w["jsonl_file"]()}
    ),
    "POST /api/projects/{slug}/articles/{article_id}/status/": Call(
        API_MEMBERS, data=lambda w: {"status": "ready"}
    ),
    "POST /api/projects/{slug}/article-imports/": Call(
        API_MEMBERS, data=lambda w: {"text": "A second article, pasted through the API."}
    ),
    "POST /api/projects/{slug}/article-imports/files/": Call(
        API_MEMBERS,
        files=lambda w: {
            "files": SimpleUploadedFile("note.txt", b"A third article, uploaded as a file.")
        },
    ),
    "GET /api/projects/{slug}/article-imports/batches/{batch_id}/": API_MEMBERS,
    "GET /api/projects/{slug}/review/queue/": API_REVIEWERS,
    "POST /api/projects/{slug}/annotations/{annotation_id}/review/": Call(
        API_REVIEWERS, data=lambda w: {"decision": "approved"}
    ),
    "GET /api/projects/{slug}/events/": API_MEMBERS,
    "POST /api/projects/{slug}/events/": Call(API_MEMBERS, data=lambda w: {"title": "Strike"}),
    "GET /api/projects/{slug}/events/{event_id}/": API_MEMBERS,
    "POST /api/projects/{slug}/events/{event_id}/relations/": Call(
        API_MEMBERS,
        data=lambda w: {
            "claim_id": w["event_claims"][0],
            "other_id": w["event_claims"][1],
            "kind": "contradicts",
        },
    ),
    "DELETE /api/projects/{slug}/relations/{relation_id}/": API_MEMBERS,
    "GET /api/projects/{slug}/annotations/{annotation_id}/matches/": API_MEMBERS,
    "POST /api/projects/{slug}/matches/{candidate_id}/": Call(
        API_MEMBERS, data=lambda w: {"decision": "reject"}
    ),
    "GET /api/projects/{slug}/sources/": API_MEMBERS,
    "POST /api/projects/{slug}/sources/": Call(
        API_MEMBERS, data=lambda w: {"name": "Harbour Radio", "force": True}
    ),
    "GET /api/projects/{slug}/sources/{source_id}/": API_MEMBERS,
    "POST /api/projects/{slug}/sources/{source_id}/assessments/": Call(
        API_REVIEWERS, data=lambda w: {"grade": "B", "rationale": "Checked twice."}
    ),
    "POST /api/projects/{slug}/sources/{source_id}/merge/": Call(
        API_REVIEWERS, data=lambda w: {"merge_id": w["other_source_id"]}
    ),
    "POST /api/projects/": Call(API_LOGGED_IN, data=lambda w: {"name": "Harbour desk"}),
    "GET /api/projects/{slug}/settings/": API_MEMBERS,
    "PATCH /api/projects/{slug}/settings/": Call(
        API_OWNERS, data=lambda w: {"description": "Wire copy."}
    ),
    "POST /api/projects/{slug}/archive/": API_OWNERS,
    "POST /api/projects/{slug}/unarchive/": API_OWNERS,
    "DELETE /api/projects/{slug}/": API_OWNERS,  # 422 without confirm_slug, for the owner
    "GET /api/projects/{slug}/members/": API_MEMBERS,
    "POST /api/projects/{slug}/members/": Call(
        API_OWNERS, data=lambda w: {"username_or_email": "outsider", "role": "annotator"}
    ),
    "PATCH /api/projects/{slug}/members/{username}/": Call(
        API_OWNERS, data=lambda w: {"role": "reviewer"}
    ),
    "DELETE /api/projects/{slug}/members/{username}/": API_OWNERS,
}

SCHEMA_PATHS = api.get_openapi_schema()["paths"]
API_PATHS = sorted(SCHEMA_PATHS)


# --- The data every request meets ---------------------------------------------------------

ARTICLE_TEXT = (
    "Officials said on Monday that the convoy had reportedly left the northern base.\n\n"
    "Residents counted about forty trucks on the coast road."
)


@pytest.fixture
def world(demo, demo_users, outsider):
    """Ids for every URL parameter, and objects made by annotator2 (see the module doc)."""
    author = demo_users["annotator2"]
    article = article_import(
        project=demo,
        name="convoy.txt",
        data=ARTICLE_TEXT.encode(),
        origin=Origin.UPLOAD,
        uploaded_by=author,
    ).article
    event = Event.objects.get(project=demo)

    def span(kind, quote, **fields):
        start = ARTICLE_TEXT.index(quote)
        return annotation_create(
            article=article,
            kind=kind,
            start=start,
            end=start + len(quote),
            quote=quote,
            created_by=author,
            **fields,
        )

    claim = span(CLAIM, "the convoy had reportedly left the northern base", event=event)
    hedge = span(HEDGE, "reportedly", hedge_type=HedgeType.HEARSAY)
    link = link_create(
        from_annotation=hedge, to_annotation=claim, kind=QUALIFIES, created_by=author
    )
    date = DateSuggestion.objects.create(
        article=article,
        claim=claim,
        start=ARTICLE_TEXT.index("Monday"),
        end=ARTICLE_TEXT.index("Monday") + len("Monday"),
        quote="Monday",
        claimed_at="2025-03-10T00:00:00Z",
        claimed_precision="day",
        resolution="Monday → 2025-03-10",
        suggestion_rule="weekday",
        confidence=0.8,
    )
    batch = batch_create(
        project=demo,
        user=author,
        uploads=[Upload("later.txt", 24, lambda: b"An article for later on.")],
    )
    assignments_create(articles=[article], users=[author], assigned_by=demo_users["owner"])
    token, _ = api_token_create(user=demo_users["owner"], name="owner's pipeline")
    invite, invite_key = invite_create(
        user=demo_users["owner"], project=demo, role=Role.ANNOTATOR, days=7, note=""
    )
    other_claim = Annotation.objects.filter(event=event, kind=CLAIM).order_by("pk").first()
    candidate = MatchCandidate.objects.create(
        claim_a=min(claim, other_claim, key=lambda c: c.pk),
        claim_b=max(claim, other_claim, key=lambda c: c.pk),
        project=demo,
        event=event,
        score=0.8,
        similarity=0.9,
        computed_at=timezone.now(),
    )
    forgetful = get_user_model().objects.create_user("forgetful", email="forgetful@example.org")
    meridian = Source.objects.get(project=demo, name="Meridian Wire")
    new_quote = "Residents counted about forty trucks"
    new_start = ARTICLE_TEXT.index(new_quote)
    line = {"text": "A dataset line with one span.", "label": [[2, 9, "claim"]]}
    return {
        "slug": demo.slug,
        "article_id": article.pk,
        "annotation_id": hedge.pk,
        "version": hedge.version,
        "claim_id": claim.pk,
        "claim_version": claim.version,
        "link_id": link.pk,
        "date_id": date.pk,
        "batch_id": batch.pk,
        "event_id": event.pk,
        "event_claims": list(
            Annotation.objects.filter(event=event, kind=CLAIM)
            .order_by("pk")
            .values_list("pk", flat=True)[:2]
        ),
        "candidate_id": candidate.pk,
        "relation_id": ClaimRelation.objects.filter(claim_a__event=event).first().pk,
        "source_id": meridian.pk,
        "other_source_id": Source.objects.get(project=demo, name="Rased Network").pk,
        "assignment_id": Assignment.objects.get(article=article, user=author).pk,
        "token_id": token.pk,
        "member_id": Membership.objects.get(project=demo, user=author).pk,
        "username": author.username,
        "invite_id": invite.pk,
        "key": invite_key,
        "uidb64": urlsafe_base64_encode(force_bytes(forgetful.pk)),
        "token": default_token_generator.make_token(forgetful),
        "new_span": {
            "kind": "claim",
            "start": new_start,
            "end": new_start + len(new_quote),
            "quote": new_quote,
        },
        "jsonl_file": lambda: SimpleUploadedFile(
            "dataset.jsonl", json.dumps(line).encode(), "application/json"
        ),
    }


@pytest.fixture
def clients(demo_users, outsider):
    """One client per role, logged in with a session (force_login: no password checks)."""
    made = {"anonymous": Client()}
    for role, user in [("outsider", outsider)] + [(r, demo_users[r]) for r in ROLES[2:]]:
        made[role] = Client()
        made[role].force_login(user)
    return made


@pytest.fixture
def api_clients(demo_users, outsider):
    """role -> request headers: a token per role; anonymous sends none."""
    users = {"outsider": outsider, **{r: demo_users[r] for r in ROLES[2:]}}
    headers = {"anonymous": {}}
    for role, user in users.items():
        headers[role] = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}
    return headers


def _send(client, method, url, call: Call, world, headers=None, as_json=False):
    """One request, rolled back afterwards; streamed bodies are read inside the savepoint
    so that an error while exporting counts."""
    headers = headers or {}
    cookies = copy.deepcopy(client.cookies)  # logging in or out must not last either
    with transaction.atomic():
        if call.files:
            data = {**(call.data(world) if call.data else {}), **call.files(world)}
            response = client.generic(method, url, **_multipart(data), **headers)
        elif as_json and call.data:
            body = json.dumps(call.data(world))
            response = client.generic(method, url, body, content_type="application/json", **headers)
        elif method == "POST":
            response = client.post(url, call.data(world) if call.data else {}, **headers)
        elif method == "GET" and call.data:  # the data as the query string
            response = client.get(url, call.data(world), **headers)
        else:
            response = client.generic(method, url, **headers)
        if response.streaming:
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def _multipart(data):
    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


def outcome(response) -> str:
    status = response.status_code
    if status == 302 and response.url.startswith(reverse("login")):
        return LOGIN
    if status in (401, 403, 404, 405):
        return str(status)
    if 200 <= status < 400 or status in (409, 422):
        return OK
    return str(status)


# --- The tests ------------------------------------------------------------------------


def test_every_table_entry_names_a_real_url_or_operation():
    assert sorted(set(PAGES) - set(PATTERNS)) == [], "PAGES names URLs that no longer exist"
    operations = {f"{m.upper()} {p}" for p, ops in SCHEMA_PATHS.items() for m in ops}
    assert sorted(set(API_OPERATIONS) - operations) == [], "API_OPERATIONS: gone from the API"


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_page(name, world, clients):
    assert name in PAGES, (
        f"New URL {name!r}: add it to PAGES in tests/test_permission_matrix.py with the "
        "outcome of each method for each role, e.g. {'GET': MEMBERS, 'POST': REVIEWERS}."
    )
    missing = [p for p in PATTERNS[name] if p not in world]
    assert not missing, f"{name}: add ids for {missing} to the `world` fixture"
    url = reverse(name, kwargs={p: world[p] for p in PATTERNS[name]})
    failures = []
    for method in PAGE_METHODS:
        entry = PAGES[name].get(method)
        if entry is None:
            status = _send(clients["owner"], method, url, Call(()), world).status_code
            if status != 405:
                failures.append(
                    f"{method} {url} answers {status} (not 405) to the owner: add '{method}' "
                    f"to PAGES[{name!r}]"
                )
            continue
        call = _call(entry)
        for role, expected in zip(ROLES, call.expect, strict=True):
            got = outcome(_send(clients[role], method, url, call, world))
            if got != expected:
                failures.append(f"{method} {url} as {role}: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", API_PATHS)
def test_api(path, world, api_clients, client, demo_users):
    url = path.format(**world)
    session_only = Client()
    session_only.force_login(demo_users["owner"])
    failures = []
    for method in API_METHODS:
        key = f"{method} {path}"
        if method.lower() not in SCHEMA_PATHS[path]:
            status = _send(client, method, url, Call(()), world, api_clients["owner"])
            if status.status_code != 405:
                failures.append(f"{key}: answers {status.status_code}, not 405, to the owner")
            continue
        if key not in API_OPERATIONS:
            failures.append(
                f"New API operation {key!r}: add it to API_OPERATIONS in "
                "tests/test_permission_matrix.py with each role's outcome (and a body)."
            )
            continue
        call = _call(API_OPERATIONS[key])
        for role, expected in zip(ROLES, call.expect, strict=True):
            response = _send(client, method, url, call, world, api_clients[role], as_json=True)
            got = outcome(response)
            if got != expected:
                failures.append(f"{key} as {role}: expected {expected}, got {got}")
        # A browser session is not an API credential (no CSRF protection there).
        got = outcome(_send(session_only, method, url, call, world, as_json=True))
        if got != UNAUTHORIZED:
            failures.append(f"{key} with only the owner's session cookie: got {got}, not 401")
    assert not failures, "\n".join(failures)
