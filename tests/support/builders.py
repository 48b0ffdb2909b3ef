"""Setup through the apps' own services wherever they have one, so a test starts from a state the
shop itself could have produced; and the snapshot a failed order is checked against."""

from datetime import timedelta

from django.utils import timezone

from addresses.services import address_create
from balances.selectors import balance_get
from balances.services import balance_charge
from coupons.models import CouponDrop
from coupons.services.drops import coupon_drop_create
from coupons.services.issue import coupon_issue
from dataplatform.models import OutboxEvent
from orders.models import Order
from products.models import Product
from products.services import product_create
from tests.support.factories import ProductFactory


def make_product(*, price: int = 1_000, stock: int = 10, name: str = "테스트 상품", active: bool = True) -> Product:
    return ProductFactory(name=name, description="", price=price, stock=stock, active=active)


def fund(user, amount: int) -> None:
    """Charges `amount` in steps the charge API accepts."""
    while amount > 0:
        step = min(amount, 1_000_000)
        balance_charge(user_id=user.pk, amount=step)
        amount -= step


def balance_of(user) -> int:
    return balance_get(user_id=user.pk).amount


def make_drop(**overrides) -> CouponDrop:
    """A drop saved by the staff service (its Redis gate built), open from now, 1,000원 off."""
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


def issue_coupon(user, drop: CouponDrop):
    """The coupon issued through the gate, as a shopper would get it."""
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


_order_ids = iter(range(1000, 10**9))


def order_body(*, order_id: int | None = None, status: str = "PAID", user_id: int = 7) -> dict:
    """An order in API.md's shape, as the orders app hands it to `event_emit`."""
    created = timezone.now() - timedelta(seconds=3)
    items = [
        {"productId": 11, "name": "한정판 운동화", "unitPrice": 129000, "quantity": 1, "amount": 129000},
        {"productId": 12, "name": "양말 3켤레", "unitPrice": 9900, "quantity": 2, "amount": 19800},
    ]
    total = sum(i["amount"] for i in items)
    return {
        "orderId": order_id or next(_order_ids),
        "userId": user_id,
        "status": status,
        "items": items,
        "totalAmount": total,
        "discountAmount": 5000,
        "paidAmount": total - 5000,
        "couponId": 3,
        "createdAt": created.isoformat(),
        "cancelledAt": timezone.now().isoformat() if status == "CANCELLED" else None,
    }


# An address as the API takes it (API.md "Delivery addresses").
ADDRESS_BODY = {
    "recipient": "김사과",
    "phone": "010-1234-5678",
    "postalCode": "06236",
    "address": "서울특별시 강남구 테헤란로 152",
    "addressDetail": "12층 1201호",
    "memo": "문 앞에 놓아 주세요",
}


def make_address(user, **overrides):
    """An address-book entry through the service (the first one becomes the default)."""
    values = {
        "recipient": "김사과",
        "phone": "010-1234-5678",
        "postal_code": "06236",
        "address": "서울특별시 강남구 테헤란로 152",
        "address_detail": "12층 1201호",
        "memo": "",
    } | overrides
    return address_create(user_id=user.pk, **values)


def make_room_drop(*, stock: int = 10, name: str = "대기열 한정 스니커즈", started_minutes_ago: int = 5):
    """A live timed drop (limit 1, 정가 shown) with its waiting room on, admitting one a second."""
    return product_create(
        name=name,
        price=39_000,
        list_price=89_000,
        stock=stock,
        per_customer_limit=1,
        sale_starts_at=timezone.now() - timedelta(minutes=started_minutes_ago),
        waiting_room=True,
        admit_per_second=1,
    )
