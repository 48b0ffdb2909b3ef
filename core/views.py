"""Site-wide pages and Django's error handlers. Under /api/ errors are problem+json, never HTML."""

import logging

from django.shortcuts import render

from core import errors
from core.api.problems import problem_response
from core.middleware import current_request_id

logger = logging.getLogger("core")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def home(request):
    return render(request, "core/home.html")


def bad_request(request, exception=None):
    if _is_api(request):
        return problem_response(errors.InvalidRequest("요청을 처리할 수 없습니다. 크기나 형식을 확인해 주세요."))
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return problem_response(errors.Forbidden("이 작업을 할 권한이 없습니다."))
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return problem_response(errors.NotFound("요청한 경로를 찾을 수 없습니다."))
    return render(request, "errors/404.html", status=404)


def server_error(request):
    request_id = current_request_id()
    if _is_api(request):
        return problem_response(errors.InternalError("요청을 처리하지 못했습니다.", request_id=request_id))
    return render(request, "errors/500.html", {"request_id": request_id}, status=500)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return problem_response(errors.Forbidden("CSRF 검증에 실패했습니다."))
    return render(request, "errors/403.html", {"csrf": True}, status=403)
