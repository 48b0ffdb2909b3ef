"""`{% load products %}{% best_sellers %}`: the best-seller section, for pages of apps below or
beside `products` (core's home page must not import `products`)."""

from django import template

from products.best_sellers import best_sellers_data

register = template.Library()


@register.inclusion_tag("products/_best_sellers.html")
def best_sellers():
    return {"best_sellers": best_sellers_data()}
