"""Schemathesis hooks for tests/security/test_schema_truth.py (loaded through SCHEMATHESIS_HOOKS).

They change no check and widen no schema: they make the generated requests keep the two rules of
use that depend on what was sent before, which no OpenAPI schema can state, the way any correct
client keeps them:

- an `Idempotency-Key` names one request: a new request gets a new key (API.md "Idempotency";
  the same key with another body is 422 IDEMPOTENCY_KEY_REUSED by design);
- a username can be signed up once (a taken one is 400 with a field error);
- the default delivery address is changed by making another one the default, never by
  `isDefault: false` on it (400 with a field error): such a PATCH is sent without that field;
- a catalog filter names a category that exists (an unknown slug is 400 INVALID_REQUEST by
  API.md, and the set of slugs is data, not schema): a generated `category` is left out.

A generated value that the schema allows is made unique and stays within the schema (same
characters, same length bounds); a value the schema refuses is sent as generated, so the
negative cases still test the server's refusals."""

import itertools
import re
import secrets

import schemathesis

_serial = itertools.count(1)
# Per run, so values stay unique against rows an earlier run left in a kept database.
_RUN = secrets.token_hex(3)
_USERNAME = re.compile(r"[\w.@+-]+")
KEY_MAX_LENGTH = 255
USERNAME_MAX_LENGTH = 150


def _unique(value: str, limit: int) -> str:
    # ".<run><serial>" ends every value and no two calls share it, so no two values are equal
    suffix = f".{_RUN}{next(_serial)}"
    return value[: limit - len(suffix)] + suffix


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= KEY_MAX_LENGTH and key == key.strip():
        headers["Idempotency-Key"] = _unique(key, KEY_MAX_LENGTH)
    body = case.body
    if case.operation.path == "/api/auth/signup" and isinstance(body, dict):
        username = body.get("username")
        if isinstance(username, str) and _USERNAME.fullmatch(username) and len(username) <= USERNAME_MAX_LENGTH:
            body["username"] = _unique(username, USERNAME_MAX_LENGTH)
    if (
        case.operation.path == "/api/addresses/{addressId}"
        and isinstance(body, dict)
        and body.get("isDefault") is False
    ):
        del body["isDefault"]
    query = case.query
    if case.operation.path == "/api/products" and isinstance(query, dict):
        query.pop("category", None)
