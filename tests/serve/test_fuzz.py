"""Schemathesis over the running server's OpenAPI schema, with an admin key: whatever the
generated arguments, no 5xx, and every answer (errors included) conforms to the schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.serve.conftest import Served

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


def test_no_server_error_and_every_answer_fits_the_schema(served: Served) -> None:
    """Each operation with generated paths, parameters and bodies (schemathesis's Python API
    driven by hypothesis here: its pytest plugin does not run under this pytest)."""
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    headers = {"X-API-Key": served.keys["admin"]}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        fuzz()
