"""The benchmark scenarios as data, shared by the wrk Lua (closed model) and `openloop` (open model).

A scenario is a weighted mix of request kinds. A kind is a method, the paths it cycles through, an
optional JSON body with `{user}` where the caller's user id goes, and whether it sends the caller's
bearer token. Requests that need a user take the next user from the tokens file, so consecutive
requests are different users (each user reappears only after all the others have had a turn).

Answers that are the shop doing its job under a stampede (a sold-out coupon, an out-of-stock
product) are `expected`; 429 is counted on its own; anything else that is not 2xx is an error.
"""

import json
from dataclasses import dataclass, field
from urllib.parse import quote

KEYWORDS = ["사과", "한우", "키보드", "이어폰", "텀블러", "유기농", "무선", "캠핑", "수건", "원두", "감귤", "프리미엄"]


@dataclass(frozen=True)
class Kind:
    name: str
    method: str
    paths: tuple[str, ...]
    body: str = ""  # JSON with the literal `{user}` where the caller's id goes
    auth: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    mix: tuple[tuple[Kind, int], ...]
    expected: frozenset[str] = field(default_factory=frozenset)  # "409:COUPON_SOLD_OUT", ...
    target_rps: int | None = None
    target_p99_ms: int = 100

    @property
    def needs_users(self) -> bool:
        return any(kind.auth for kind, _ in self.mix)

    def sequence(self) -> list[int]:
        """Kind indexes in a fixed, interleaved order with the mix's weights (smooth weighted round
        robin), so any window of the run sees the mix, not blocks of one kind."""
        weights = [weight for _, weight in self.mix]
        total = sum(weights)
        current = [0] * len(weights)
        out = []
        for _ in range(total):
            current = [c + w for c, w in zip(current, weights, strict=True)]
            best = max(range(len(weights)), key=lambda i: current[i])
            current[best] -= total
            out.append(best)
        return out


