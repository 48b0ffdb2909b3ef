"""First-come-first-served coupon burst: 10,000 distinct users (pre-minted JWTs) hit
POST /api/coupon/issue for one 100-coupon drop; afterwards exactly 100 must have been issued.

.venv/bin/python -m loadtests.bench_coupons [--seconds 5] [--connections 200] [--users 10000]

Uses its own database (`BENCH_DATABASE_NAME`, default shop_bench_coupons) and Redis db
(`BENCH_REDIS_DB`, default 7). Each request carries the next user's token, so every request is a
different user (wrapping around only after all of them were used). wrk counts the expected 409
answers (sold out) as "errors"; the status mix is read back from the database instead.
"""

import argparse
import os
import tempfile

os.environ.setdefault("BENCH_DATABASE_NAME", "shop_bench_coupons")
os.environ.setdefault("BENCH_REDIS_DB", "7")

from loadtests.common import TABLE_HEADER, Server, bench_environment, django_setup, machine_facts, wrk  # noqa: E402

USER_PREFIX = "bench_coupon_"

# Each wrk thread walks its own stride of the token list, so no two requests share a user.
WRK_LUA = """
local tokens, users = {}, {}
local counter, step = 0, 1
local coupon = "%(coupon)d"
local threads_seen = 0

function setup(thread)
  thread:set("offset", threads_seen)
  threads_seen = threads_seen + 1
  thread:set("step", %(threads)d)
end

function init(args)
  for line in io.lines("%(path)s") do
    local uid, token = line:match("^(%%d+) (.+)$")
    users[#users + 1] = uid
    tokens[#tokens + 1] = token
  end
  counter = offset
end

function request()
  local i = (counter %% #tokens) + 1
  counter = counter + step
  local body = '{"userId":' .. users[i] .. ',"couponId":' .. coupon .. '}'
  return wrk.format("POST", "/api/coupon/issue",
    {["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = "application/json"}, body)
end
"""


def seed(n_users: int, quantity: int):
    from django.contrib.auth import get_user_model

    from core.api.authentication import access_token_for
    from coupons.services.drops import coupon_drop_create

    User = get_user_model()
    have = User.objects.filter(username__startswith=USER_PREFIX).count()
    if have < n_users:
        User.objects.bulk_create(
            [User(username=f"{USER_PREFIX}{i:06d}", password="!") for i in range(have, n_users)],
            ignore_conflicts=True,
            batch_size=2000,
        )
    users = list(User.objects.filter(username__startswith=USER_PREFIX).order_by("pk")[:n_users])
    drop = coupon_drop_create(
        name=f"bench drop {quantity}", discount_type="FIXED", discount_value=1000, total_quantity=quantity, valid_days=1
    )
    lines = [f"{u.pk} {access_token_for(u)}" for u in users]  # as /api/auth/token issues them
    return drop, lines


def verify(drop_id: int, quantity: int) -> str:
    from django_redis import get_redis_connection

    from coupons.gate import issued_key, remaining_key
    from coupons.models import CouponDrop, UserCoupon

    drop = CouponDrop.objects.get(pk=drop_id)
    rows = UserCoupon.objects.filter(coupon_id=drop_id).count()
    distinct = UserCoupon.objects.filter(coupon_id=drop_id).values("user_id").distinct().count()
    redis = get_redis_connection("default")
    remaining, members = redis.get(remaining_key(drop_id)), redis.scard(issued_key(drop_id))
    ok = drop.issued_count == rows == distinct == quantity and int(remaining) == 0 and members == quantity
    return (
        f"issued_count={drop.issued_count} user_coupons={rows} distinct_users={distinct} "
        f"redis_remaining={int(remaining)} redis_issued={members} -> {'OK: exactly' if ok else 'MISMATCH: expected'} {quantity}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--quantity", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--wrk-threads", type=int, default=2)
    args = parser.parse_args()
    with bench_environment() as env:
        django_setup(env)
        drop, lines = seed(args.users, args.quantity)
        from django.db import connection

        connection.close()
        with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as tokens:
            tokens.write("\n".join(lines) + "\n")
        script = WRK_LUA % {"coupon": drop.pk, "threads": args.wrk_threads, "path": tokens.name}
        try:
            with Server(env, workers=args.workers, threads=args.threads) as base:
                print(machine_facts())
                print(f"drop #{drop.pk}: {args.quantity} coupons, {len(lines):,} distinct users with tokens")
                result = wrk(
                    f"{base}/api/coupon/issue",
                    connections=args.connections,
                    duration=args.seconds,
                    threads=args.wrk_threads,
                    script=script,
                )
        finally:
            os.unlink(tokens.name)
        print(TABLE_HEADER)
        print(result.row(f"POST /api/coupon/issue ({args.connections} conns)"))
        print(
            f"requests {result.requests:,} in {result.seconds:.1f} s; non-2xx (sold out 409s expected) {result.errors:,}"
        )
        print(verify(drop.pk, args.quantity))


if __name__ == "__main__":
    main()
