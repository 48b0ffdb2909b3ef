"""The shopper's cart, kept in the Django session as {product_id: quantity}.

Only ids and quantities live in the session; names, prices and stock are always read fresh, so a
price change or a deactivated product shows up the next time the cart is looked at."""

from dataclasses import dataclass

from orders.lines import MAX_LINES, MAX_QUANTITY
from products.errors import ProductNotFound
from products.selectors import ProductForOrder, products_for_order

SESSION_KEY = "cart"


class CartFull(Exception):
    pass


@dataclass(frozen=True)
class CartLine:
    product: ProductForOrder
    quantity: int

    @property
    def amount(self) -> int:
        return self.product.price * self.quantity


class Cart:
    def __init__(self, session):
        self.session = session
        self.items: dict[str, int] = dict(session.get(SESSION_KEY, {}))

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.items

    def __len__(self) -> int:
        return len(self.items)

    def add(self, product_id: int, quantity: int) -> int:
        """Adds to the line (capped at 100 per product); returns the line's new quantity."""
        key = str(product_id)
        if key not in self.items and len(self.items) >= MAX_LINES:
            raise CartFull()
        self.items[key] = min(self.items.get(key, 0) + quantity, MAX_QUANTITY)
        self._save()
        return self.items[key]

    def set(self, product_id: int, quantity: int) -> None:
        if str(product_id) in self.items:
            self.items[str(product_id)] = quantity
            self._save()

    def remove(self, product_id: int) -> None:
        if self.items.pop(str(product_id), None) is not None:
            self._save()

    def clear(self) -> None:
        self.items = {}
        self._save()

    def lines(self) -> tuple[list[CartLine], list[int]]:
        """The cart's lines with live product data, and the ids dropped because the product is gone
        or no longer sold (they are removed from the cart)."""
        wanted = {int(key): quantity for key, quantity in self.items.items()}
        dropped: list[int] = []
        try:
            products = products_for_order(product_ids=wanted) if wanted else {}
        except ProductNotFound:
            # Rare: something in the cart stopped being sold. Find which, one by one.
            products = {}
            for product_id in list(wanted):
                try:
                    products.update(products_for_order(product_ids=[product_id]))
                except ProductNotFound:
                    dropped.append(product_id)
                    del wanted[product_id]
        for product_id in dropped:
            self.remove(product_id)
        return [CartLine(products[pid], wanted[pid]) for pid in sorted(wanted)], dropped
