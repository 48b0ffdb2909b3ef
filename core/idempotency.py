"""`Idempotency-Key` for unsafe API calls (API.md "Idempotency"): charge and order creation.

Semantics, per user (keys of different users never meet):
- no header → the handler just runs;
- a header outside 1..255 characters → 400 INVALID_REQUEST, nothing runs;
- first use of a key → the key is claimed in its own short, committed transaction, then the
  handler runs *outside any transaction* (so it may open `transaction.atomic(durable=True)`), then
  its response is recorded: 2xx and 4xx answers (domain errors included) are stored; a 5xx or an
  unexpected exception releases the key so that a retry can run;
- same key, same request (fingerprint: method + path + canonical JSON body) → the first response
  again, same status and body, with header `Idempotent-Replayed: true`, and no second effect;
- same key, different request → 422 IDEMPOTENCY_KEY_REUSED (even while the first still runs);
- same key while the first is still running → 409 IDEMPOTENCY_IN_PROGRESS.

It works across processes because the claim is a database row, unique per (user, key). A claim
left in flight by a crashed process is taken over once its lease (`IDEMPOTENCY_LEASE_SECONDS`,
default 60 s) has run out, so a handler must finish well within the lease (both charge and order
creation take milliseconds); finishing and releasing only touch a claim still owned by the same
`owner_token`. Rows are kept `IDEMPOTENCY_KEY_TTL_HOURS` (≥ 24 h) and then deleted by the Celery
beat task `core.purge_idempotency_keys`.

Usage from an APIView (the handler returns the Response or raises an ApiError as usual)::

    from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

    class OrderCreateApi(APIView):
        @extend_schema(
            parameters=[IDEMPOTENCY_KEY_PARAMETER],
            responses={201: OrderOut, **problems(..., (409, "... | IDEMPOTENCY_IN_PROGRESS"),
                                                 (422, "IDEMPOTENCY_KEY_REUSED"))},
        )
        def post(self, request):
            return idempotent(request, lambda: self.create(request))

        def create(self, request):
            data = OrderIn(data=request.data)
            data.is_valid(raise_exception=True)
            order = order_place(user_id=..., ...)   # opens transaction.atomic(durable=True) itself
            return Response(OrderOut(order).data, status=201)
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.api.exception_handler import to_api_error
from core.api.problems import PROBLEM_CONTENT_TYPE, problem_body
from core.errors import IdempotencyInProgress, IdempotencyKeyReused, InvalidRequest
from core.models import IdempotencyKey

logger = logging.getLogger("core.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# Not stored: retrying them later may well succeed.
_NOT_STORED_STATUSES = {429}

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type={"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH},  # what idempotent() accepts
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "1..255자. 같은 사용자·같은 키·같은 본문이면 첫 응답을 `Idempotent-Replayed: true`와 함께 다시 돌려줍니다. "
        "다른 본문이면 422 IDEMPOTENCY_KEY_REUSED, 첫 요청이 처리 중이면 409 IDEMPOTENCY_IN_PROGRESS."
    ),
)


@dataclass(frozen=True)
class _Claim:
    pk: int
    token: str


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_LEASE_SECONDS", 60))


def request_fingerprint(request) -> str:
    """sha256 of method, path and the body as canonical JSON (sorted keys, no whitespace), so the
    same request written with other key order or spacing is still the same request."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _replay(row: IdempotencyKey) -> Response:
    return Response(
        row.response_body,
        status=row.response_status,
        headers={REPLAYED_HEADER: "true"},
        content_type=row.response_content_type or None,
    )


