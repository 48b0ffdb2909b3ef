"""The lock order of README "Orders and payment" (written once, in orders.services), checked on the
statements an order and a cancel really send: the user's balance row, then the user's coupon,
then the products in ascending id, each product's best-seller shard rows only after its row.

The statements are read from what PostgreSQL is sent (an execute wrapper), and classified by the
table they lock or write, so the check holds whatever SQL the services build (ORM or plain)."""

import re
from dataclasses import dataclass

import pytest
from django.db import connection

from orders.services import order_cancel, order_place
from tests.support.builders import fund, issue_coupon, make_drop, make_product

pytestmark = pytest.mark.django_db(transaction=True)

BALANCE, COUPON, PRODUCT, SHARDS = "balance", "user coupon", "product", "sales shards"
TABLES = {
    BALANCE: "balances_balance",
    COUPON: "coupons_usercoupon",
    PRODUCT: "products_product",
    SHARDS: "products_productsales",
}


@dataclass(frozen=True)
class Lock:
    what: str  # one of BALANCE, COUPON, PRODUCT, SHARDS
    how: str  # "FOR UPDATE", "UPDATE" or "INSERT" (an upsert of shard rows)
    product_ids: tuple[int, ...] = ()


def _table(name: str) -> str:
    return rf'"?{name}"?'


def locks_in(sql: str, params) -> list[Lock]:
    """The row locks one statement takes, in the order it takes them (a CTE's UPDATE before the
    INSERT that selects from it). Reads without FOR UPDATE and inserts of new rows elsewhere
    (orders, lines, ledger, outbox) take no lock an order waits for: an order line's foreign key
    takes a KEY SHARE lock on its product, which the stock UPDATE does not conflict with."""
    text = " ".join(sql.split())
    values = list(params or ())
    found: list[tuple[int, Lock]] = []
    if text.upper().startswith("SELECT") and "FOR UPDATE" in text.upper():
        for what in (BALANCE, COUPON, PRODUCT):
            match = re.search(rf"\bFROM {_table(TABLES[what])}", text)
            if match:
                found.append((match.start(), Lock(what, "FOR UPDATE")))
    for what in (BALANCE, COUPON, PRODUCT, SHARDS):
        for match in re.finditer(rf"\bUPDATE {_table(TABLES[what])} SET\b", text):
            column = {PRODUCT: "id", SHARDS: "product_id"}.get(what)
            ids = _ids_where(text, values, TABLES[what], column) if column else ()
            found.append((match.start(), Lock(what, "UPDATE", ids)))
    for match in re.finditer(rf"\bINSERT INTO {_table(TABLES[SHARDS])}", text):
        if " VALUES " in text:
            ids = _values_first_column(text, values)
        else:  # INSERT ... SELECT id ... FROM taken: the products the same statement's UPDATE took
            ids = _ids_where(text, values, TABLES[PRODUCT], "id")
        found.append((match.start(), Lock(SHARDS, "INSERT", ids)))
    return [lock for _, lock in sorted(found, key=lambda pair: pair[0])]


def _ids_where(text: str, values: list, table: str, column: str) -> tuple[int, ...]:
    """The ids in `WHERE [table.]column = %s` (also `AND ...`), read from the parameters."""
    placeholders = [m.start() for m in re.finditer(r"%s", text)]
    pattern = rf'(?:WHERE|AND) \(?(?:{_table(table)}\.)?"?{column}"? = (%s)'
    return tuple(int(values[placeholders.index(m.start(1))]) for m in re.finditer(pattern, text))


