"""GET/POST /api/addresses, PATCH/DELETE /api/addresses/{addressId} (API.md "Delivery addresses")."""

import pytest

from addresses.models import Address
from tests.support.api import assert_problem
from tests.support.builders import ADDRESS_BODY as HOME
from tests.support.builders import make_address

pytestmark = pytest.mark.django_db
URL = "/api/addresses"


def test_the_first_address_becomes_the_default_and_a_new_default_unsets_the_old(client_for, user):
    client = client_for(user)

    first = client.post(URL, {**HOME, "isDefault": False}, format="json")
    second = client.post(URL, {**HOME, "recipient": "이배", "memo": None}, format="json")
    third = client.post(URL, {**HOME, "recipient": "박감", "isDefault": True}, format="json")

    assert first.status_code == second.status_code == third.status_code == 201
    assert first.json() == {"addressId": first.json()["addressId"], **HOME, "isDefault": True}
    assert second.json()["isDefault"] is False and second.json()["memo"] is None
    listed = client.get(URL).json()["items"]
    assert [(a["recipient"], a["isDefault"]) for a in listed] == [("박감", True), ("이배", False), ("김사과", False)]
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_patch_changes_the_given_fields_and_can_move_the_default(client_for, user):
    client = client_for(user)
    a = make_address(user)
    b = make_address(user, recipient="이배")

    changed = client.patch(f"{URL}/{b.pk}", {"phone": "02-123-4567", "isDefault": True}, format="json")

    assert changed.status_code == 200
    assert changed.json() | {"addressId": b.pk} == changed.json()
    assert (changed.json()["phone"], changed.json()["isDefault"]) == ("02-123-4567", True)
    a.refresh_from_db()
    assert a.is_default is False
    assert client.patch(f"{URL}/{b.pk}", {}, format="json").json() == changed.json()


def test_the_default_cannot_be_unset_directly(client_for, user):
    entry = make_address(user)
    body = assert_problem(
        client_for(user).patch(f"{URL}/{entry.pk}", {"isDefault": False}, format="json"), 400, "INVALID_REQUEST"
    )
    assert body["errors"][0]["field"] == "isDefault"
    entry.refresh_from_db()
    assert entry.is_default


def test_deleting_the_default_makes_the_newest_remaining_one_the_default(client_for, user):
    client = client_for(user)
    first = make_address(user)
    make_address(user, recipient="이배")
    newest = make_address(user, recipient="박감")

    assert client.delete(f"{URL}/{first.pk}").status_code == 204

    assert [(a["addressId"], a["isDefault"]) for a in client.get(URL).json()["items"]][0] == (newest.pk, True)
    assert not Address.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("recipient", "", "받는 분 이름을 입력해 주세요."),
        ("recipient", "가" * 51, "받는 분 이름은 50자 이하로 입력해 주세요."),
        ("recipient", None, "받는 분 이름을 입력해 주세요."),
        ("phone", "010 1234 5678", "전화번호는 숫자와 하이픈(-)으로 입력해 주세요. 예: 010-1234-5678"),
        ("phone", "010-1234-567a", "전화번호는 숫자와 하이픈(-)으로 입력해 주세요. 예: 010-1234-5678"),
        ("phone", "12345", "전화번호는 숫자와 하이픈(-)으로 입력해 주세요. 예: 010-1234-5678"),
        ("phone", 1012345678, "문자열이어야 합니다."),
        ("postalCode", "1234", "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"),
        ("postalCode", "123456", "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"),
        ("postalCode", "0623a", "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"),
        ("postalCode", "０６２３６", "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"),  # full-width digits
        ("postalCode", 6236, "문자열이어야 합니다."),
        ("address", "", "주소를 입력해 주세요."),
        ("address", "가" * 201, "주소는 200자 이하로 입력해 주세요."),
        ("addressDetail", "가" * 201, "상세주소는 200자 이하로 입력해 주세요."),
        ("memo", "가" * 101, "배송 메모는 100자 이하로 입력해 주세요."),
        ("isDefault", "yes", "true 또는 false여야 합니다."),
    ],
)
def test_each_field_is_validated_with_a_korean_message_and_nothing_is_written(client_for, user, field, value, message):
    response = client_for(user).post(URL, {**HOME, field: value}, format="json")

    body = assert_problem(response, 400, "INVALID_REQUEST")
    assert {"field": field, "message": message} in body["errors"], body
    assert not Address.objects.exists()


