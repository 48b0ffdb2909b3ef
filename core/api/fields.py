"""Serializer fields that accept exactly what the contract says, nothing looser.

DRF's IntegerField turns "1000", 1.0 and 1.5-with-rounding into ints; a money or id field must
refuse anything that is not a JSON integer (booleans included)."""

from rest_framework import serializers

# PostgreSQL bigint bounds: anything outside cannot be an id or an amount we store.
BIGINT_MAX = 2**63 - 1


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {
        "invalid": "정수여야 합니다.",
        "max_value": "{max_value} 이하여야 합니다.",
        "min_value": "{min_value} 이상이어야 합니다.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", BIGINT_MAX)
        kwargs.setdefault("min_value", -BIGINT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(StrictIntegerField):
    """A positive database id given as a JSON integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else: DRF's CharField would turn 1012345678 into "1012345678"
    (a phone number without its leading zero)."""

    default_error_messages = {
        "invalid": "문자열이어야 합니다.",
        "blank": "비워 둘 수 없습니다.",
        "max_length": "{max_length}자 이하여야 합니다.",
        "required": "필수 항목입니다.",
        "null": "비워 둘 수 없습니다.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF's BooleanField also takes "yes", 1, "on")."""

    default_error_messages = {"invalid": "true 또는 false여야 합니다."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class WindowTimeField(serializers.DateTimeField):
    """A drop's or a coupon window's start or end: ISO 8601 (naive means Asia/Seoul), within years
    2000..9000, so that shifting it to any zone can never leave Python's datetime range (and an
    ancient moment never renders with a local mean time offset like +08:27:52, which is not RFC 3339)."""

    default_error_messages = {"invalid": "ISO 8601 시각이어야 합니다.", "range": "2000년부터 9000년 사이여야 합니다."}

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError:
            self.fail("range")
        if not 2000 <= moment.year < 9000:
            self.fail("range")
        return moment
