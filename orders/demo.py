"""Demo orders: a few days of purchases by demo buyers, placed through `order_place` (so stock,
balances, best-seller counts and outbox events are all real), so that a first local run shows best
sellers and the admin's charts. Idempotent: nothing is placed once the first demo buyer has orders."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from balances.errors import InsufficientBalance
from balances.services import balance_charge
from orders.models import Order
from orders.services import order_cancel, order_place
from products.errors import OutOfStock
from products.models import Product

BUYERS = [f"demo-buyer-{n}" for n in range(1, 7)]
ORDERS = 90
DAYS = 3  # the best sellers' window: today and the two days before
CANCEL_EVERY = 12  # every 12th order is cancelled again, so the view has cancels too


def _buyers() -> list[int]:
    User = get_user_model()
    ids = []
    for username in BUYERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()  # demo buyers never log in
            user.save(update_fields=["password"])
            balance_charge(user_id=user.pk, amount=1_000_000)
        ids.append(user.pk)
    return ids


def load_demo_orders(*, now=None) -> int:
    """Places ORDERS orders spread over the last DAYS days (more in the last 24 hours, most in the
    evening), a few cancelled; returns how many were placed."""
    now = now or timezone.now()
    buyers = _buyers()
    if Order.objects.filter(user_id=buyers[0]).exists():
        return 0
    rng = random.Random(20261202)  # noqa: S311 (demo data, not security)
    # a few products sell well (best sellers), the rest now and then
    # not the timed drops: their windows and limits are not the point of these orders
    products = list(
        Product.objects.filter(active=True, sale_starts_at__isnull=True, sale_ends_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not products:
        return 0
    favourites = products[:: max(1, len(products) // 8)][:8]
    moments = sorted(
        now - timedelta(minutes=rng.randint(1, 24 * 60) if n % 3 else rng.randint(24 * 60, DAYS * 24 * 60 - 30))
        for n in range(ORDERS)
    )
    placed = 0
    for n, moment in enumerate(moments):
        pool = favourites if rng.random() < 0.6 else products
        lines = {rng.choice(pool): rng.randint(1, 3) for _ in range(rng.randint(1, 2))}
        buyer = buyers[n % len(buyers)]
        try:
            try:
                order = order_place(user_id=buyer, lines=list(lines.items()), placed_at=moment)
            except InsufficientBalance:
                balance_charge(user_id=buyer, amount=1_000_000)
                order = order_place(user_id=buyer, lines=list(lines.items()), placed_at=moment)
        except OutOfStock:
            continue
        placed += 1
        if n % CANCEL_EVERY == CANCEL_EVERY - 1:
            order_cancel(order_id=order.pk, actor=order.user)
    return placed
