"""django-csp's middleware, with the policy header built once per process for the responses that
change nothing of it.

Why not the default: django-csp copies the settings and builds both policies (enforced and
report-only) on every response, JSON answers included: 18% of an `/api/health` request's CPU
(docs/benchmarks.md, "Before and after the second wave"). A response that used no nonce and
carries no per-view `@csp_update` / `@csp_replace` / `@csp` setting always gets the same header,
so that one is built once per settings object and reused; every other response (the API docs page
with its nonce, say) goes through django-csp unchanged."""

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

_PER_VIEW = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)


class CSPMiddleware(DjangoCSPMiddleware):
    _built: tuple[tuple[int, int], str, str] | None = None

    def _headers(self) -> tuple[str, str]:
        key = (
            id(getattr(settings, "CONTENT_SECURITY_POLICY", None)),
            id(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)),
        )
        built = CSPMiddleware._built
        if built is None or built[0] != key:
            built = (key, build_policy(), build_policy(report_only=True))
            CSPMiddleware._built = built
        return built[1], built[2]

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, name) for name in _PER_VIEW):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        enforced, report_only = self._headers()
        for header, value, exempt, setting in (
            (HEADER, enforced, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, report_only, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            excluded = bool(prefixes) and request.path_info.startswith(prefixes)
            if value and header not in response and not getattr(response, exempt, False) and not excluded:
                response[header] = value
        # as django-csp does: a nonce asked for after the header is written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
