from datetime import timedelta

import pytest
from django.utils import timezone
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from core.api.authentication import access_token_for
from coupons.gate import issued_key, remaining_key
from coupons.models import CouponDrop, DiscountType, UserCoupon
from coupons.services.rebuild import coupon_gate_rebuild
from tests.support.api import assert_problem
from tests.support.factories import CouponDropFactory, give_coupon

pytestmark = pytest.mark.django_db

DROP_KEYS = {
    "couponId",
    "name",
    "discountType",
    "discountValue",
    "maxDiscountAmount",
    "minOrderAmount",
    "totalQuantity",
    "remainingQuantity",
    "issueStartsAt",
    "issueEndsAt",
}
USER_COUPON_KEYS = {
    "userCouponId",
    "couponId",
    "name",
    "discountType",
    "discountValue",
    "maxDiscountAmount",
    "minOrderAmount",
    "status",
    "issuedAt",
    "expiresAt",
    "usedAt",
}


def issue(client, user_id, coupon_id):
    return client.post("/api/coupon/issue", {"userId": user_id, "couponId": coupon_id}, format="json")


# --- GET /api/coupons -------------------------------------------------------------------------


def test_list_is_public_and_shows_drops_whose_window_has_not_ended(api, user, client_for):
    now = timezone.now()
    open_drop = CouponDropFactory(total_quantity=10, max_discount_amount=None)
    upcoming = CouponDropFactory(issue_starts_at=now + timedelta(days=1), issue_ends_at=now + timedelta(days=2))
    CouponDropFactory(issue_starts_at=now - timedelta(days=2), issue_ends_at=now - timedelta(days=1))  # ended
    assert issue(client_for(user), user.pk, open_drop.pk).status_code == 201

    response = api.get("/api/coupons", HTTP_AUTHORIZATION="Bearer not-a-token")  # ignored: public
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["couponId"] for item in items] == [upcoming.pk, open_drop.pk]
    first = next(item for item in items if item["couponId"] == open_drop.pk)
    assert set(first) == DROP_KEYS
    assert first["remainingQuantity"] == 9 and first["totalQuantity"] == 10
    assert first["maxDiscountAmount"] is None and first["issueEndsAt"] is None
    assert first["issueStartsAt"].endswith("+09:00")


def test_list_reads_remaining_from_the_gate(api):
    drop = CouponDropFactory(total_quantity=10)
    get_redis_connection("default").set(remaining_key(drop.pk), 4)
    assert api.get("/api/coupons").json()["items"][0]["remainingQuantity"] == 4


def test_list_answers_from_the_database_when_redis_is_down(api, redis_down):
    drop = CouponDropFactory(total_quantity=10)
    CouponDrop.objects.filter(pk=drop.pk).update(issued_count=3)
    response = api.get("/api/coupons")
    assert response.status_code == 200
    assert response.json()["items"][0]["remainingQuantity"] == 7


def test_list_query_count_is_fixed(api, django_assert_num_queries):
    CouponDropFactory.create_batch(5)
    with django_assert_num_queries(1):
        assert len(api.get("/api/coupons").json()["items"]) == 5


# --- POST /api/coupons (staff) ----------------------------------------------------------------

GOOD_DROP = {
    "name": "블랙프라이데이 10%",
    "discountType": "PERCENT",
    "discountValue": 10,
    "maxDiscountAmount": 5000,
    "minOrderAmount": 20000,
    "totalQuantity": 100,
    "validDays": 7,
}


