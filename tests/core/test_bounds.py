"""Finding 4: a number too large for a key answers 404 or a validation error, never 500."""

from __future__ import annotations

from typing import Any

import pytest

from hongyixing.api.api import api
from hongyixing.core.bounds import MAX_KEY, parse_key
from tests.personas import World

HUGE = "99999999999999999999"


def test_parse_key() -> None:
    assert parse_key("42") == 42
    assert parse_key(str(MAX_KEY)) == MAX_KEY
    assert parse_key(str(MAX_KEY + 1)) is None
    assert parse_key(HUGE, 0) == 0
    assert parse_key("-1") is None
    assert parse_key("١٢") is None  # non-ASCII digits
    assert parse_key("") is None


@pytest.mark.parametrize(
    "url",
    [
        f"/api/households?grid={HUGE}",
        f"/api/households?after={HUGE}",
        f"/api/households/{HUGE}",
        f"/api/grids/{HUGE}",
        f"/api/persons/{HUGE}",
        f"/api/persons?q=王&after={HUGE}",
        f"/api/verification/tasks?after={HUGE}",
        f"/api/verification/tasks/{HUGE}",
        f"/api/control/measures/{HUGE}",
        f"/api/control/today?limit={HUGE}",
        f"/api/command/assignments?after={HUGE}",
        f"/api/command/directives?limit={HUGE}",
    ],
)
def test_api_numbers_out_of_range(world: World, client_for: Any, url: str) -> None:
    response = client_for("district").get(url)
    assert response.status_code in {400, 404, 422}, (url, response.status_code)
    assert "code" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        f"/people/{HUGE}/",
        f"/areas/grids/{HUGE}/",
        f"/areas/households/{HUGE}/",
        f"/verification/tasks/{HUGE}/",
        f"/control/measures/{HUGE}/",
        f"/people/?q=王&after={HUGE}",
    ],
)
def test_page_numbers_out_of_range(world: World, client_for: Any, url: str) -> None:
    assert client_for("district").get(url).status_code in {200, 404}


def _integer_inputs(schema: dict[str, Any]) -> list[str]:
    """Every integer a client can send (parameters and request-body properties) without a maximum."""
    components = schema.get("components", {}).get("schemas", {})

    def unbounded(node: dict[str, Any]) -> bool:
        options = node.get("anyOf", [node])
        return any(o.get("type") == "integer" and "maximum" not in o for o in options)

    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if unbounded(parameter.get("schema", {})):
                    missing.append(f"{method.upper()} {path} ?{parameter['name']}")
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                ref = media.get("schema", {}).get("$ref", "")
                stack = [ref.rsplit("/", 1)[-1]] if ref else []
                seen: set[str] = set()
                while stack:
                    name = stack.pop()
                    if name in seen or name not in components:
                        continue
                    seen.add(name)
                    for prop, node in components[name].get("properties", {}).items():
                        if unbounded(node):
                            missing.append(f"{method.upper()} {path} {name}.{prop}")
                        for sub in [node, node.get("items", {}), *node.get("anyOf", [])]:
                            if "$ref" in sub:
                                stack.append(sub["$ref"].rsplit("/", 1)[-1])
                            if "$ref" in sub.get("items", {}):
                                stack.append(sub["items"]["$ref"].rsplit("/", 1)[-1])
    return missing


def test_every_integer_the_api_accepts_is_range_checked() -> None:
    """The sweep: a new ``int`` parameter without ``core.bounds.Key`` fails here."""
    assert _integer_inputs(api.get_openapi_schema()) == []
