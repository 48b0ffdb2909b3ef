"""Who may call what: `userId` must be the caller's own unless the caller is staff (SPEC §7), and
staff-only endpoints. A public read declares `authentication_classes = []` and `AllowAny` on its
own view (a stale or bad token must not break it)."""

from rest_framework.permissions import BasePermission

from core.errors import Forbidden


def ensure_self_or_staff(user, user_id: int) -> None:
    """Raises FORBIDDEN unless `user_id` is the caller's own id or the caller is staff."""
    if not (user.is_authenticated and (user.is_staff or user.pk == user_id)):
        raise Forbidden("다른 사용자의 정보에는 접근할 수 없습니다.")


class IsStaff(BasePermission):
    """Staff-only endpoints answer 403 FORBIDDEN to anyone else (401 without credentials)."""

    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated and not request.user.is_staff:
            raise Forbidden("직원만 사용할 수 있는 기능입니다.")
        return bool(request.user and request.user.is_staff)
