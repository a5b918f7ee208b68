"""Schemathesis against the OpenAPI schema the app serves (/api/openapi.json): for every
operation, generated requests, valid and invalid, from the demo owner, in-process over
WSGI. No answer may be a server error, and every documented answer must match the schema.

Bounded: a few examples per operation and mode (SCHEMATHESIS_EXAMPLES, default 8); the
project slug is pinned to the demo's, so that most requests get past the access check.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from annotator.accounts.services import api_token_create
from annotator.api import api

DEFAULT_EXAMPLES = 8
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", DEFAULT_EXAMPLES))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
OPERATIONS = [
    f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items()
    for method in ops
]  # fmt: skip


@pytest.fixture
def served_schema(demo):
    # As Django's test client does: the test's transaction holds the connection, so the
    # end of a request must not close it.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_operation_answers_without_server_errors_and_as_documented(
    operation, mode, served_schema, demo, demo_users
):
    method, path = operation.split(" ", 1)
    target = served_schema[path][method]
    headers = {"Authorization": f"Bearer {api_token_create(user=demo_users['owner'], name='f')[1]}"}

    @given(case=target.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        # The same requests on every run (CI must not pass or fail by luck);
        # SCHEMATHESIS_EXAMPLES=100 explores new ones.
        derandomize=EXAMPLES == DEFAULT_EXAMPLES,
    )
    def fuzz(case):
        if "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = demo.slug
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()
