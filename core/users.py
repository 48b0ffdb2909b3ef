"""The one check that a user id names somebody."""

from django.contrib.auth import get_user_model

from core.errors import InvalidUser


def user_require(user_id: int) -> None:
    """INVALID_USER unless `user_id` is a user's id (active or not). Callers check it before
    writing a row that points at the user: the foreign keys are deferred, so a bad id would only
    fail at commit, and a read for nobody should not look like an empty account."""
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise InvalidUser("존재하지 않는 사용자입니다.")