def test_staff_creates_a_drop_and_readies_its_gate(staff, client_for):
    ends = (timezone.now() + timedelta(days=1)).isoformat()
    response = client_for(staff).post("/api/coupons", {**GOOD_DROP, "issueEndsAt": ends}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == DROP_KEYS
    assert body["remainingQuantity"] == 100 and body["discountType"] == "PERCENT"
    drop = CouponDrop.objects.get(pk=body["couponId"])
    assert drop.issued_count == 0 and drop.issue_ends_at is not None
    redis = get_redis_connection("default")
    assert redis.get(remaining_key(drop.pk)) == b"100"
    assert redis.scard(issued_key(drop.pk)) == 0


@pytest.mark.parametrize("moment", ["0106-02-13T23:41:24Z", "1999-06-30T00:00:00Z", "9000-06-30T00:00:00Z"])
def test_a_window_outside_the_years_2000_to_9000_is_refused(staff, client_for, moment):
    # found by the fuzzer: year 106 was stored and answered as "0106-02-14T08:09:16+08:27:52"
    # (Seoul's local mean time), which is not an RFC 3339 date-time
    response = client_for(staff).post("/api/coupons", {**GOOD_DROP, "issueStartsAt": moment}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "INVALID_REQUEST"
    assert [error["field"] for error in body["errors"]] == ["issueStartsAt"]
    assert not CouponDrop.objects.exists()


def test_staff_create_minimal_body_defaults(staff, client_for):
    body = {"name": "3천원", "discountType": "FIXED", "discountValue": 3000, "totalQuantity": 1, "validDays": 1}
    response = client_for(staff).post("/api/coupons", body, format="json")
    assert response.status_code == 201
    out = response.json()
    assert out["maxDiscountAmount"] is None and out["minOrderAmount"] is None and out["issueEndsAt"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"discountValue": 0}, "discountValue"),
        ({"discountValue": 101}, "discountValue"),
        ({"discountType": "FIXED", "discountValue": 0}, "discountValue"),
        ({"discountType": "BOGUS"}, "discountType"),
        ({"totalQuantity": 0}, "totalQuantity"),
        ({"validDays": 0}, "validDays"),
        ({"totalQuantity": "100"}, "totalQuantity"),
        ({"discountValue": True}, "discountValue"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"maxDiscountAmount": 0}, "maxDiscountAmount"),
        ({"minOrderAmount": -1}, "minOrderAmount"),
        ({"issueStartsAt": "2030-01-02T00:00:00+09:00", "issueEndsAt": "2030-01-01T00:00:00+09:00"}, "issueEndsAt"),
        ({"issueStartsAt": "2020-01-01T00:00:00+09:00", "issueEndsAt": "2020-01-02T00:00:00+09:00"}, "issueEndsAt"),
        ({"issueEndsAt": "tomorrow"}, "issueEndsAt"),
    ],
)
def test_staff_create_rejects_bad_drops(staff, client_for, change, field):
    response = client_for(staff).post("/api/coupons", {**GOOD_DROP, **change}, format="json")
    problem = assert_problem(response, 400, "INVALID_REQUEST", "잘못된 요청")
    assert field in {e["field"] for e in problem["errors"]}, problem
    assert not CouponDrop.objects.exists()


@pytest.mark.parametrize("body", [[], "x", {"name": "x"}])
def test_staff_create_rejects_bad_bodies(staff, client_for, body):
    assert_problem(client_for(staff).post("/api/coupons", body, format="json"), 400, "INVALID_REQUEST")


def test_shopper_calling_staff_endpoint_is_forbidden(user, client_for, api):
    assert_problem(client_for(user).post("/api/coupons", GOOD_DROP, format="json"), 403, "FORBIDDEN", "권한 없음")
    assert_problem(api.post("/api/coupons", GOOD_DROP, format="json"), 401, "UNAUTHENTICATED")
    assert not CouponDrop.objects.exists()


# --- POST /api/coupon/issue -------------------------------------------------------------------


