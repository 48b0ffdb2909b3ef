"""What a delivery address may hold (API.md "Delivery addresses"), in one place: the model, the
storefront form and the API serializer all take their limits, validators and Korean messages
from here, so a shopper and a partner are told the same thing."""

from django.core.validators import RegexValidator

MAX_ADDRESSES = 20  # per shopper: an address book, not a dumping ground (bad input stays bounded)

RECIPIENT_MAX = 50
PHONE_MAX = 20
ADDRESS_MAX = 200
DETAIL_MAX = 200
MEMO_MAX = 100

# Korean numbers, digits with optional hyphens: mobiles and area codes (010-1234-5678, 02-123-4567,
# 0505-123-4567) and the 8-digit nationwide numbers (1588-1234). ASCII digits only: a full-width
# digit would look right to a person and fail at the courier.
PHONE_PATTERN = r"^(?:0[0-9]{1,3}-?[0-9]{3,4}-?[0-9]{4}|1[0-9]{3}-?[0-9]{4})$"
POSTAL_CODE_PATTERN = r"^[0-9]{5}$"  # 새 우편번호 (국가기초구역번호), five digits since 2015

PHONE_MESSAGE = "전화번호는 숫자와 하이픈(-)으로 입력해 주세요. 예: 010-1234-5678"
POSTAL_CODE_MESSAGE = "우편번호는 숫자 5자리로 입력해 주세요. 예: 06236"

validate_phone = RegexValidator(PHONE_PATTERN, PHONE_MESSAGE, code="invalid_phone")
validate_postal_code = RegexValidator(POSTAL_CODE_PATTERN, POSTAL_CODE_MESSAGE, code="invalid_postal_code")

# field (model attname) → (required message, too-long message)
MESSAGES = {
    "recipient": ("받는 분 이름을 입력해 주세요.", f"받는 분 이름은 {RECIPIENT_MAX}자 이하로 입력해 주세요."),
    "phone": ("전화번호를 입력해 주세요.", PHONE_MESSAGE),
    "postal_code": ("우편번호를 입력해 주세요.", POSTAL_CODE_MESSAGE),
    "address": ("주소를 입력해 주세요.", f"주소는 {ADDRESS_MAX}자 이하로 입력해 주세요."),
    "address_detail": ("상세주소를 입력해 주세요.", f"상세주소는 {DETAIL_MAX}자 이하로 입력해 주세요."),
    "memo": ("", f"배송 메모는 {MEMO_MAX}자 이하로 입력해 주세요."),
}

BOOK_FULL_MESSAGE = f"배송지는 {MAX_ADDRESSES}개까지 저장할 수 있습니다. 쓰지 않는 배송지를 지워 주세요."
KEEP_A_DEFAULT_MESSAGE = "기본 배송지는 해제할 수 없습니다. 다른 배송지를 기본 배송지로 지정해 주세요."
