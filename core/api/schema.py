"""OpenAPI pieces shared by every app: the problem-details response, documented as
`application/problem+json`, the errors every operation can answer whatever its view says, and the
generator that sees each operation of a `core.api.routing.by_method` URL with its own view.

Serializers are named `<Thing>In` (a request body) and `<Thing>Out` (an answer), at module level
beside the views that use them. A class name becomes its schema component's name, so a
serializer whose component was published under another name keeps it with
`extend_schema_serializer(component_name=...)`: clients generated from the schema name their
types after the components."""

from drf_spectacular import generators
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from core.api.problems import PROBLEM_CONTENT_TYPE

Problem = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": inline_serializer(
            name="FieldError",
            fields={"field": serializers.CharField(allow_null=True), "message": serializers.CharField()},
            many=True,
            required=False,
        ),
        # The product a PRODUCT_NOT_FOUND, OUT_OF_STOCK or drop refusal (SALE_NOT_STARTED, SALE_ENDED,
        # PURCHASE_LIMIT_EXCEEDED) is about.
        "productId": serializers.IntegerField(required=False),
    },
)


def problems(*codes_by_status: tuple[int, str]) -> dict:
    """`@extend_schema(responses={..., **problems((400, "INVALID_REQUEST"), (404, "X_NOT_FOUND | Y"))})`."""
    out: dict = {}
    for status, codes in codes_by_status:
        out[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(Problem, description=f"problem+json, code: {codes}")
    return out


# Errors the shared plumbing can answer on any operation (core/api/exception_handler.py), added to
# every operation that does not document that status itself, so clients and the schema fuzzing
# (tests/security/test_api_fuzz.py) see the whole truth. (status, code, applies to the operation?)
_GENERIC_PROBLEMS = (
    (400, "INVALID_REQUEST", lambda op: bool(op.get("parameters") or op.get("requestBody"))),
    (401, "UNAUTHENTICATED", lambda op: _needs_auth(op)),
    (403, "FORBIDDEN", lambda op: _needs_auth(op)),
    (404, "NOT_FOUND", lambda op: any(p.get("in") == "path" for p in op.get("parameters", []))),
    (413, "PAYLOAD_TOO_LARGE", lambda op: "requestBody" in op),
    (415, "UNSUPPORTED_MEDIA_TYPE", lambda op: "requestBody" in op),
    (429, "RATE_LIMITED", lambda op: True),
    (503, "SERVICE_UNAVAILABLE", lambda op: True),
)
_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _needs_auth(operation: dict) -> bool:
    security = operation.get("security") or []
    return bool(security) and {} not in security


def add_generic_problems(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    ref = {"$ref": "#/components/schemas/Problem"}
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", _problem_schema())
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                content = response.get("content", {})
                # a Problem documented without problems() (plain int key) is still problem+json
                if status[:1] in "45" and content.get("application/json", {}).get("schema") == ref:
                    content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
            for status, code, applies in _GENERIC_PROBLEMS:
                if str(status) not in responses and applies(operation):
                    responses[str(status)] = {
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": ref}},
                        "description": f"problem+json, code: {code}",
                    }
    return result


def _problem_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string", "nullable": True}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            },
        },
        "required": ["code", "detail", "status", "title", "type"],
    }


class EndpointEnumerator(generators.EndpointEnumerator):
    """drf-spectacular's, seeing through core.api.routing.by_method: a URL it routes is one endpoint
    per operation, each with its operation's view, as a URL with one APIView is."""

    def get_api_endpoints(self, patterns=None, prefix=""):
        return [
            (path, regex, method, _operations(callback).get(method, callback))
            for path, regex, method, callback in super().get_api_endpoints(patterns, prefix)
        ]

    def should_include_endpoint(self, path, callback):
        include = super().should_include_endpoint
        return all(include(path, view) for view in _operations(callback).values() or [callback])

    def get_allowed_methods(self, callback):
        return list(_operations(callback)) or super().get_allowed_methods(callback)


def _operations(callback) -> dict:
    return getattr(callback, "operations", {})


class SchemaGenerator(generators.SchemaGenerator):
    """SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"]."""

    endpoint_inspector_cls = EndpointEnumerator
