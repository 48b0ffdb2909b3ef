"""`{% load products %}`: the home page's product sections (best sellers with their pictures, a few
categories), for pages of apps below or beside `products` (core's home page must not import it)."""

from django import template

from products import categories, selectors
from products.best_sellers import best_sellers_data

register = template.Library()


@register.inclusion_tag("products/_best_sellers.html")
def best_sellers():
    data = best_sellers_data()
    pictures = selectors.product_pictures(product_ids=[item["productId"] for item in data["items"]])
    items = [
        {**item, "id": item["productId"], **pictures.get(item["productId"], {"imageUrl": None, "thumbnailUrl": None})}
        for item in data["items"]
    ]
    return {"best_sellers": data, "items": items}


@register.inclusion_tag("products/_home_categories.html")
def home_categories(limit: int = 8):
    return {"shelves": [shelf for shelf in categories.category_list() if shelf["productCount"]][:limit]}