def _claim(user_id: int, key: str, fingerprint: str) -> _Claim | Response:
    """Claims the key (committed before returning) or answers for it: a replay, 409 or 422."""
    for _attempt in range(3):
        now = timezone.now()
        token = uuid.uuid4().hex
        try:
            with transaction.atomic():
                claimed = IdempotencyKey.objects.create(
                    user_id=user_id, key=key, fingerprint=fingerprint, owner_token=token, locked_until=now + _lease()
                )
            return _Claim(claimed.pk, token)
        except IntegrityError:
            pass  # the key is taken: look at who has it
        row = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if row is None:
            continue  # released by a failed first attempt in the meantime: claim it again
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused("이 멱등키는 다른 요청에 이미 사용되었습니다. 새 키를 사용해 주세요.")
        if row.response_status is not None:
            return _replay(row)
        if row.locked_until > now:
            raise IdempotencyInProgress("같은 멱등키의 요청을 처리하고 있습니다. 잠시 후 다시 시도해 주세요.")
        # The lease ran out: the process that claimed it died. Take it over, unless another did.
        taken = IdempotencyKey.objects.filter(
            pk=row.pk, owner_token=row.owner_token, response_status__isnull=True
        ).update(owner_token=token, locked_until=now + _lease(), created_at=now)
        if taken:
            logger.warning("idempotency key %s of user %s taken over after its lease ran out", row.pk, user_id)
            return _Claim(row.pk, token)
    raise IdempotencyInProgress("같은 멱등키의 요청을 처리하고 있습니다. 잠시 후 다시 시도해 주세요.")


def _as_rendered(data):
    """The body exactly as the JSON renderer wrote it (dates, decimals, ...), so a replay is the
    same document the first client got."""
    return json.loads(JSONRenderer().render(data)) if data is not None else None


def _store(claim: _Claim, status: int, body, content_type: str | None) -> None:
    stored = IdempotencyKey.objects.filter(pk=claim.pk, owner_token=claim.token).update(
        response_status=status,
        response_body=body,
        response_content_type=content_type or "",
        completed_at=timezone.now(),
    )
    if not stored:
        logger.warning("idempotency key %s was taken over before its response could be stored", claim.pk)


def _release(claim: _Claim) -> None:
    for attempt in (1, 2):
        try:
            IdempotencyKey.objects.filter(pk=claim.pk, owner_token=claim.token, response_status__isnull=True).delete()
            return
        except (OperationalError, InterfaceError):
            # The failure being answered may be this very connection dying (a 503 that invites a
            # retry): release on a fresh one, or the retry would get 409 IN_PROGRESS for a lease.
            if attempt == 1 and not connection.in_atomic_block:
                connection.close()
                continue
            logger.exception("could not release idempotency key %s", claim.pk)
            return
        except Exception:  # the lease runs out anyway
            logger.exception("could not release idempotency key %s", claim.pk)
            return


def idempotent(request, handler: Callable[[], Response]) -> Response:
    """Runs `handler()` at most once per (user, Idempotency-Key) and replays its response; see the
    module docstring for the exact semantics and an example. Call it from an authenticated DRF view,
    outside any transaction; the handler returns a DRF `Response` (JSON `data`) or raises.
    Requests without the header (or without a user) just run."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return handler()
    if not 1 <= len(key) <= KEY_MAX_LENGTH:
        raise InvalidRequest(
            f"{HEADER} 헤더는 1자 이상 {KEY_MAX_LENGTH}자 이하여야 합니다.",
            errors=[{"field": HEADER, "message": f"1자 이상 {KEY_MAX_LENGTH}자 이하여야 합니다."}],
        )
    claim = _claim(request.user.pk, key, request_fingerprint(request))
    if isinstance(claim, Response):
        return claim
    try:
        response = handler()
    except BaseException as exc:
        error = to_api_error(exc) if isinstance(exc, Exception) else None
        if error is not None and error.status < 500 and error.status not in _NOT_STORED_STATUSES:
            _store(claim, error.status, problem_body(error), PROBLEM_CONTENT_TYPE)
        else:
            _release(claim)
        raise
    storable = response.status_code < 500 and response.status_code not in _NOT_STORED_STATUSES
    if storable and hasattr(response, "data"):
        _store(claim, response.status_code, _as_rendered(response.data), response.content_type)
    else:
        _release(claim)
    return response


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Deletes keys older than IDEMPOTENCY_KEY_TTL_HOURS (not ones still in flight under a live
    lease). Returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    stale = IdempotencyKey.objects.filter(created_at__lt=cutoff).exclude(
        response_status__isnull=True, locked_until__gt=now
    )
    deleted, _ = stale.delete()
    return deleted