@pytest.mark.parametrize("field", ["recipient", "phone", "postalCode", "address", "addressDetail"])
def test_each_required_field_is_required(client_for, user, field):
    body = {k: v for k, v in HOME.items() if k != field}
    problem = assert_problem(client_for(user).post(URL, body, format="json"), 400, "INVALID_REQUEST")
    assert [e["field"] for e in problem["errors"]] == [field]


@pytest.mark.parametrize(
    "phone", ["010-1234-5678", "01012345678", "02-123-4567", "031-1234-5678", "1588-1234", "0505-123-4567"]
)
def test_korean_phone_numbers_are_accepted(client_for, user, phone):
    assert client_for(user).post(URL, {**HOME, "phone": phone}, format="json").status_code == 201


def test_patch_is_validated_too(client_for, user):
    entry = make_address(user)
    body = assert_problem(
        client_for(user).patch(f"{URL}/{entry.pk}", {"postalCode": "1234"}, format="json"), 400, "INVALID_REQUEST"
    )
    assert body["errors"] == [{"field": "postalCode", "message": "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"}]
    entry.refresh_from_db()
    assert entry.postal_code == "06236"


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_someone_elses_or_an_unknown_address_is_not_found(client_for, user, other_user, method):
    theirs = make_address(other_user)
    client = client_for(user)

    for address_id in (theirs.pk, 987654321, 2**63):
        response = getattr(client, method)(f"{URL}/{address_id}", {"recipient": "도둑"}, format="json")
        assert_problem(response, 404, "ADDRESS_NOT_FOUND", "배송지를 찾을 수 없음")

    theirs.refresh_from_db()
    assert theirs.recipient == "김사과"
    assert client.get(URL).json() == {"items": []}


def test_the_address_book_is_bounded(client_for, user):
    for i in range(20):
        make_address(user, recipient=f"받는분{i}")
    body = assert_problem(client_for(user).post(URL, HOME, format="json"), 400, "INVALID_REQUEST")
    assert "20개까지" in body["detail"]
    assert Address.objects.filter(user=user).count() == 20


def test_a_token_is_needed(api):
    assert_problem(api.get(URL), 401, "UNAUTHENTICATED")
    assert_problem(api.post(URL, HOME, format="json"), 401, "UNAUTHENTICATED")


def test_the_api_is_in_the_openapi_schema():
    from tests.security.operations import openapi_schema

    paths = openapi_schema()["paths"]
    assert set(paths["/api/addresses"]) >= {"get", "post"}
    assert set(paths["/api/addresses/{addressId}"]) >= {"patch", "delete"}
    assert "404" in paths["/api/addresses/{addressId}"]["delete"]["responses"]
    schemas = openapi_schema()["components"]["schemas"]

    def component(ref_holder):
        return schemas[ref_holder["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]

    assert "addressId" in component(paths["/api/orders"]["post"]["requestBody"])["properties"]
    order = component(paths["/api/orders/{orderId}"]["get"]["responses"]["200"])["properties"]
    assert {"shippingAddress", "fulfilment"} <= set(order)
    fulfilment = paths["/api/orders/{orderId}/fulfilment"]["post"]
    assert set(fulfilment["responses"]) >= {"200", "400", "403", "404", "409"}
    assert "INVALID_FULFILMENT" in fulfilment["responses"]["409"]["description"]
    assert "ORDER_NOT_CANCELLABLE" in paths["/api/orders/{orderId}/cancel"]["post"]["responses"]["409"]["description"]
