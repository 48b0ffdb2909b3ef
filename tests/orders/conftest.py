"""Setup for order tests, through the other apps' own services wherever they have one."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from balances.selectors import balance_get
from balances.services import balance_charge
from coupons.models import CouponDrop
from coupons.services import coupon_drop_create, coupon_issue
from dataplatform.models import OutboxEvent
from orders.models import Order
from products.models import Product


def make_product(*, price: int = 1_000, stock: int = 10, name: str = "테스트 상품", active: bool = True) -> Product:
    return Product.objects.create(name=name, description="", price=price, stock=stock, active=active)


def fund(user, amount: int) -> None:
    while amount > 0:
        step = min(amount, 1_000_000)
        balance_charge(user_id=user.pk, amount=step)
        amount -= step


def balance_of(user) -> int:
    return balance_get(user_id=user.pk).amount


def make_drop(**overrides) -> CouponDrop:
    values = {
        "name": "테스트 쿠폰",
        "discount_type": "FIXED",
        "discount_value": 1_000,
        "max_discount_amount": None,
        "min_order_amount": None,
        "total_quantity": 100,
        "issue_starts_at": timezone.now(),
        "issue_ends_at": None,
        "valid_days": 7,
    } | overrides
    return coupon_drop_create(**values)


def give_coupon(user, drop: CouponDrop):
    return coupon_issue(user_id=user.pk, coupon_id=drop.pk)


def snapshot(*, users=(), products=(), drops=()) -> dict:
    """Everything an order touches, so a failed order can be checked to have left no trace."""
    from balances.models import LedgerEntry
    from coupons.models import UserCoupon
    from products.selectors import best_sellers

    return {
        "balances": {u.pk: balance_of(u) for u in users},
        "ledger": LedgerEntry.objects.count(),
        "stock": {p.pk: Product.objects.get(pk=p.pk).stock for p in products},
        "coupons": sorted(UserCoupon.objects.filter(coupon__in=drops).values_list("id", "status", "used_at")),
        "orders": Order.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "top": best_sellers(),
    }


def run_concurrently(calls, *, workers: int = 40):
    """Runs the callables on `workers` threads released together; returns each call's result or
    exception, in order. Threads close their database connections when done."""
    start = threading.Event()

    def run(call):
        start.wait()
        try:
            return call()
        except Exception as error:  # the caller asserts on which errors came back
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, call) for call in calls]
        start.set()
        return [future.result() for future in futures]


@pytest.fixture
def shopper(user):
    fund(user, 100_000)
    return user