def _client_with_issued_token(user) -> APIClient:
    """A client with the access token the API itself issues (it carries the `staff` claim)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


def test_issue_returns_the_user_coupon(user, django_assert_num_queries):
    drop = CouponDropFactory(discount_type=DiscountType.PERCENT, discount_value=15, max_discount_amount=3000)
    client = _client_with_issued_token(user)
    issue(client, user.pk, CouponDropFactory().pk)  # another drop first: one-time work is not counted
    coupon_gate_rebuild(coupon_id=drop.pk)
    # No user query (the caller comes from the token's claims); the drop; then insert + conditional
    # update (in a savepoint here, inside the test's transaction).
    with django_assert_num_queries(5):
        response = issue(client, user.pk, drop.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == USER_COUPON_KEYS
    held = UserCoupon.objects.get(user=user, coupon=drop)
    assert body["userCouponId"] == held.pk and body["couponId"] == drop.pk
    assert (body["status"], body["usedAt"], body["discountType"], body["maxDiscountAmount"]) == (
        "AVAILABLE",
        None,
        "PERCENT",
        3000,
    )
    assert held.expires_at - held.issued_at == timedelta(days=7)
    drop.refresh_from_db()
    assert drop.issued_count == 1
    assert get_redis_connection("default").get(remaining_key(drop.pk)) == b"99"


def test_issue_twice_is_already_issued(user, client_for):
    drop = CouponDropFactory()
    client = client_for(user)
    assert issue(client, user.pk, drop.pk).status_code == 201
    assert_problem(issue(client, user.pk, drop.pk), 409, "COUPON_ALREADY_ISSUED", "이미 발급받은 쿠폰")
    drop.refresh_from_db()
    assert drop.issued_count == 1 and UserCoupon.objects.count() == 1


def test_issue_sold_out(user, other_user, client_for):
    drop = CouponDropFactory(total_quantity=1)
    assert issue(client_for(user), user.pk, drop.pk).status_code == 201
    assert_problem(issue(client_for(other_user), other_user.pk, drop.pk), 409, "COUPON_SOLD_OUT", "쿠폰 재고 부족")


@pytest.mark.parametrize("window", ["not_open", "closed"])
def test_issue_outside_window_is_not_issuable(user, client_for, window):
    now = timezone.now()
    if window == "not_open":
        drop = CouponDropFactory(issue_starts_at=now + timedelta(minutes=5))
    else:
        drop = CouponDropFactory(issue_starts_at=now - timedelta(days=2), issue_ends_at=now - timedelta(seconds=1))
    assert_problem(issue(client_for(user), user.pk, drop.pk), 409, "COUPON_NOT_ISSUABLE", "발급 기간이 아닌 쿠폰")
    assert not UserCoupon.objects.exists()


def test_issue_unknown_coupon(user, client_for):
    assert_problem(issue(client_for(user), user.pk, 987654321), 404, "COUPON_NOT_FOUND", "쿠폰을 찾을 수 없음")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"userId": 1},
        {"couponId": 1},
        {"userId": "1", "couponId": 1},
        {"userId": 1, "couponId": 1.5},
        {"userId": 1, "couponId": True},
        {"userId": 1, "couponId": 0},
        {"userId": 1, "couponId": 2**63},
        [],
        "x",
    ],
)
def test_issue_bad_bodies(user, client_for, body):
    if isinstance(body, dict) and body.get("userId") == 1:
        body = {**body, "userId": user.pk}
    assert_problem(client_for(user).post("/api/coupon/issue", body, format="json"), 400, "INVALID_REQUEST")
    assert not UserCoupon.objects.exists()


def test_issue_malformed_json(user, client_for):
    response = client_for(user).post("/api/coupon/issue", b"{nope", content_type="application/json")
    assert_problem(response, 400, "INVALID_REQUEST")


def test_issue_for_someone_else_is_forbidden_unless_staff(user, other_user, staff, client_for, api):
    drop = CouponDropFactory()
    assert_problem(issue(client_for(user), other_user.pk, drop.pk), 403, "FORBIDDEN")
    assert_problem(issue(api, user.pk, drop.pk), 401, "UNAUTHENTICATED")
    assert not UserCoupon.objects.exists()
    assert issue(client_for(staff), other_user.pk, drop.pk).status_code == 201
    assert_problem(issue(client_for(staff), 987654321, drop.pk), 404, "INVALID_USER")


def test_issue_is_throttled_per_user(user, other_user, client_for):
    drop = CouponDropFactory()
    client = client_for(user)
    codes = [issue(client, user.pk, drop.pk).status_code for _ in range(12)]
    # 5 per one-second window: 12 quick requests span at most two windows, so some are refused.
    assert codes[0] == 201 and 429 in codes and codes.count(429) >= 2, codes
    assert set(codes) == {201, 409, 429}
    limited = issue(client, user.pk, drop.pk)
    if limited.status_code == 429:
        body = assert_problem(limited, 429, "RATE_LIMITED", "요청이 너무 많음")
        assert body["retryAfter"] >= 0 and int(limited["Retry-After"]) >= 1
    assert issue(client_for(other_user), other_user.pk, drop.pk).status_code == 201  # per user


@pytest.mark.django_db(transaction=True)  # the user foreign key is checked at commit
def test_issue_for_a_deleted_user_is_invalid_user(user):
    drop = CouponDropFactory()
    client = _client_with_issued_token(user)  # the token stays valid after the user is gone
    user_id = user.pk
    user.delete()
    assert_problem(issue(client, user_id, drop.pk), 404, "INVALID_USER")
    assert not UserCoupon.objects.exists()
    drop.refresh_from_db()
    assert drop.issued_count == 0


def test_issue_fails_closed_with_503_when_redis_is_down(user, client_for, redis_down):
    drop = CouponDropFactory()
    response = issue(client_for(user), user.pk, drop.pk)
    assert_problem(response, 503, "SERVICE_UNAVAILABLE")
    drop.refresh_from_db()
    assert drop.issued_count == 0 and not UserCoupon.objects.exists()


# --- GET /api/coupon/users/{userId} -----------------------------------------------------------


def test_user_coupons_newest_first_with_derived_status(user, client_for, django_assert_num_queries):
    now = timezone.now()
    old = give_coupon(user, CouponDropFactory(), days=-1)
    UserCoupon.objects.filter(pk=old.pk).update(issued_at=now - timedelta(days=10))
    used = give_coupon(user, CouponDropFactory(), status="USED", used_at=now, order_id=9)
    UserCoupon.objects.filter(pk=used.pk).update(issued_at=now - timedelta(days=1))
    fresh = give_coupon(user, CouponDropFactory(min_order_amount=10_000))
    client = client_for(user)
    with django_assert_num_queries(2):  # the JWT user, then the coupons with their drops
        response = client.get(f"/api/coupon/users/{user.pk}")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["userCouponId"], i["status"]) for i in items] == [
        (fresh.pk, "AVAILABLE"),
        (used.pk, "USED"),
        (old.pk, "EXPIRED"),
    ]
    assert set(items[0]) == USER_COUPON_KEYS and items[0]["minOrderAmount"] == 10_000
    assert items[1]["usedAt"] is not None


def test_user_coupons_of_someone_else_forbidden_unless_staff(user, other_user, staff, client_for, api):
    assert_problem(client_for(user).get(f"/api/coupon/users/{other_user.pk}"), 403, "FORBIDDEN")
    assert_problem(api.get(f"/api/coupon/users/{user.pk}"), 401, "UNAUTHENTICATED")
    assert client_for(staff).get(f"/api/coupon/users/{user.pk}").json() == {"items": []}