def _values_first_column(text: str, values: list) -> tuple[int, ...]:
    """The first column of each row of `INSERT ... VALUES (%s, ...), (%s, ...)` (the product id)."""
    head, rows = text.split(" VALUES ", 1)
    rows = rows.split(" ON CONFLICT")[0]
    width = re.match(r"\(([^)]*)\)", rows).group(1).count("%s")
    offset = head.count("%s")
    return tuple(int(values[offset + i * width]) for i in range(rows.count("%s") // width))


class LockRecorder:
    """Every row lock the wrapped code takes, statement by statement."""

    def __init__(self):
        self.locks: list[Lock] = []
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        self.locks.extend(locks_in(sql, params))
        return execute(sql, params, many, context)


def record(call) -> LockRecorder:
    recorder = LockRecorder()
    with connection.execute_wrapper(recorder):
        call()
    return recorder


def first_time(locks: list[Lock]) -> list[tuple[str, int | None]]:
    """Each row's first lock, in order: a lock taken again on a row already held waits for nobody."""
    seen: list[tuple[str, int | None]] = []
    for lock in locks:
        keys = [(lock.what, pid) for pid in lock.product_ids] if lock.product_ids else [(lock.what, None)]
        for key in keys:
            if key not in seen:
                seen.append(key)
    return seen


def assert_lock_order(locks: list[Lock], *, products: list[int], with_coupon: bool) -> None:
    order = first_time(locks)
    expected_head = [(BALANCE, None)] + ([(COUPON, None)] if with_coupon else [])
    assert order[: len(expected_head)] == expected_head, order
    product_locks = [pid for what, pid in order if what == PRODUCT]
    assert product_locks == sorted(products), order  # every product, ascending id
    for pid in products:  # a product's shard rows only once its row is held
        assert order.index((SHARDS, pid)) > order.index((PRODUCT, pid)), order
    assert {what for what, _ in order} == {BALANCE, PRODUCT, SHARDS} | ({COUPON} if with_coupon else set()), order


@pytest.fixture
def cart(user):
    """A funded user, a coupon of theirs, and three products created so their ids are not in the
    order the lines will name them."""
    fund(user, 100_000)
    products = [make_product(price=1_000 * (i + 1), stock=10) for i in range(3)]
    drop = make_drop(discount_value=500)
    issue_coupon(user, drop)
    lines = [(products[2].pk, 1), (products[0].pk, 2), (products[1].pk, 1)]
    return {"user": user, "drop": drop, "lines": lines, "ids": [p.pk for p in products]}


def test_an_order_with_a_coupon_locks_balance_then_coupon_then_products_ascending(cart):
    recorder = record(lambda: order_place(user_id=cart["user"].pk, lines=cart["lines"], coupon_id=cart["drop"].pk))

    assert recorder.locks[0] == Lock(BALANCE, "FOR UPDATE")
    assert recorder.locks[1] == Lock(COUPON, "FOR UPDATE")
    assert_lock_order(recorder.locks, products=cart["ids"], with_coupon=True)


def test_an_order_without_a_coupon_locks_balance_then_products_ascending(cart):
    recorder = record(lambda: order_place(user_id=cart["user"].pk, lines=cart["lines"]))

    assert recorder.locks[0].what == BALANCE
    assert_lock_order(recorder.locks, products=cart["ids"], with_coupon=False)


def test_a_cancel_takes_the_same_locks_in_the_same_order(cart):
    order = order_place(user_id=cart["user"].pk, lines=cart["lines"], coupon_id=cart["drop"].pk)

    recorder = record(lambda: order_cancel(order_id=order.pk, actor=cart["user"]))

    assert recorder.locks[0] == Lock(BALANCE, "FOR UPDATE")
    assert_lock_order(recorder.locks, products=cart["ids"], with_coupon=True)


def test_the_recorder_sees_each_kind_of_statement():
    """The classifier itself, on the statement shapes the services send today (plain SQL and ORM)."""
    assert locks_in("SELECT amount FROM balances_balance WHERE user_id = %s FOR UPDATE", [1]) == [
        Lock(BALANCE, "FOR UPDATE")
    ]
    assert locks_in(
        'SELECT "coupons_usercoupon"."id" FROM "coupons_usercoupon" INNER JOIN "coupons_coupondrop" ON (1) '
        'WHERE "coupons_usercoupon"."user_id" = %s LIMIT 1 FOR UPDATE OF "coupons_usercoupon"',
        [1],
    ) == [Lock(COUPON, "FOR UPDATE")]
    sell = (
        "WITH taken AS (UPDATE products_product SET stock = stock - %s WHERE id = %s AND stock >= %s RETURNING id) "
        "INSERT INTO products_productsales (product_id, day, shard, quantity) SELECT id, %s, %s, %s FROM taken "
        "ON CONFLICT (day, product_id, shard) DO UPDATE SET quantity = products_productsales.quantity + 1"
    )
    assert locks_in(sell, [2, 42, 2, "2026-12-02", 3, 2]) == [
        Lock(PRODUCT, "UPDATE", (42,)),
        Lock(SHARDS, "INSERT", (42,)),
    ]
    restore = (
        'UPDATE "products_product" SET "stock" = ("products_product"."stock" + %s) WHERE "products_product"."id" = %s'
    )
    assert locks_in(restore, [1, 7]) == [Lock(PRODUCT, "UPDATE", (7,))]
    revert = (
        "INSERT INTO products_productsales (product_id, day, shard, quantity) VALUES (%s, %s, %s, %s), (%s, %s, %s, %s) "
        "ON CONFLICT (day, product_id, shard) DO UPDATE SET quantity = products_productsales.quantity + EXCLUDED.quantity"
    )
    assert locks_in(revert, [7, "d", 1, -1, 9, "d", 2, -1]) == [Lock(SHARDS, "INSERT", (7, 9))]
    assert locks_in('INSERT INTO "orders_order" ("user_id") VALUES (%s) RETURNING "orders_order"."id"', [1]) == []


GOOD = [
    Lock(BALANCE, "FOR UPDATE"),
    Lock(COUPON, "FOR UPDATE"),
    Lock(PRODUCT, "UPDATE", (1,)),
    Lock(SHARDS, "INSERT", (1,)),
    Lock(PRODUCT, "UPDATE", (2,)),
    Lock(SHARDS, "INSERT", (2,)),
]


def test_the_check_accepts_the_lock_order():
    assert_lock_order(GOOD, products=[1, 2], with_coupon=True)


@pytest.mark.parametrize(
    "locks",
    [
        pytest.param([GOOD[1], GOOD[0], *GOOD[2:]], id="coupon before balance"),
        pytest.param([*GOOD[:2], GOOD[4], GOOD[5], GOOD[2], GOOD[3]], id="products descending"),
        pytest.param([*GOOD[:2], GOOD[3], GOOD[2], *GOOD[4:]], id="a shard before its product"),
        pytest.param([GOOD[2], *GOOD[:2], *GOOD[3:]], id="a product before the balance"),
    ],
)
def test_the_check_refuses_the_orders_that_could_deadlock(locks):
    with pytest.raises(AssertionError):
        assert_lock_order(locks, products=[1, 2], with_coupon=True)
