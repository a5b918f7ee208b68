"""Malformed input never answers 500: every page POST endpoint and every GET query parameter
gets non-ASCII digits, words where numbers go, over-long strings, NUL, a lone surrogate,
huge numbers, empty and missing values, and a form body in another charset.

The endpoints come from the permission matrix (tests/test_permission_matrix.py, which
fails for a URL it does not know); the fields from FIELDS below, and a test fails for a
form field or request parameter of the code that FIELDS does not list. Each request runs
as the project's owner (every role check passes, so the parsing is reached) in a savepoint
that is rolled back, so every request meets the same data.
"""

import ast
import json
from pathlib import Path
from urllib.parse import urlencode

import factories
import pytest
from django import forms
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from test_permission_matrix import PAGES, PATTERNS, _call

from annotator.accounts.services import api_token_create
from annotator.annotations.kinds import ATTRIBUTION, CLAIM, HEDGE, QUALIFIES
from annotator.annotations.models import Annotation, HedgeType, Link
from annotator.articles.batches import Upload, batch_create
from annotator.events.models import ClaimRelation
from annotator.events.services import claim_relation_create
from annotator.matching.models import MatchCandidate
from annotator.projects.models import Membership, Role
from annotator.projects.services import invite_create
from annotator.review.models import Assignment
from annotator.review.services import assignments_create
from annotator.sources.models import Source
from annotator.suggestions.models import DateSuggestion

APP = Path(__file__).resolve().parent.parent / "annotator"
MISSING = object()
BAD_VALUES = {
    "non-ASCII digit": "²",
    "Arabic-Indic digits": "١٢",
    "word": "abc",
    "over-long": "x" * 20_000,
    "NUL": "a\x00b",
    "lone surrogate": "\ud800",
    "huge number": "9" * 40,
    "negative": "-1",
    "empty": "",
    "missing": MISSING,
}

