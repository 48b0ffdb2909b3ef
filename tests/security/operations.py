"""Every operation of the OpenAPI schema, for tests that must cover each endpoint automatically
(the authorization matrix, the page-size cap). The schema is the one /api/schema/ serves."""

import functools
import re
from dataclasses import dataclass

from core.api.schema import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")

# API.md "Public (no token)": everything else needs a token. (method, path as in the schema)
PUBLIC_OPERATIONS = {
    ("GET", "/api/products"),
    ("GET", "/api/products/{productId}"),
    ("GET", "/api/products/top"),
    ("GET", "/api/products/drops"),  # API.md "Timed drops": public
    ("GET", "/api/categories"),  # API.md "Categories and sorting": public
    ("GET", "/api/coupons"),
    ("POST", "/api/auth/signup"),
    ("POST", "/api/auth/token"),
    ("POST", "/api/auth/token/refresh"),
    ("POST", "/api/auth/logout"),  # the refresh token in the body is the credential
    ("GET", "/api/health"),
    ("GET", "/api/health/ready"),
}
# Served without a token too, but not part of the schema itself.
PUBLIC_DOCUMENTS = ("/api/schema/", "/api/docs/")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        return (self.method, self.path) in PUBLIC_OPERATIONS

    @property
    def query_params(self) -> list[dict]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == "query"]

    def url(self, fill: object = 1) -> str:
        """The path with every `{param}` replaced by `fill` (an id that may or may not exist)."""
        return re.sub(r"\{[^}]+\}", str(fill), self.path)


@functools.cache
def openapi_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def all_operations() -> list[Operation]:
    return [
        Operation(method.upper(), path, spec)
        for path, item in sorted(openapi_schema()["paths"].items())
        for method, spec in item.items()
        if method in METHODS
    ]
