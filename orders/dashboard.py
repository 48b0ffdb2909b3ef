"""The admin index as an operations view (SPEC §11): today's orders, revenue and cancels, orders
per 10 minutes over the last 24 hours as a server-rendered SVG chart, the live and upcoming
product drops with units sold and left (and their waiting rooms), and the coupon drops taking
place; dataplatform's own `outbox_summary` shows the outbox beside it. Reads only, a fixed number
of queries whatever the data (tests/orders/test_dashboard.py pins it). Lives in `orders` because
orders is the app allowed to read all the others."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from coupons.selectors import coupon_list_open
from orders.models import Order
from products.drops import SaleStatus, sale_status
from products.selectors import SEOUL, drops_open, units_sold
from waiting_room.line import LineUnavailable, line_counts

STATUS_LABELS = {
    SaleStatus.UPCOMING: "예정",
    SaleStatus.ON_SALE: "판매 중",
    SaleStatus.SOLD_OUT: "품절",
    SaleStatus.ENDED: "종료",
}
BUCKET = timedelta(minutes=10)
WINDOW = timedelta(hours=24)
BUCKETS = WINDOW // BUCKET
# the chart's drawing box, in SVG user units (it scales to the admin's width)
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_LEFT, CHART_BOTTOM = 720, 200, 16, 36, 24


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    starts_at: datetime


def today_start(now: datetime) -> datetime:
    local = timezone.localtime(now, SEOUL)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def today_numbers(*, now: datetime) -> dict:
    """Orders placed today (Asia/Seoul), the revenue of those still paid, and today's cancels
    (of any day's orders): two queries, on the created_at BRIN and the cancelled_at index."""
    start = today_start(now)
    placed = Order.objects.filter(created_at__gte=start, created_at__lte=now).aggregate(
        orders=Count("id"),
        revenue=Sum("paid_amount", filter=Q(status=Order.Status.PAID), default=0),
        discount=Sum("discount_amount", filter=Q(status=Order.Status.PAID), default=0),
    )
    cancelled = Order.objects.filter(cancelled_at__gte=start, cancelled_at__lte=now).aggregate(
        cancels=Count("id"), refunded=Sum("paid_amount", default=0)
    )
    return {**placed, **cancelled, "since": start}


def _window_start(now: datetime) -> datetime:
    """The first bucket's start: 24 hours before the end of the current 10 minutes."""
    epoch = datetime(2000, 1, 1, tzinfo=SEOUL)
    current = epoch + ((now - epoch) // BUCKET) * BUCKET
    return current + BUCKET - WINDOW


def orders_per_bucket(*, now: datetime) -> list[tuple[datetime, int]]:
    """(bucket start, orders placed in it) for the BUCKETS 10-minute buckets ending with the
    current one, zeros included; one GROUP BY over the last 24 hours of orders."""
    start = _window_start(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT date_bin(%s, created_at, %s) AS bucket, count(*) FROM {Order._meta.db_table} "  # noqa: S608
            "WHERE created_at >= %s AND created_at <= %s GROUP BY 1",
            [BUCKET, start, start, now],  # type: ignore[list-item]  # psycopg adapts a timedelta
        )
        counts = dict(cursor.fetchall())
    return [(start + i * BUCKET, counts.get(start + i * BUCKET, 0)) for i in range(BUCKETS)]


def chart(buckets: list[tuple[datetime, int]]) -> dict:
    """Bars, a y-axis top that is a round number, and hour ticks every 4 hours."""
    peak = max((count for _, count in buckets), default=0)
    top = _round_up(max(peak, 1))
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / len(buckets)
    bars = []
    ticks = []
    for i, (starts_at, count) in enumerate(buckets):
        height = plot_height * count / top
        x = CHART_LEFT + i * slot
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(CHART_TOP + plot_height - height, 2),
                width=round(slot * 0.8, 2),
                height=round(height, 2),
                count=count,
                starts_at=starts_at,
            )
        )
        local = timezone.localtime(starts_at, SEOUL)
        if local.minute == 0 and local.hour % 4 == 0:
            ticks.append({"x": round(x, 2), "label": f"{local.hour:02d}시"})
    total = sum(count for _, count in buckets)
    peak_at = max(buckets, key=lambda b: b[1])[0] if peak else None
    return {
        "bars": bars,
        "ticks": ticks,
        "top": top,
        "total": total,
        "peak": peak,
        "peak_at": peak_at,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "plot_top": CHART_TOP,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - 6,
        "mid": top // 2 if top >= 2 else None,
        "mid_y": round(CHART_TOP + plot_height / 2, 2),
    }


def _round_up(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above `value`, so the axis reads in round numbers."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step:
                return factor * step
        step *= 10


def coupon_drops_now(*, now: datetime) -> list[dict]:
    """The coupon drops whose window has not ended: issued, left, and the share issued."""
    rows = []
    for drop in coupon_list_open(now=now):
        left = drop.remaining_quantity
        issued = drop.total_quantity - left
        rows.append(
            {
                "drop": drop,
                "issued": issued,
                "left": left,
                "percent": round(100 * issued / drop.total_quantity) if drop.total_quantity else 0,
                "started": drop.issue_starts_at <= now,
            }
        )
    return rows


def product_drops_now(*, now: datetime) -> list[dict]:
    """The product drops that have not ended (upcoming, on sale or sold out): units sold (paid
    minus cancelled), units left, the share sold and, for a drop with a waiting room, its line
    as the waiting-room admin shows it (None when Redis does not answer). Two queries."""
    rows = drops_open(at=now)
    sold = units_sold(product_ids=[row["id"] for row in rows])
    drops = []
    for row in rows:
        units = sold.get(row["id"], 0)
        allotment = units + row["stock"]
        drops.append(
            {
                "product": row,
                "status": STATUS_LABELS[
                    sale_status(
                        starts_at=row["sale_starts_at"], ends_at=row["sale_ends_at"], stock=row["stock"], at=now
                    )
                ],
                "sold": units,
                "left": row["stock"],
                "percent": round(100 * units / allotment) if allotment else 0,
                "line": _line(row["id"]) if row["waiting_room"] else None,
            }
        )
    return drops


def _line(product_id: int) -> dict | None:
    try:
        return line_counts(product_id=product_id)
    except LineUnavailable:
        return None


def operations_view(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "now": now,
        "today": today_numbers(now=now),
        "chart": chart(orders_per_bucket(now=now)),
        "product_drops": product_drops_now(now=now),
        "coupon_drops": coupon_drops_now(now=now),
    }
