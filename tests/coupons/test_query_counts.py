"""coupon_issue's statement budget, pinned. Counted on committed transactions
(`transaction=True`): no test savepoints in the count, and BEGIN and COMMIT are in it. The Redis
gate decides first; the database only writes what it let through."""

import pytest

from coupons.errors import CouponSoldOut
from coupons.services.issue import coupon_issue
from tests.support.builders import make_drop

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_first_issue_of_a_drop(user, django_assert_num_queries):
    drop = make_drop()  # its gate is ready: nothing to rebuild on the issue path
    # BEGIN; the drop (1), the user coupon INSERT (1) and the conditional issued_count UPDATE (1);
    # COMMIT
    with django_assert_num_queries(5):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)


def test_a_sold_out_issue_writes_nothing(user, other_user, django_assert_max_num_queries):
    drop = make_drop(total_quantity=1)
    coupon_issue(user_id=other_user.pk, coupon_id=drop.pk)
    # none: the gate (the window included) answers sold out before any read or write
    with django_assert_max_num_queries(1), pytest.raises(CouponSoldOut):
        coupon_issue(user_id=user.pk, coupon_id=drop.pk)
