"""Error reports to Sentry, only when `SENTRY_DSN` is set (config/settings/base.py calls `init`).
Without a DSN sentry-sdk is never imported, so nothing can be sent.

The Django, Celery and Redis integrations are named explicitly (a report from a worker names its
task; Redis commands appear as breadcrumbs). `send_default_pii=False`: no cookies, no
Authorization header, no user's address or e-mail leave the site. Each report is tagged with the
request id, the same one as in the logs and the `X-Request-ID` answer header."""


def _tag_request_id(event, hint):
    from core.middleware import current_request_id

    request_id = current_request_id()
    if request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_tag_request_id,
    )
