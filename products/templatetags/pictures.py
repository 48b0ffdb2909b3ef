"""`{% load pictures %}`: a product's picture as an <img> with its size, alt text and srcset, or
the neutral placeholder when it has none. Cards get the 400×400 thumbnail (the large rendition on
dense screens); the product's page the large one, with the thumbnail for narrow screens."""

from django import template
from django.templatetags.static import static

from products import images

register = template.Library()


def _placeholder(css: str, side: int) -> dict:
    return {"src": static("img/placeholder.svg"), "srcset": "", "sizes": "", "alt": "", "css": css, "side": side}


@register.inclusion_tag("products/_picture.html")
def card_picture(item: dict, eager: bool = False):
    """For a list item (`imageUrl`, `thumbnailUrl`, `name`)."""
    side = images.THUMBNAIL_SIDE
    if not item.get("thumbnailUrl"):
        return {**_placeholder("product-thumb", side), "eager": eager}
    return {
        "src": item["thumbnailUrl"],
        "srcset": f"{item['thumbnailUrl']} 1x, {item['imageUrl']} 2x",
        "sizes": "",
        "alt": f"{item['name']} 사진",
        "css": "product-thumb",
        "side": side,
        "eager": eager,
    }


@register.inclusion_tag("products/_picture.html")
def detail_picture(product):
    """For a Product: the large rendition (side `image_size`), eager (it is the page's main picture)."""
    if not product.image:
        return {**_placeholder("product-photo", images.THUMBNAIL_SIDE), "eager": True}
    urls = images.image_urls(product.image, product.thumbnail)
    return {
        "src": urls["imageUrl"],
        "srcset": f"{urls['thumbnailUrl']} {images.THUMBNAIL_SIDE}w, {urls['imageUrl']} {product.image_size}w",
        "sizes": "(max-width: 640px) calc(100vw - 32px), 480px",
        "alt": f"{product.name} 사진",
        "css": "product-photo",
        "side": product.image_size,
        "eager": True,
    }