# Per URL name: the fields each method reads (query parameters for GET), beyond the ones the
# permission matrix sends. Multi-valued fields are fuzzed one value at a time.
FIELDS = {
    "login": {"POST": ["username", "password", "next"]},
    "accounts:tokens": {"POST": ["name"]},
    "articles:list": {
        "GET": ["q", "status", "outlet", "language", "date_from", "date_to", "sort", "page"]
    },
    "articles:upload": {"POST": ["files", "outlet", "language"]},
    "articles:paste": {"POST": ["text", "title", "outlet", "url", "published", "language"]},
    "articles:about": {"POST": ["m-title", "m-outlet", "m-published", "m-language"]},
    "articles:review": {"POST": ["action", "all_outlet", "all_language"]},
    "workspace:article": {"GET": ["selected", "who", "suggestions"]},
    "workspace:create": {"POST": ["kind", "start", "end", "quote"]},
    "workspace:article_status": {"POST": ["status"]},
    "workspace:save": {
        "POST": [
            "version",
            "kind",
            "note",
            "event",
            "new_event_title",
            "claimed_text",
            "claimed_date",
            "claimed_time",
            "claimed_precision",
            "cited_source",
            "new_source_name",
            "new_source_anyway",
            "alias_for",
            "q",
            "hedge_type",
        ]
    },
    "workspace:respan": {"POST": ["version", "move", "start", "end", "quote"]},
    "workspace:link_create": {"POST": ["to", "selected"]},
    "workspace:link_delete": {"POST": ["selected"]},
    "workspace:source_search": {"GET": ["q"]},
    "workspace:link_targets": {"GET": ["q"]},
    "suggestions:decide": {"POST": ["decision", "allow_overlap"]},
    "suggestions:date_decide": {"POST": ["decision"]},
    "suggestions:accept_all": {"GET": ["kind"], "POST": ["kind"]},
    "suggestions:toggle": {"POST": ["rule", "enabled"]},
    "events:list": {"POST": ["title", "place", "description"]},
    "events:detail": {"GET": ["groups"]},
    "events:relation_create": {"POST": ["claims", "kind", "note"]},
    "matching:decide": {"POST": ["decision", "from", "every"]},
    "matching:event_reject": {"POST": ["event", "from"]},
    "events:relation_delete": {"POST": ["relation"]},
    "events:credibility": {"POST": ["credibility", "version"]},
    "sources:list": {"GET": ["kind"]},
    "sources:assess": {"POST": ["grade", "rationale"]},
    "sources:edit": {
        "POST": ["name", "kind", "aliases", "domain", "country", "language", "affiliation_note"]
    },
    "sources:merge": {"GET": ["merge"], "POST": ["merge", "confirm"]},
    "exports:download": {"GET": ["formats", "annotations", "bundle", "job"]},
    "exports:jobs": {"POST": ["formats", "annotations", "bundle", "restart"]},
    "exports:import": {"POST": ["file", "doccano_offsets"]},
    "review:queue": {"GET": ["status", "annotator", "outlet", "page"]},
    "review:assignments": {"GET": ["status", "page"], "POST": ["articles", "users"]},
    "review:article": {"GET": ["selected"]},
    "review:decide": {"POST": ["decision", "version", "comment"]},
    "review:curate": {"POST": ["version"]},
    "review:accept_agreed": {"POST": ["annotation"]},
    "review:unassign": {"POST": ["next"]},
    "review:edit": {"POST": ["version", "kind", "note", "hedge_type", "cited_source"]},
    "projects:list": {"GET": ["archived"]},
    "projects:members": {"POST": ["who", "role"]},
    "projects:member_role": {"POST": ["role"]},
    "projects:member_remove": {"POST": ["confirm"]},
    "projects:invite_create": {"POST": ["role", "days", "note"]},
    "projects:invite": {"POST": ["username", "name", "password1", "password2"]},
    "accounts:account_new": {"POST": ["username", "email", "name", "password", "generate"]},
    "teams:new": {"POST": ["name", "slug", "description", "guidelines"]},
    "teams:slug": {"GET": ["name", "slug", "proposed"]},
    "teams:settings": {
        "POST": [
            "name",
            "description",
            "guidelines",
            "hedge_types",
            "suggesters_on",
            "claim_ranker_on",
            "export_formats",
            "export_include_all",
        ]
    },
    "teams:delete": {"POST": ["confirm_slug"]},
}
# A text field meets the values that matter to text; digits of other scripts and huge
# numbers are for fields that read numbers, ids or dates (which keeps the run short).
TEXT_VALUES = ("word", "over-long", "NUL", "lone surrogate", "empty", "missing")
DATE_FIELDS = {"date_from", "date_to", "published", "claimed_text", "claimed_date", "claimed_time"}
# Values that are no number at all: in a field that carries a number or an id they must
# change nothing (empty and missing may mean "none"; -1 may be a legitimate offset).
NOT_NUMBERS = {
    "non-ASCII digit",
    "Arabic-Indic digits",
    "word",
    "over-long",
    "NUL",
    "lone surrogate",
    "huge number",
}
# Number fields that a request may ignore and still do its work: the highlight to show
# afterwards, and offsets when a one-character move is asked for.
IGNORABLE = {
    ("workspace:link_delete", "selected"),
    ("workspace:link_create", "selected"),
    ("workspace:respan", "start"),
    ("workspace:respan", "end"),
}
# Fields that carry a number or an id: a malformed one must change nothing.
NUMBER_FIELDS = {
    "version",
    "start",
    "end",
    "to",
    "selected",
    "relation",
    "merge",
    "page",
    "credibility",
    "annotation",
    "event",
    "cited_source",
    "alias_for",
    "outlet",
    "claims",
    "articles",
    "users",
}


