"""Turns every exception raised in a DRF view into RFC 9457 problem details with our `code`."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from core import errors
from core.api.problems import PROBLEM_CONTENT_TYPE, problem_body

logger = logging.getLogger("core.api")


def field_errors(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested validation detail into [{field, message}]."""
    out: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                name = prefix
            elif isinstance(key, int):  # a list's errors keyed by index: products[0].quantity
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(field_errors(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out.extend({"field": prefix or None, "message": str(item)} for item in detail)
        else:
            for index, item in enumerate(detail):
                out.extend(field_errors(item, f"{prefix}[{index}]"))
    else:
        out.append({"field": prefix or None, "message": str(detail)})
    return out


def to_api_error(exc: Exception) -> errors.ApiError | None:
    if isinstance(exc, errors.ApiError):
        return exc
    if isinstance(exc, (InvalidToken, TokenError, drf.NotAuthenticated, drf.AuthenticationFailed)):
        return errors.Unauthenticated("인증 정보가 없거나 유효하지 않습니다.")
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge("요청 본문이 허용된 크기를 넘었습니다.")
    if isinstance(exc, SuspiciousOperation):
        return errors.InvalidRequest("요청을 처리할 수 없습니다.")
    if isinstance(exc, drf.ValidationError):
        return errors.InvalidRequest("요청 값이 올바르지 않습니다.", errors=field_errors(exc.detail))
    if isinstance(exc, drf.ParseError):
        return errors.InvalidRequest("요청 본문을 해석할 수 없습니다.")
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        return errors.Forbidden("이 작업을 할 권한이 없습니다.")
    if isinstance(exc, (drf.NotFound, Http404)):
        return errors.NotFound("요청한 리소스를 찾을 수 없습니다.")
    if isinstance(exc, drf.MethodNotAllowed):
        return errors.MethodNotAllowed(f"{exc.detail}")
    if isinstance(exc, drf.NotAcceptable):
        return errors.NotAcceptable()
    if isinstance(exc, drf.UnsupportedMediaType):
        return errors.UnsupportedMediaType("Content-Type은 application/json 이어야 합니다.")
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away (restart, failover, killed connection): the transaction that was
        # open is gone with it, so nothing was written. Say "try again", not "server bug".
        logger.warning("database unavailable: %s: %s", exc.__class__.__name__, exc)
        return errors.ServiceUnavailable("데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.")
    if isinstance(exc, drf.Throttled):
        wait = getattr(exc, "wait", None)  # set by Throttled.__init__; the stubs do not declare it
        if wait is None:
            return errors.RateLimited("잠시 후 다시 시도해 주세요.")
        return errors.RateLimited("잠시 후 다시 시도해 주세요.", retry_after=int(wait))
    return None


def problem_exception_handler(exc, context):
    error = to_api_error(exc)
    if error is None:
        request = context.get("request")
        request_id = getattr(request, "request_id", None)
        logger.exception("unhandled API error (request_id=%s)", request_id)
        error = errors.InternalError(
            "요청을 처리하지 못했습니다. 문제가 계속되면 요청 ID를 알려 주세요.", request_id=request_id
        )
    headers = {}
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)
    if isinstance(error, errors.Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, drf.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    return Response(problem_body(error), status=error.status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
