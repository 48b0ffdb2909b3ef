import pytest

from addresses.services import address_create

HOME = {
    "recipient": "김사과",
    "phone": "010-1234-5678",
    "postalCode": "06236",
    "address": "서울특별시 강남구 테헤란로 152",
    "addressDetail": "12층 1201호",
    "memo": "문 앞에 놓아 주세요",
}


def make_address(user, **overrides):
    values = {
        "recipient": "김사과",
        "phone": "010-1234-5678",
        "postal_code": "06236",
        "address": "서울특별시 강남구 테헤란로 152",
        "address_detail": "12층 1201호",
        "memo": "",
    } | overrides
    return address_create(user_id=user.pk, **values)


@pytest.fixture
def home_body():
    return dict(HOME)
