"""The waiting room (대기열, SPEC §10): join, read, admit, and the ticket an order needs.

The line is in Redis (`waiting_room.line`); PostgreSQL stays the truth for stock and orders. An
order for a waiting-room drop needs its caller's admitted ticket: checked against the line before
the order's transaction, and recorded in that transaction (`QueueTicketUse`, unique per ticket),
so a ticket buys at most one order even if two requests race with it and a failed order leaves it
admitted. With Redis down nothing is promised: joins and reads answer 503 and so do orders for
waiting-room drops; other orders do not touch the line.
"""

import contextlib
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from prometheus_client import Counter

from core.errors import NotFound, ServiceUnavailable
from products.drops import SaleStatus, status_of
from products.errors import OutOfStock, SaleEnded, SaleNotStarted
from products.models import Product
from waiting_room import line
from waiting_room.errors import QueueTicketRequired
from waiting_room.models import QueueTicketUse

JOIN_OPENS_BEFORE_START = timedelta(minutes=10)
ADMITTED = Counter("shop_waiting_room_admitted", "Waiting-room tickets admitted", ["product_id"])
EXPIRED = Counter("shop_waiting_room_expired", "Admitted waiting-room tickets that lapsed unused", ["product_id"])
_draw = random.SystemRandom()


@dataclass(frozen=True)
class TicketView:
    ticket: str
    product_id: int
    status: str
    position: int | None
    estimated_wait_seconds: int | None
    admitted_at: datetime | None
    expires_at: datetime | None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _moment(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.get_current_timezone())


def _rate(product: Product) -> int:
    return product.admit_per_second or settings.WAITING_ROOM_ADMIT_PER_SECOND


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("대기열을 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.")


def _room_product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, active=True, waiting_room=True).first()
    if product is None:
        raise NotFound("대기열이 없는 상품입니다.")
    return product


def _view(product: Product, ticket: str, state: line.TicketState, now: datetime) -> TicketView:
    wait = None
    if state.status == line.WAITING and state.position is not None:
        # From the admission rate measured on this line; before any admission, the configured one.
        rate = state.rate if state.rate >= 0.5 else _rate(product)
        wait = round(state.position / rate)
        if product.sale_starts_at is not None and now < product.sale_starts_at:
            wait += int((product.sale_starts_at - now).total_seconds())
    return TicketView(
        ticket=ticket,
        product_id=product.pk,
        status=state.status,
        position=state.position if state.status == line.WAITING else None,
        estimated_wait_seconds=wait,
        admitted_at=_moment(state.admitted_at_ms) if state.status != line.WAITING else None,
        expires_at=_moment(state.expires_at_ms) if state.status == line.ADMITTED else None,
    )


def queue_join(*, product_id: int, user_id: int) -> tuple[TicketView, bool]:
    """The caller's live ticket for the drop (created=False), or a new one at the end of the line.
    Joins open 10 minutes before the start; NOT_FOUND without a room, SALE_NOT_STARTED before the
    joins open, SALE_ENDED after the window, OUT_OF_STOCK once the line has closed."""
    product = _room_product(product_id)
    now = timezone.now()
    status = status_of(product, at=now)
    if status is SaleStatus.ENDED:
        raise SaleEnded("판매가 종료된 상품입니다.", product_id=product_id)
    joins_open = product.sale_starts_at - JOIN_OPENS_BEFORE_START if product.sale_starts_at else None
    if status is SaleStatus.UPCOMING and joins_open is not None and now < joins_open:
        opens = timezone.localtime(joins_open)
        raise SaleNotStarted(f"대기열은 {opens:%m월 %d일 %H:%M}부터 열립니다.", product_id=product_id)
    if status is SaleStatus.SOLD_OUT:
        raise OutOfStock("준비된 수량이 모두 판매되었습니다.", product_id=product_id)
    try:
        code, ticket = line.line_join(
            product_id=product_id,
            user_id=user_id,
            ticket=secrets.token_urlsafe(16),
            now_ms=_ms(now),
            before_start=status is SaleStatus.UPCOMING,
        )
        if code < 0:
            raise OutOfStock("준비된 수량이 모두 판매되었습니다.", product_id=product_id)
        state = line.line_read(product_id=product_id, ticket=ticket, now_ms=_ms(now))
    except line.LineUnavailable as exc:
        raise _unavailable() from exc
    if state is None:  # the line vanished (flush, failover) between the two scripts
        raise _unavailable()
    return _view(product, ticket, state, now), code == 1


def queue_ticket_get(*, product_id: int, ticket: str, user_id: int) -> TicketView:
    """The caller's ticket as it reads now; someone else's or an unknown one → NOT_FOUND."""
    product = _room_product(product_id)
    now = timezone.now()
    try:
        state = line.line_read(product_id=product_id, ticket=ticket, now_ms=_ms(now))
    except line.LineUnavailable as exc:
        raise _unavailable() from exc
    if state is None or state.user_id != user_id:
        raise NotFound("대기표를 찾을 수 없습니다.")
    return _view(product, ticket, state, now)


