"""How far one PostgreSQL primary goes for the purchase's writes, with pgbench (docs/scaling.md).

    python3 -m loadtests.pgbench_ceiling [--seconds 10] [--clients 8] [--database pgbench_shop]

Against a scratch database of its own on the local server (dropped and recreated), it runs the
statements of one order (the balance row's conditional UPDATE, its ledger INSERT, the order
INSERT, the product's conditional stock UPDATE, in one transaction, products last as in
order_place) twice: every transaction on ONE hot product row (a flash sale), and spread over
10,000 products. Python, Django and the network are not in it: this is the primary's ceiling.
"""

import argparse
import os
import re
import subprocess
import tempfile
from pathlib import Path

SCHEMA = """
DROP TABLE IF EXISTS bench_balance, bench_ledger, bench_order, bench_product;
CREATE TABLE bench_balance (user_id int PRIMARY KEY, amount bigint NOT NULL CHECK (amount >= 0));
CREATE TABLE bench_ledger (id bigserial PRIMARY KEY, user_id int NOT NULL, amount bigint NOT NULL,
                           balance_after bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_order (id bigserial PRIMARY KEY, user_id int NOT NULL, paid bigint NOT NULL,
                          created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench_product (id int PRIMARY KEY, stock bigint NOT NULL CHECK (stock >= 0));
INSERT INTO bench_balance SELECT g, 1000000000 FROM generate_series(1, 10000) g;
INSERT INTO bench_product SELECT g, 1000000000 FROM generate_series(1, 10000) g;
VACUUM ANALYZE;
"""

ORDER = """
\\set uid random(1, 10000)
\\set pid {product}
BEGIN;
UPDATE bench_balance SET amount = amount - 1000 WHERE user_id = :uid AND amount >= 1000 RETURNING amount \\gset
INSERT INTO bench_ledger (user_id, amount, balance_after) VALUES (:uid, -1000, :amount);
INSERT INTO bench_order (user_id, paid) VALUES (:uid, 1000);
UPDATE bench_product SET stock = stock - 1 WHERE id = :pid AND stock >= 1;
COMMIT;
"""


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1"], input=sql, text=True, check=True)


def run(*, admin_url: str, database: str, seconds: int, clients: int) -> dict[str, float]:
    _psql(admin_url, f'DROP DATABASE IF EXISTS "{database}";\nCREATE DATABASE "{database}";')
    url = admin_url.rsplit("/", 1)[0] + f"/{database}"
    _psql(url, SCHEMA)
    results = {}
    try:
        for name, product in (("one hot product", "1"), ("spread over 10,000 products", "random(1, 10000)")):
            with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
                script.write(ORDER.format(product=product))
            out = subprocess.run(
                ["pgbench", "-n", "-f", script.name, "-c", str(clients), "-j", "2", "-T", str(seconds), url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            Path(script.name).unlink()
            tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
            latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
            results[name] = tps
            print(f"{name:30} {tps:9,.0f} orders/s   latency avg {latency:6.2f} ms   ({clients} clients)", flush=True)
    finally:
        _psql(admin_url, f'DROP DATABASE IF EXISTS "{database}";')
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", default="pgbench_shop")
    parser.add_argument(
        "--admin-url", default=os.environ.get("PGBENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    print(f"==> load average before: {os.getloadavg()[0]:.2f}", flush=True)
    run(admin_url=args.admin_url, database=args.database, seconds=args.seconds, clients=args.clients)
    print(f"==> load average after: {os.getloadavg()[0]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
