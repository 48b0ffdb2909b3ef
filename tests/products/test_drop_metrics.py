"""/metrics for timed drops: `shop_drop_remaining{product_id}` for live drops only, and the drop
refusals counted in `shop_order_rejected_total{code}`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.core.test_metrics import delta, scrape, value
from tests.support.builders import fund
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_drop_remaining_and_rejection_codes(api, client_for, user, metrics_token):
    now = timezone.now()
    live = ProductFactory(stock=7, per_customer_limit=1, sale_starts_at=now - timedelta(minutes=1))
    upcoming = ProductFactory(stock=5, sale_starts_at=now + timedelta(hours=1))
    ended = ProductFactory(stock=5, sale_starts_at=now - timedelta(hours=2), sale_ends_at=now - timedelta(hours=1))
    plain = ProductFactory(stock=9)
    fund(user, 10_000)
    client = client_for(user)
    before = scrape(api)

    def order(product, quantity=1):
        body = {"userId": user.pk, "products": [{"productId": product.pk, "quantity": quantity}]}
        return client.post("/api/orders", body, format="json").status_code

    assert order(live) == 201
    assert order(live) == 409  # PURCHASE_LIMIT_EXCEEDED
    assert order(upcoming) == 409  # SALE_NOT_STARTED
    assert order(ended) == 409  # SALE_ENDED
    after = scrape(api)

    assert value(after, "shop_drop_remaining", product_id=str(live.pk)) == 6
    for product in (upcoming, ended, plain):
        assert ("shop_drop_remaining", frozenset({("product_id", str(product.pk))})) not in after
    for code in ("PURCHASE_LIMIT_EXCEEDED", "SALE_NOT_STARTED", "SALE_ENDED"):
        assert delta(before, after, "shop_order_rejected_total", code=code) == 1
