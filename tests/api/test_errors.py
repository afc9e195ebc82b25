"""One error shape from the API: a DomainError, a body that is not JSON, a wrong type, no
credentials, out of scope — each answers with a stable ``code``, and the schema says so."""

from __future__ import annotations

import json

import pytest

from tests.personas import World

pytestmark = pytest.mark.django_db


def test_malformed_and_mistyped_bodies_answer_with_a_stable_code(world: World, client_for) -> None:
    client = client_for("district")
    broken = client.post("/api/verification/intake", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "malformed"
    mistyped = client.post(
        "/api/verification/intake",
        data=json.dumps({"source": "police", "batch_id": "b1", "rows": "not a list"}),
        content_type="application/json",
    )
    assert mistyped.status_code == 422
    assert mistyped.json()["code"] == "invalid" and mistyped.json()["errors"]


def test_a_domain_error_answers_its_code_and_field(world: World, client_for) -> None:
    client = client_for("district")
    answer = client.post(
        "/api/verification/intake",
        data=json.dumps({"source": "police", "batch_id": "b1", "category": "nonsense", "rows": []}),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["field"]) == ("intake.bad_category", "category")
    twice = client.post(
        "/api/verification/intake",
        data=json.dumps(
            {
                "source": "police",
                "batch_id": "b2",
                "rows": [{"row_key": "1", "name": "甲"}, {"row_key": "1", "name": "乙"}],
            }
        ),
        content_type="application/json",
    )
    assert twice.status_code == 400 and twice.json()["code"] == "intake.duplicate_row_key"


def test_no_credentials_and_out_of_scope_answer_with_codes(world: World, client, client_for) -> None:
    assert client.get("/api/verification/tasks").json()["code"] == "unauthorised"
    missing = client_for("grid_a1").get("/api/verification/tasks/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_every_operation_documents_its_error_answers(world: World, client_for) -> None:
    schema = client_for("district").get("/api/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "404", "422"):
                answer = operation["responses"].get(status)
                assert answer, (method, path, status)
                assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
