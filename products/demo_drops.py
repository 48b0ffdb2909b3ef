"""Demo timed drops (타임딜) for a local run: one live, one opening about ten minutes after the first
run (a newcomer watches its countdown reach zero), one sold out and one ended. The live one has its
waiting room on (대기열, SPEC §10), so a newcomer joins its line, is admitted by beat's next tick and
buys. Idempotent: matched by name, created once with times relative to that first run, never moved
by later runs."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from products import cache
from products.models import Product

# (name, price, 정가, stock, per-customer limit, start and end relative to the first run)
DEMO_DROPS = [
    ("[타임딜] 한결 프리미엄 한우 선물세트", 59_000, 99_000, 50, 1, timedelta(hours=-1), timedelta(days=3)),
    ("[타임딜] 다온 무선 노이즈캔슬링 헤드폰", 89_000, 159_000, 30, 1, timedelta(minutes=10), timedelta(days=2)),
    ("[타임딜] 새봄 제주 한라봉 3kg", 19_900, 32_000, 0, 2, timedelta(hours=-3), timedelta(days=1)),
    ("[타임딜] 푸른숲 캠핑 의자 2개 세트", 39_000, 69_000, 12, 2, timedelta(days=-3), timedelta(days=-1)),
]
# The drop with a waiting room, and its pace (admitPerSecond): a demo line of a few shoppers moves
# one a second, slow enough to watch.
WAITING_ROOM_DROP = DEMO_DROPS[0][0]
WAITING_ROOM_ADMIT_PER_SECOND = 1


def load_demo_drops() -> int:
    """Adds the demo drops that are not there yet; returns how many were added."""
    now = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        existing = set(Product.objects.filter(name__in=[drop[0] for drop in DEMO_DROPS]).values_list("name", flat=True))
        missing = [
            Product(
                name=name,
                description=f"{name.removeprefix('[타임딜] ')}. 정해진 시간에만 열리는 한정 수량 타임딜입니다.",
                price=price,
                list_price=list_price,
                stock=stock,
                per_customer_limit=limit,
                sale_starts_at=now + starts,
                sale_ends_at=now + ends,
                waiting_room=name == WAITING_ROOM_DROP,
                admit_per_second=WAITING_ROOM_ADMIT_PER_SECOND if name == WAITING_ROOM_DROP else None,
            )
            for name, price, list_price, stock, limit, starts, ends in DEMO_DROPS
            if name not in existing
        ]
        Product.objects.bulk_create(missing)
        if missing:
            cache.bump_version_on_commit()
    return len(missing)