@pytest.fixture
def world(team, outsider):
    """Ids for every URL parameter: an article by annotator2 with a claim, a hedge linked
    to it, a suggested claim time, an event with a relation, two sources, a batch, an
    assignment and the owner's API token."""
    project, author = team.project, team["annotator2"]
    wire = factories.source(project, "Meridian Wire", grade="B")
    other = factories.source(project, "Rased Network")
    text = (
        "Officials said on Monday that the convoy had reportedly left the northern base.\n\n"
        "Residents counted about forty trucks on the coast road, Meridian Wire reported."
    )
    article = factories.article(project, text, outlet=wire, uploaded_by=author)
    event = factories.event(project, "Convoy leaves the base")
    claim = factories.span(
        article, "the convoy had reportedly left the northern base", CLAIM, by=author, event=event
    )
    second = factories.span(article, "Residents counted about forty trucks", by=author)
    second.event = event
    second.save()
    hedge = factories.span(article, "reportedly", HEDGE, by=author, hedge_type=HedgeType.HEARSAY)
    said = factories.span(article, "Meridian Wire reported", ATTRIBUTION, by=author)
    link = factories.link(hedge, claim, QUALIFIES)
    relation = claim_relation_create(claim=claim, other=second, kind="same", user=author)
    candidate = MatchCandidate.objects.create(  # as the worker proposes them
        claim_a=claim,
        claim_b=second,
        project=project,
        event=event,
        score=0.7,
        similarity=0.9,
        computed_at=timezone.now(),
    )
    date = DateSuggestion.objects.create(
        article=article,
        claim=claim,
        start=text.index("Monday"),
        end=text.index("Monday") + len("Monday"),
        quote="Monday",
        claimed_at="2025-03-10T00:00:00Z",
        claimed_precision="day",
        resolution="Monday → 2025-03-10",
        suggestion_rule="weekday",
        confidence=0.8,
    )
    batch = batch_create(
        project=project, user=author, uploads=[Upload("later.txt", 24, lambda: b"Later on.")]
    )
    assignments_create(articles=[article], users=[author], assigned_by=team["owner"])
    token, _ = api_token_create(user=team["owner"], name="pipeline")
    invite, invite_key = invite_create(
        user=team["owner"], project=project, role=Role.ANNOTATOR, days=7, note=""
    )
    forgetful = factories.user("forgetful", email="forgetful@example.org")
    new_quote = "forty trucks on the coast road"
    line = {"text": "A dataset line with one span.", "label": [[2, 9, "claim"]]}
    return {
        "slug": team.slug,
        "article_id": article.pk,
        "annotation_id": hedge.pk,
        "version": hedge.version,
        "claim_id": claim.pk,
        "claim_version": claim.version,
        "attribution_id": said.pk,
        "link_id": link.pk,
        "date_id": date.pk,
        "batch_id": batch.pk,
        "event_id": event.pk,
        "event_claims": [claim.pk, second.pk],
        "relation_id": relation.pk,
        "candidate_id": candidate.pk,
        "source_id": wire.pk,
        "other_source_id": other.pk,
        "assignment_id": Assignment.objects.get(article=article, user=author).pk,
        "token_id": token.pk,
        "member_id": Membership.objects.get(project=project, user=author).pk,
        "username": author.username,
        "invite_id": invite.pk,
        "key": invite_key,
        "uidb64": urlsafe_base64_encode(force_bytes(forgetful.pk)),
        "token": default_token_generator.make_token(forgetful),
        "new_span": {
            "kind": "claim",
            "start": text.index(new_quote),
            "end": text.index(new_quote) + len(new_quote),
            "quote": new_quote,
        },
        "jsonl_file": lambda: SimpleUploadedFile(
            "dataset.jsonl", json.dumps(line).encode(), "application/json"
        ),
    }


def fingerprint(project) -> tuple:
    """What a refused request must leave as it was."""
    annotations = Annotation.objects.filter(article__project=project)
    return (
        annotations.count(),
        sum(annotations.values_list("version", flat=True)),
        Link.objects.filter(from_annotation__article__project=project).count(),
        ClaimRelation.objects.filter(claim_a__article__project=project).count(),
        Source.objects.filter(project=project).count(),
        Assignment.objects.filter(article__project=project).count(),
    )


def encoded(data: dict) -> dict:
    """Form values as UTF-8 bytes; a lone surrogate goes through as the bytes a broken
    client would send."""
    return {
        key: [v.encode("utf-8", "surrogatepass") for v in value]
        if isinstance(value, list)
        else value.encode("utf-8", "surrogatepass")
        for key, value in data.items()
    }


