"""Every endpoint of the OpenAPI schema: 401 without a key, 403 for the wrong role or
source, 200 with the right key. The test walks the running server's schema, so an
endpoint added without a line in :data:`ENDPOINTS` fails here until someone says who may
call it and how to fill its path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.serve.conftest import RESTRICTED_TO, Served

PUBLIC = "public"  # no key needed
OTHER = "portal"  # a source the restricted key may not read
# (path, method) -> the role it needs and whether a source outside the key's is refused.
ENDPOINTS: dict[tuple[str, str], tuple[str, bool]] = {
    ("/api/health", "get"): (PUBLIC, False),
    ("/api/login", "post"): (PUBLIC, False),
    ("/api/logout", "post"): ("viewer", False),
    ("/api/me", "get"): ("viewer", False),
    ("/api/kpis", "get"): ("viewer", False),
    ("/api/kpis/{name}", "get"): ("viewer", True),
    ("/api/tables", "get"): ("viewer", False),
    ("/api/tables/{table}", "get"): ("viewer", True),
    ("/api/tables/{table}/download", "get"): ("admin", True),
    ("/api/tickets", "get"): ("viewer", True),
    ("/api/tickets/{source}/{ticket_id}", "get"): ("viewer", True),
    ("/api/lifecycle/{part}", "get"): ("viewer", True),
    ("/api/flow/{part}", "get"): ("viewer", True),
    ("/api/sla", "get"): ("viewer", True),
    ("/api/sla/at-risk", "get"): ("viewer", True),
    ("/api/themes", "get"): ("viewer", True),
    ("/api/themes/rising", "get"): ("viewer", True),
    ("/api/ledger", "get"): ("admin", True),
    ("/api/ledger/sources", "get"): ("admin", True),
    ("/api/mapping", "get"): ("admin", True),
    ("/api/quarantine", "get"): ("admin", True),
    # the dashboard's own (src/ticketlake/serve/dashboard/data.py)
    ("/api/filters", "get"): ("viewer", True),
    ("/api/charts", "get"): ("viewer", False),
    ("/api/charts/{name}", "get"): ("viewer", True),
    ("/api/summary", "get"): ("viewer", True),
    ("/api/dashboard/tables/{name}", "get"): ("viewer", True),
}


@pytest.fixture(scope="module")
def schema(served: Served) -> dict[str, Any]:
    """The schema the running server publishes."""
    answer = httpx.get(f"{served.url}/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


@pytest.fixture(scope="module")
def tickets(served: Served) -> dict[str, str]:
    """A real ticket id in the restricted key's source and in another one."""
    ids = {}
    for source in (RESTRICTED_TO, OTHER):
        rows = served.get("/api/tickets", "admin", source=source, limit=1).json()["rows"]
        ids[source] = rows[0]["ticket_id"]
    return ids


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, methods in schema["paths"].items()
            for method, op in methods.items()]  # fmt: skip


def _url(path: str, op: dict[str, Any], source: str, tickets: dict[str, str]) -> str:
    """``path`` with its parameters filled from the data, for a caller of ``source``."""
    name = "theme_outcome" if path.startswith("/api/dashboard/tables/") else "volume"
    values = {"name": name, "table": "fact_ticket", "source": source,
              "ticket_id": tickets[source]}  # fmt: skip
    for parameter in op.get("parameters", []):
        if parameter["in"] != "path":
            continue
        name = parameter["name"]
        enum = parameter["schema"].get("enum") or parameter["schema"].get("$ref")
        if name == "part":
            values[name] = "summary"
        assert name in values or enum, f"{path}: no value known for path parameter {name}"
    return path.format(**values)


def _call(served: Served, method: str, url: str, key: str | None,
          params: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
    headers = {"Authorization": f"Bearer {served.keys[key]}"} if key else {}
    body = {"key": served.keys["viewer"]} if url == "/api/login" else None
    return httpx.request(method, served.url + url, headers=headers, params=params, json=body,
                         timeout=60)  # fmt: skip


def _source_params(path: str) -> dict[str, str]:
    """How a request names a source outside the restricted key's."""
    return {"where": f"source={OTHER}"} if path == "/api/kpis/{name}" else {"source": OTHER}


def test_every_endpoint_of_the_schema_is_known(schema: dict[str, Any]) -> None:
    """A new endpoint must be added to ENDPOINTS, saying who may call it."""
    found = {(path, method) for path, method, _ in _operations(schema)}
    assert found - set(ENDPOINTS) == set(), "endpoints without a line in ENDPOINTS"
    assert set(ENDPOINTS) - found == set(), "ENDPOINTS names endpoints the app lacks"


def test_every_endpoint_refuses_no_key_and_bad_keys(
    served: Served, schema: dict[str, Any], tickets: dict[str, str]
) -> None:  # fmt: skip
    """401 without a key and with an unknown one, on every endpoint that needs one."""
    for path, method, op in _operations(schema):
        role, _ = ENDPOINTS[(path, method)]
        if role == PUBLIC:
            continue
        url = _url(path, op, RESTRICTED_TO, tickets)
        assert _call(served, method, url, None).status_code == 401, (method, path)
        bad = httpx.request(method, served.url + url, headers={"X-API-Key": "tlk_nope"})
        assert bad.status_code == 401, (method, path)
        assert list(bad.json()) == ["error"]


def test_every_endpoint_refuses_the_wrong_role_and_source(
    served: Served, schema: dict[str, Any], tickets: dict[str, str]
) -> None:  # fmt: skip
    """403 for a viewer on an admin endpoint, and for a source outside a restricted key's."""
    checked = 0
    for path, method, op in _operations(schema):
        role, by_source = ENDPOINTS[(path, method)]
        if role == "admin":
            url = _url(path, op, RESTRICTED_TO, tickets)
            assert _call(served, method, url, "viewer").status_code == 403, (method, path)
            checked += 1
        if by_source:
            key = "restricted_admin" if role == "admin" else "restricted"
            if "{source}" in path:
                answer = _call(served, method, _url(path, op, OTHER, tickets), key)
            else:
                url = _url(path, op, RESTRICTED_TO, tickets)
                answer = _call(served, method, url, key, _source_params(path))
            assert answer.status_code == 403, (method, path, answer.text)
            assert "may not read source" in answer.json()["error"]
            checked += 1
    assert checked >= 18


def test_every_endpoint_answers_the_right_key(
    served: Served, schema: dict[str, Any], tickets: dict[str, str]
) -> None:  # fmt: skip
    """200 for the key with the role (and, restricted, of the source) it needs."""
    for path, method, op in _operations(schema):
        role, by_source = ENDPOINTS[(path, method)]
        key = {PUBLIC: None, "admin": "restricted_admin"}.get(role, "restricted")
        url = _url(path, op, RESTRICTED_TO, tickets)
        answer = _call(served, method, url, key)
        assert answer.status_code == 200, (method, path, answer.text[:200])
        if by_source and key == "restricted" and "rows" in answer.json():
            sources = {r.get("source") for r in answer.json()["rows"]} - {None}
            assert sources <= {RESTRICTED_TO}, (path, sources)


def test_a_restricted_key_reads_no_table_without_sources(served: Served) -> None:
    """dim_date has no source column: a key kept to one source may not read it."""
    assert served.get("/api/tables/dim_date", "restricted").status_code == 403
    assert served.get("/api/tables/dim_date", "viewer").status_code == 200
    listed = {t["table"] for t in served.get("/api/tables", "restricted").json()}
    assert "fact_ticket" in listed and "dim_date" not in listed
    assert "ledger" not in {t["table"] for t in served.get("/api/tables", "viewer").json()}