def queue_admit(*, product: Product) -> line.Tick | None:
    """One admission step for one drop (the beat task runs it every second for each live room):
    at the start, the early joins are drawn into a random order once; then lapsed tickets expire
    and the next ones are admitted, within the rate and the units PostgreSQL says are left; with
    none left, or after the window, the line closes. None before the start. The units left are
    read here, after the line's admitted count, whatever `product.stock` says."""
    now = timezone.now()
    status = status_of(product, at=now)
    if status is SaleStatus.UPCOMING:
        return None
    if not line.line_is_shuffled(product_id=product.pk):
        drawn = line.line_early_tickets(product_id=product.pk)
        _draw.shuffle(drawn)
        line.line_shuffle(product_id=product.pk, drawn=drawn)
    # The admitted count first, then the units, read now: an order committing in between took its
    # unit before it leaves the admitted set, so it is counted at least once (line_scripts.TICK_LUA).
    counted = line.line_admitted_count(product_id=product.pk)
    stock = Product.objects.filter(pk=product.pk).values_list("stock", flat=True).first() or 0
    units_left = 0 if status is SaleStatus.ENDED else stock
    tick = line.line_tick(
        product_id=product.pk,
        now_ms=_ms(now),
        units_left=units_left,
        rate=_rate(product),
        ticket_ms=settings.WAITING_ROOM_TICKET_MINUTES * 60_000,
        counted_before=counted,
    )
    label = str(product.pk)
    if tick.admitted:
        ADMITTED.labels(label).inc(tick.admitted)
    if tick.expired:
        EXPIRED.labels(label).inc(tick.expired)
    return tick


def queue_admit_all() -> dict[int, line.Tick]:
    """`queue_admit` for every waiting-room drop that has started and not long ended (fresh rows:
    the stock is read now). A drop whose Redis is unreachable is skipped until the next tick."""
    now = timezone.now()
    rooms = Product.objects.filter(active=True, waiting_room=True, sale_starts_at__lte=now).exclude(
        sale_ends_at__lt=now - timedelta(minutes=1)
    )
    ticks = {}
    for product in rooms:
        try:
            tick = queue_admit(product=product)
        except line.LineUnavailable:
            continue
        if tick is not None:
            ticks[product.pk] = tick
    return ticks


def queue_close_if_sold_out(*, product_id: int) -> None:
    """After an order commits: if it took the last unit, close the line now rather than at the next
    admission tick, so the people waiting learn it at once."""
    product = Product.objects.filter(pk=product_id).only("stock").first()
    if product is not None and product.stock <= 0:
        with contextlib.suppress(line.LineUnavailable):  # else the next admission tick closes it
            line.line_tick(product_id=product_id, now_ms=_ms(timezone.now()), units_left=0, rate=0, ticket_ms=0)


def queue_ticket_require(*, product_id: int, user_id: int, ticket: str | None) -> None:
    """Before an order's transaction: `ticket` is the caller's admitted, unexpired ticket for the
    product. QUEUE_TICKET_REQUIRED otherwise; 503 when Redis cannot say (fail closed)."""
    if not ticket:
        raise QueueTicketRequired("대기열에 입장한 뒤 주문할 수 있습니다.", product_id=product_id)
    try:
        state = line.line_read(product_id=product_id, ticket=ticket, now_ms=_ms(timezone.now()))
    except line.LineUnavailable as exc:
        raise _unavailable() from exc
    if state is None or state.user_id != user_id or state.status != line.ADMITTED:
        raise QueueTicketRequired("입장 가능한 대기표가 아닙니다. 대기열에 다시 참여해 주세요.", product_id=product_id)


def queue_ticket_use(*, product_id: int, user_id: int, ticket: str) -> None:
    """Inside the order's transaction: records the ticket's use (a second order racing with the
    same ticket waits on the unique row, then is refused), and marks it USED in the line once the
    order commits. Lock order: this row comes before the balance row (README, "Orders and payment")."""
    try:
        # no savepoint: a refusal here rolls the whole order back anyway
        QueueTicketUse.objects.create(ticket=ticket, product_id=product_id, user_id=user_id)
    except IntegrityError as exc:
        raise QueueTicketRequired("이미 사용한 대기표입니다.", product_id=product_id) from exc

    def mark_used() -> None:
        try:
            line.line_use(product_id=product_id, ticket=ticket, user_id=user_id, now_ms=_ms(timezone.now()))
            queue_close_if_sold_out(product_id=product_id)
        except line.LineUnavailable:
            pass  # the row above already refuses a second use; the ticket lapses in the line

    transaction.on_commit(mark_used)


def queue_set_paused(*, product_id: int, paused: bool) -> None:
    """Staff: stop or resume admissions (the line keeps its order; joins go on)."""
    try:
        line.line_set_paused(product_id=product_id, paused=paused)
    except line.LineUnavailable as exc:
        raise _unavailable() from exc