def kinds(*, coupon_id: int, hot_product_id: int, max_product_id: int, drop_product_id: int = 0) -> dict[str, Kind]:
    step = max(1, max_product_id // 997)
    return {
        "health": Kind("health", "GET", ("/api/health",)),
        # 50 list pages of 20: with a 10 s TTL they are nearly always cache hits (SPEC §2 staleness).
        "list": Kind("list", "GET", tuple(f"/api/products?page={p}&size=20" for p in range(50))),
        "search": Kind("search", "GET", tuple(f"/api/products?keyword={quote(kw)}&page=0&size=20" for kw in KEYWORDS)),
        "detail": Kind("detail", "GET", tuple(f"/api/products/{1 + (n * step) % max_product_id}" for n in range(997))),
        "top": Kind("top", "GET", ("/api/products/top",)),
        "coupon": Kind(
            "coupon", "POST", ("/api/coupon/issue",), body=f'{{"userId":{{user}},"couponId":{coupon_id}}}', auth=True
        ),
        "charge": Kind("charge", "POST", ("/api/balance/charge",), body='{"userId":{user},"amount":1000}', auth=True),
        "order": Kind(
            "order",
            "POST",
            ("/api/orders",),
            body=f'{{"userId":{{user}},"products":[{{"productId":{hot_product_id},"quantity":1}}]}}',
            auth=True,
        ),
        # An order for the timed drop (loadtests.bench_drop), once it has sold out: every answer loses.
        "droplost": Kind(
            "droplost",
            "POST",
            ("/api/orders",),
            body=f'{{"userId":{{user}},"products":[{{"productId":{drop_product_id},"quantity":1}}]}}',
            auth=True,
        ),
    }


COUPON_EXPECTED = frozenset({"409:COUPON_SOLD_OUT", "409:COUPON_ALREADY_ISSUED"})
ORDER_EXPECTED = frozenset({"409:OUT_OF_STOCK"})
DROP_LOST_EXPECTED = frozenset({"409:OUT_OF_STOCK", "409:PURCHASE_LIMIT_EXCEEDED"})


def scenarios(
    *, coupon_id: int, hot_product_id: int, max_product_id: int, drop_product_id: int = 0
) -> dict[str, Scenario]:
    k = kinds(
        coupon_id=coupon_id,
        hot_product_id=hot_product_id,
        max_product_id=max_product_id,
        drop_product_id=drop_product_id,
    )
    out = [
        Scenario("health", "/api/health (baseline)", ((k["health"], 1),)),
        Scenario("list", "product list, cached pages", ((k["list"], 1),), target_rps=2000),
        Scenario("browse", "browse + search + detail", ((k["list"], 5), (k["search"], 3), (k["detail"], 2))),
        Scenario("top", "best sellers /top", ((k["top"], 1),), target_rps=2500),
        Scenario("coupon", "coupon-drop stampede (100 coupons)", ((k["coupon"], 1),), COUPON_EXPECTED, 1500),
        Scenario("charge", "balance charge", ((k["charge"], 1),), target_rps=800),
        Scenario("order", "hot-product order (qty 1)", ((k["order"], 1),), ORDER_EXPECTED, 400, 200),
        Scenario(
            "mix",
            "realistic sale mix",
            (
                (k["list"], 30),
                (k["search"], 10),
                (k["detail"], 15),
                (k["top"], 15),
                (k["coupon"], 15),
                (k["order"], 10),
                (k["charge"], 5),
            ),
            COUPON_EXPECTED | ORDER_EXPECTED,
            target_p99_ms=200,
        ),
        # After the `drop` stampede (loadtests.bench_drop): losing a drop must cost no more than a
        # coupon issue (issue 18's target, × health compared in the same run).
        Scenario("droplost", "sold-out drop: losing orders (limit 1)", ((k["droplost"], 1),), DROP_LOST_EXPECTED),
    ]
    return {s.name: s for s in out}


# --- wrk (closed model) ------------------------------------------------------------------------


def _lua_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string literal is a valid Lua string literal here


def wrk_lua(scenario: Scenario, *, tokens_file: str, threads: int) -> str:
    """The wrk script for `scenario`: requests in the mix's order, a different user per request
    (thread t of T takes users t, t+T, t+2T, ...), answers counted by status and problem `code`."""
    kind_rows = []
    for kind, _ in scenario.mix:
        paths = ", ".join(_lua_str(p) for p in kind.paths)
        if kind.body:
            before, after = kind.body.split("{user}")
            body = f"{{{_lua_str(before)}, {_lua_str(after)}}}"
        else:
            body = "nil"
        kind_rows.append(
            f'  {{method = "{kind.method}", paths = {{{paths}}}, body = {body}, auth = {str(kind.auth).lower()}}},'
        )
    sequence = ", ".join(str(i + 1) for i in scenario.sequence())
    return f"""
local kinds = {{
{chr(10).join(kind_rows)}
}}
local sequence = {{{sequence}}}
local tokens_file = {_lua_str(tokens_file)}
local thread_count = {threads}

init = function(args)
  statuses = {{}}
  users = {{}}
  if {str(scenario.needs_users).lower()} then
    for line in io.lines(tokens_file) do
      local id, token = line:match("^(%d+) (%S+)$")
      if id then users[#users + 1] = {{id, "Bearer " .. token}} end
    end
  end
  user_cursor = (thread_index or 1) - 1
  seq_cursor = (thread_index or 1) - 1
  path_cursor = {{}}
  for i = 1, #kinds do path_cursor[i] = (thread_index or 1) - 1 end
end

request = function()
  seq_cursor = seq_cursor + 1
  local ki = sequence[(seq_cursor % #sequence) + 1]
  local kind = kinds[ki]
  path_cursor[ki] = path_cursor[ki] + 1
  local path = kind.paths[(path_cursor[ki] % #kind.paths) + 1]
  if not kind.auth then
    return wrk.format(kind.method, path)
  end
  local user = users[(user_cursor % #users) + 1]
  user_cursor = user_cursor + thread_count
  local headers = {{["Authorization"] = user[2], ["Content-Type"] = "application/json"}}
  local body = nil
  if kind.body then body = kind.body[1] .. user[1] .. kind.body[2] end
  return wrk.format(kind.method, path, headers, body)
end

response = function(status, headers, body)
  local key = tostring(status)
  if status >= 400 then
    local code = body:match('"code"%s*:%s*"([%u_]+)"')
    if code then key = key .. ":" .. code end
  end
  statuses[key] = (statuses[key] or 0) + 1
end
"""


# --- openloop (open model) ---------------------------------------------------------------------


def raw_requests(scenario: Scenario, *, users: list[tuple[int, str]], count: int, host: str) -> list[bytes]:
    """`count` HTTP/1.1 requests in the same order and with the same user rotation as the wrk script."""
    sequence = scenario.sequence()
    path_cursor = [0] * len(scenario.mix)
    out = []
    for n in range(count):
        ki = sequence[n % len(sequence)]
        kind = scenario.mix[ki][0]
        path = kind.paths[path_cursor[ki] % len(kind.paths)]
        path_cursor[ki] += 1
        head = [f"{kind.method} {path} HTTP/1.1", f"Host: {host}"]
        body = b""
        if kind.auth:
            user_id, token = users[n % len(users)]
            head.append(f"Authorization: Bearer {token}")
            if kind.body:
                body = kind.body.replace("{user}", str(user_id)).encode()
        if kind.method != "GET":
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        out.append(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    return out


def read_tokens(path: str) -> list[tuple[int, str]]:
    users = []
    with open(path, encoding="ascii") as fh:
        for line in fh:
            user_id, token = line.split()
            users.append((int(user_id), token))
    return users
