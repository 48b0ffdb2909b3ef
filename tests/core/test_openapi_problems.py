"""The OpenAPI schema is the committed one (tests/core/openapi.yaml), every error response in it is
documented as problem+json, and every operation documents the errors the shared plumbing can answer
(core/api/schema.py)."""

from pathlib import Path

import pytest
from django.core.management import call_command

from core.api.schema import add_generic_problems

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SNAPSHOT = Path(__file__).with_name("openapi.yaml")


def test_schema_is_the_committed_one(tmp_path):
    """API.md is the contract, so the schema changes only on purpose: then write the new one with
    `python3 dev.py manage spectacular --file tests/core/openapi.yaml` and commit it with the change."""
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated))
    assert generated.read_text() == SNAPSHOT.read_text()


@pytest.fixture
def served_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_error_response_is_problem_json(served_schema):
    assert {"code", "detail", "status", "title", "type"} <= set(
        served_schema["components"]["schemas"]["Problem"]["required"]
    )
    for path, item in served_schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                    assert response["content"]["application/problem+json"]["schema"] == PROBLEM_REF
            assert {"429", "503"} <= set(operation["responses"]), (method, path)


def test_generic_errors_follow_what_the_operation_takes(served_schema):
    signup = served_schema["paths"]["/api/auth/signup"]["post"]["responses"]
    assert {"400", "413", "415"} <= set(signup)
    assert "401" not in signup  # public: no token, nothing to refuse
    health = served_schema["paths"]["/api/health"]["get"]["responses"]
    assert "413" not in health and "400" not in health


def test_hook_adds_auth_errors_and_fixes_plain_json_problems():
    schema = {
        "paths": {
            "/api/things/{thingId}": {
                "get": {
                    "security": [{"jwtAuth": []}],
                    "parameters": [{"in": "path", "name": "thingId"}],
                    "responses": {"404": {"content": {"application/json": {"schema": PROBLEM_REF}}}},
                }
            }
        }
    }
    responses = add_generic_problems(schema, None, None, True)["paths"]["/api/things/{thingId}"]["get"]["responses"]
    assert set(responses) == {"400", "401", "403", "404", "429", "503"}
    assert list(responses["404"]["content"]) == ["application/problem+json"]
    assert "UNAUTHENTICATED" in responses["401"]["description"]
