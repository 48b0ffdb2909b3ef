"""The shape rules of an order's lines (SPEC §5), shared by the API and the cart."""

from collections.abc import Iterable

from core.errors import InvalidRequest

MAX_LINES = 50
MAX_QUANTITY = 100


def merge_lines(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """[(product_id, quantity), ...] → {product_id: quantity}, repeated ids merged.

    1..50 lines, each quantity 1..100, and a merged quantity still ≤ 100; anything else is
    INVALID_REQUEST with a field error naming the line."""
    lines = list(lines)
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidRequest(
            f"주문 상품은 1개 이상 {MAX_LINES}개 이하여야 합니다.",
            errors=[{"field": "products", "message": f"1개 이상 {MAX_LINES}개 이하여야 합니다."}],
        )
    merged: dict[int, int] = {}
    for index, (product_id, quantity) in enumerate(lines):
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidRequest(
                f"수량은 1 이상 {MAX_QUANTITY} 이하여야 합니다.",
                errors=[{"field": f"products[{index}].quantity", "message": f"1 이상 {MAX_QUANTITY} 이하여야 합니다."}],
            )
        merged[product_id] = merged.get(product_id, 0) + quantity
        if merged[product_id] > MAX_QUANTITY:
            raise InvalidRequest(
                f"한 상품의 수량 합계는 {MAX_QUANTITY} 이하여야 합니다.",
                errors=[
                    {
                        "field": f"products[{index}].quantity",
                        "message": f"같은 상품의 합계가 {MAX_QUANTITY}를 넘습니다.",
                    }
                ],
            )
    return merged
