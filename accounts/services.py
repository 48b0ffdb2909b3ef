from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from balances.services import balance_create
from core.errors import InvalidRequest

User = get_user_model()


def user_signup(*, username: str, password: str):
    """Creates a shopper account with its balance at 0 (one transaction). Raises INVALID_REQUEST with field errors for a taken username or
    a password Django's validators refuse; nothing is written then."""
    candidate = User(username=username)
    field_errors = []
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as exc:
        field_errors += [{"field": "username", "message": m} for m in exc.messages]
    if User.objects.filter(username__iexact=username).exists():
        field_errors.append({"field": "username", "message": "이미 사용 중인 아이디입니다."})
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        field_errors += [{"field": "password", "message": m} for m in exc.messages]
    if field_errors:
        raise InvalidRequest("입력 값을 확인해 주세요.", errors=field_errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            balance_create(user_id=user.pk)
    except IntegrityError as exc:  # lost a race for the same username
        raise InvalidRequest(
            "입력 값을 확인해 주세요.", errors=[{"field": "username", "message": "이미 사용 중인 아이디입니다."}]
        ) from exc
    return user
