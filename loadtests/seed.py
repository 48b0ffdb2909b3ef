"""The benchmark data set, written in bulk into the bench database (never the site's own).

- 100,000 products through `manage.py seed_products` (COPY);
- 10,000 shoppers with unusable passwords (no per-user hashing) and a balance of 1,000,000 won,
  each with its matching CHARGE ledger row, so Σ ledger = balance holds from the start;
- a pre-minted JWT access token per shopper (`core.api.authentication.access_token_for`), in `tokens.txt` as
  `userId token` lines, for wrk, the open-model generator and Locust;
- a 100-coupon drop (through the coupons service, which readies its Redis gate) and a hot product
  with stock 1,000,000 (through the products service).

The ids the scenarios need go to `context.json`. Call `seed()` after `django_setup(env)`.
"""

import json
import time
from pathlib import Path

USERS = 10_000
PRODUCTS = 100_000
INITIAL_BALANCE = 1_000_000
COUPONS = 100
HOT_STOCK = 1_000_000
HOT_PRICE = 1_000
USERNAME_PREFIX = "bench"


def seed_users(*, count: int = USERS, balance: int = INITIAL_BALANCE, prefix: str = USERNAME_PREFIX) -> list:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from balances.models import Balance, LedgerEntry

    user_model = get_user_model()
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            [user_model(username=f"{prefix}{n:05d}", password=make_password(None)) for n in range(count)],
            batch_size=2000,
        )
        # The bulk path of `balance_charge`: one CHARGE ledger row per balance, with the same amount,
        # in the same transaction (SPEC §1's invariant holds from the first row).
        Balance.objects.bulk_create([Balance(user_id=u.pk, amount=balance) for u in users], batch_size=2000)
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(user_id=u.pk, type=LedgerEntry.Type.CHARGE, amount=balance, balance_after=balance)
                for u in users
            ],
            batch_size=2000,
        )
    return users


def write_tokens(users: list, path: Path) -> None:
    from core.api.authentication import access_token_for

    # The same access token `/api/auth/token` issues (with its staff claim), without hashing a password.
    with path.open("w", encoding="ascii") as fh:
        for user in users:
            fh.write(f"{user.pk} {access_token_for(user)}\n")


def seed_drop_and_hot_product() -> tuple[int, int]:
    from coupons.services.drops import coupon_drop_create
    from products.services import product_create

    drop = coupon_drop_create(
        name="[벤치마크] 선착순 5,000원 할인",
        discount_type="FIXED",
        discount_value=5000,
        total_quantity=COUPONS,
        valid_days=7,
    )
    hot = product_create(name="[타임세일] 한정 특가 텀블러", price=HOT_PRICE, stock=HOT_STOCK, description="벤치마크용")
    return drop.pk, hot.pk


def seed(env: dict, out_dir: Path, *, products: int = PRODUCTS, users: int = USERS) -> dict:
    """Seeds everything (the database is expected to be fresh) and returns the context."""
    from loadtests.common import manage

    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    manage(env, "seed_products", "--count", str(products))
    products_s = time.monotonic() - started

    from products.models import Product

    started = time.monotonic()
    created = seed_users(count=users)
    tokens = out_dir / "tokens.txt"
    write_tokens(created, tokens)
    coupon_id, hot_id = seed_drop_and_hot_product()
    context = {
        "couponId": coupon_id,
        "couponQuantity": COUPONS,
        "hotProductId": hot_id,
        "hotStock": HOT_STOCK,
        "maxProductId": Product.objects.order_by("-pk").values_list("pk", flat=True).first(),
        "users": len(created),
        "initialBalance": INITIAL_BALANCE,
        "tokensFile": str(tokens),
        "seedSeconds": {"products": round(products_s, 1), "usersTokensDropHot": round(time.monotonic() - started, 1)},
    }
    (out_dir / "context.json").write_text(json.dumps(context, indent=2))
    return context