def send(client, method, url, data, files=None):
    if files:
        body = {**encoded(data), **files}
        return client.generic(
            method, url, encode_multipart(BOUNDARY, body), content_type=MULTIPART_CONTENT
        )
    query = urlencode(encoded(data), doseq=True)
    if method == "GET":
        return client.get(f"{url}?{query}" if query else url)
    return client.generic(method, url, query, content_type="application/x-www-form-urlencoded")


def _text(value):
    return [str(x) for x in value] if isinstance(value, list) else str(value)


def cases():
    for name, methods in sorted(FIELDS.items()):
        for method, fields in methods.items():
            yield pytest.param(name, method, fields, id=f"{method} {name}")


@pytest.mark.parametrize("name, method, fields", list(cases()))
def test_malformed_values_never_answer_500(name, method, fields, world, team, client):
    client.force_login(team["owner"])
    client.raise_request_exception = False  # a 500 is counted, and the fuzzing goes on
    url = reverse(name, kwargs={p: world[p] for p in PATTERNS[name]})
    entry = PAGES[name].get(method)
    call = _call(entry) if entry is not None else None
    base = dict(call.data(world)) if call and call.data else {}
    failures = []
    for field in fields:
        numeric = field.split("-", 1)[-1] in NUMBER_FIELDS | DATE_FIELDS
        for label, value in BAD_VALUES.items():
            if not numeric and label not in TEXT_VALUES:
                continue
            data = {k: v for k, v in base.items() if k != field}
            if value is not MISSING:
                data[field] = value
            data = {
                k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in data.items()
            }
            files = call.files(world) if call and call.files else None
            before = fingerprint(team.project)
            with transaction.atomic():
                response = send(client, method, url, data, files)
                if response.streaming:
                    b"".join(response.streaming_content)
                changed = fingerprint(team.project) != before
                transaction.set_rollback(True)
            if response.status_code >= 500:
                failures.append(f"{method} {url} {field}={label}: {response.status_code}")
            elif (
                changed
                and field in NUMBER_FIELDS
                and label in NOT_NUMBERS
                and (name, field) not in IGNORABLE
            ):
                failures.append(f"{method} {url} {field}={label}: stored a change")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", sorted(n for n, m in PAGES.items() if "POST" in m))
def test_a_form_in_another_charset_is_refused_cleanly(name, world, team, client):
    client.force_login(team["owner"])
    client.raise_request_exception = False
    url = reverse(name, kwargs={p: world[p] for p in PATTERNS[name]})
    call = _call(PAGES[name]["POST"])
    data = {k: str(v) for k, v in (call.data(world) if call.data else {}).items()}
    body = urlencode({k: v.encode("latin-1", "replace") for k, v in data.items()} | {"x": "é"})
    with transaction.atomic():
        response = client.generic(
            "POST", url, body, content_type="application/x-www-form-urlencoded; charset=latin-1"
        )
        transaction.set_rollback(True)
    assert response.status_code < 500, f"POST {url} in latin-1: {response.status_code}"


def _read_parameters() -> set[str]:
    """Names the code reads as request.GET.get("x"), request.POST["x"], .getlist("x")…"""
    names = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target, key = node.func.value, node.args[0] if node.args else None
            elif isinstance(node, ast.Subscript):
                target, key = node.value, node.slice
            else:
                continue
            reads_request = isinstance(target, ast.Attribute) and target.attr in ("GET", "POST")
            if reads_request and isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
    return names


def _form_fields() -> set[str]:
    names = set()
    for path in APP.rglob("forms.py"):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        namespace = __import__(module, fromlist=["*"])
        for value in vars(namespace).values():
            form = isinstance(value, type) and issubclass(value, forms.BaseForm)
            if form and value.__module__ == module:
                names.update(value.base_fields)
    return names


def test_every_parameter_and_form_field_is_fuzzed():
    fuzzed = {
        field.split("-", 1)[-1]
        for methods in FIELDS.values()
        for fields in methods.values()
        for field in fields
    }
    unknown = sorted((_read_parameters() | _form_fields()) - fuzzed)
    assert not unknown, (
        f"Add these request parameters / form fields to FIELDS in {__file__} "
        f"under the URL that reads them: {unknown}"
    )
