"""`{% load coupon_home %}{% open_coupon_drops %}`: the home page's coupon drops that can be taken
now (started, not sold out), for core's home page, which must not import `coupons`."""

from django import template
from django.utils import timezone

from coupons.selectors import coupon_list_open

register = template.Library()


@register.inclusion_tag("coupons/_home_drops.html")
def open_coupon_drops(limit: int = 3):
    now = timezone.now()
    drops = [drop for drop in coupon_list_open(now=now) if drop.issue_starts_at <= now and drop.remaining_quantity > 0]
    return {"drops": drops[:limit], "more": len(drops) > limit}
