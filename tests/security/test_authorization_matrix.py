"""Who may call what, for EVERY operation in the OpenAPI schema and every admin page, so a new
endpoint or admin model is covered the moment it exists.

- Without a token, every operation outside API.md's public list answers 401 UNAUTHENTICATED
  (problem+json, WWW-Authenticate); public ones never ask for a token.
- Every operation listed in API.md as public is really in the schema once its app has landed.
- Staff-only operations (their view uses core.api.permissions.IsStaff) answer a shopper 403
  FORBIDDEN; API.md's staff-only list must use IsStaff.
- A shopper is sent to the admin login from every admin page; staff get in.

Cases that need domain data (user A must not read or change user B's balance, coupons, orders)
go in OWNERSHIP_CASES-style tests next to these, one per endpoint taking a `userId` / order id."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.api.permissions import IsStaff
from core.api.schema import SchemaGenerator
from tests.security.operations import PUBLIC_DOCUMENTS, PUBLIC_OPERATIONS, all_operations
from tests.support.api import assert_problem

pytestmark = pytest.mark.django_db

OPERATIONS = all_operations()
# API.md "Staff only": checked against the views once the operation exists.
STAFF_ONLY_OPERATIONS = {
    ("POST", "/api/products"),
    ("PATCH", "/api/products/{productId}"),
    ("POST", "/api/coupons"),
}


def _staff_only_in_code() -> set[tuple[str, str]]:
    """(method, path) of every API operation whose view checks IsStaff."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = set()
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        if any(isinstance(p, IsStaff) for p in view.get_permissions()):
            found.add((method.upper(), path))
    return found


IN_SCHEMA = {(op.method, op.path) for op in OPERATIONS}
STAFF_ONLY = sorted(_staff_only_in_code() | (STAFF_ONLY_OPERATIONS & IN_SCHEMA))


def _call(client, op, **extra):
    url = op.url(999_999)
    if op.method in ("POST", "PUT", "PATCH"):
        return getattr(client, op.method.lower())(url, {}, format="json", **extra)
    return getattr(client, op.method.lower())(url, **extra)


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_operation_without_a_token(api, op):
    response = _call(api, op)
    if op.public:
        assert response.status_code != 401, (str(op), response.content[:300])
        assert response.status_code < 500, (str(op), response.content[:300])
    else:
        assert_problem(response, 401, "UNAUTHENTICATED", "인증 오류")
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_operation_with_a_garbage_token(api, op):
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    response = _call(api, op)
    if op.public and response.status_code != 401:
        assert response.status_code < 500, (str(op), response.content[:300])
    else:  # a public read may refuse a bad token (so the client learns it is bad), but as a problem
        assert_problem(response, 401, "UNAUTHENTICATED")


def test_public_list_matches_the_schema():
    public_in_schema = PUBLIC_OPERATIONS & IN_SCHEMA
    # the operations of the foundation are all there; the domain ones join as their apps land
    assert {("POST", "/api/auth/signup"), ("GET", "/api/health"), ("GET", "/api/health/ready")} <= public_in_schema
    documented_public = {(op.method, op.path) for op in OPERATIONS if op.spec.get("security") in (None, [], [{}])}
    # an operation that needs no token in the schema must be on API.md's public list
    assert documented_public <= PUBLIC_OPERATIONS, documented_public - PUBLIC_OPERATIONS


@pytest.mark.parametrize("path", PUBLIC_DOCUMENTS)
def test_schema_and_docs_are_public(api, path):
    assert api.get(path).status_code == 200


def test_staff_only_operations_of_api_md_use_is_staff():
    in_code = _staff_only_in_code()
    missing = (STAFF_ONLY_OPERATIONS & IN_SCHEMA) - in_code
    assert not missing, f"API.md says staff only, but the view does not use IsStaff: {missing}"
    assert not (in_code & PUBLIC_OPERATIONS), "an operation cannot be both public and staff only"
    assert in_code <= IN_SCHEMA, "every staff-only view is in the schema"


def _admin_urls(*views: str) -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{prefix}_{view}") for view in views]
    return urls


ADMIN_URLS = _admin_urls("changelist", "add")
# staff: the lists (an admin may rightly have no add page, e.g. a read-only ledger)
ADMIN_LISTS = _admin_urls("changelist")


@pytest.mark.parametrize("target", [*(f"{m} {p}" for m, p in STAFF_ONLY), *(f"ADMIN {u}" for u in ADMIN_URLS)])
def test_shopper_is_refused_staff_areas(client, client_for, user, target):
    kind, path = target.split(" ", 1)
    if kind == "ADMIN":
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        op = next(o for o in OPERATIONS if (o.method, o.path) == (kind, path))
        assert_problem(_call(client_for(user), op), 403, "FORBIDDEN", "권한 없음")


@pytest.mark.parametrize("path", ADMIN_LISTS)
def test_staff_gets_into_the_admin(client, staff, path):
    staff.is_superuser = True  # the admin's model pages also need model permissions
    staff.save()
    client.force_login(staff)
    assert client.get(path).status_code == 200
