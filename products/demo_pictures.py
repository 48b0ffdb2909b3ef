"""Demo pictures and categories: a drawn placeholder per kind of demo item (no photograph, no
download), labelled 예시 이미지 so nobody mistakes it for the product, put through the same checks
and renditions as a staff upload. Idempotent: only products without a category or a picture get one."""

import colorsys
import io
from pathlib import Path

from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from products import cache, images
from products.models import Category, Product

SIDE = 640
# Debian's fonts-nanum (devtools.browser installs it for the screenshots); without it the picture
# says DEMO in Pillow's own font, which has no Hangul.
FONT_PATHS = [
    Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumSquareRoundB.ttf"),
]
CATEGORIES = [
    ("fresh", "신선식품", 1),
    ("pantry", "식품·음료", 2),
    ("digital", "디지털", 3),
    ("living", "생활·주방", 4),
    ("outdoor", "캠핑·운동", 5),
    ("beauty", "뷰티", 6),
]
# products.demo.ITEMS index → category slug
ITEM_CATEGORY = {
    **dict.fromkeys([0, 1, 2, 3, 4, 5], "fresh"),
    **dict.fromkeys([6, 7, 8, 9, 10, 11], "pantry"),
    **dict.fromkeys([12, 13, 14, 15, 16], "digital"),
    **dict.fromkeys([17, 22, 23], "living"),
    **dict.fromkeys([18, 19], "outdoor"),
    **dict.fromkeys([20, 21], "beauty"),
}


def _font(size: int):
    for path in FONT_PATHS:
        if path.exists():
            return ImageFont.truetype(str(path), size), True
    return ImageFont.load_default(size), False


def draw_picture(index: int, label: str) -> bytes:
    """A PNG: a soft two-tone background in the item's hue, a simple parcel, and its name."""
    hue = (index * 0.137) % 1.0
    light = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.90, 0.55))
    mid = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.72, 0.50))
    dark = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.30, 0.45))
    picture = Image.new("RGB", (SIDE, SIDE), light)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((SIDE * 0.45, -SIDE * 0.2, SIDE * 1.3, SIDE * 0.6), fill=mid)
    # the parcel: a box with a lid and a ribbon
    box = (SIDE * 0.26, SIDE * 0.30, SIDE * 0.74, SIDE * 0.66)
    draw.rounded_rectangle(box, radius=22, fill=(255, 255, 255), outline=dark, width=8)
    draw.rectangle((box[0], box[1], box[2], box[1] + SIDE * 0.08), fill=mid, outline=dark, width=8)
    draw.rectangle((SIDE * 0.47, box[1], SIDE * 0.53, box[3]), fill=dark)
    font, hangul = _font(40)
    small, _ = _font(24)
    text = label if hangul else f"DEMO #{index + 1}"
    width = draw.textlength(text, font=font)
    if width > SIDE * 0.9:  # long names: smaller, never off the picture
        font, _ = _font(int(40 * SIDE * 0.9 / width))
        width = draw.textlength(text, font=font)
    draw.text(((SIDE - width) / 2, SIDE * 0.74), text, font=font, fill=dark)
    caption = "예시 이미지" if hangul else "sample picture"
    draw.text((24, SIDE - 44), caption, font=small, fill=dark)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def load_demo_categories() -> dict[str, int]:
    """The demo categories (by slug, created once); returns slug → id."""
    for slug, name, order in CATEGORIES:
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    return dict(Category.objects.filter(slug__in=[c[0] for c in CATEGORIES]).values_list("slug", "pk"))


def load_demo_pictures(*, items: list[str], names_by_item: dict[int, list[str]]) -> int:
    """Gives each demo product without a category its item's category, and each without a picture
    its item's drawn picture; returns how many products got a picture."""
    category_ids = load_demo_categories()
    pictured = 0
    for index, item in enumerate(items):
        names = names_by_item[index]
        with transaction.atomic():
            if Product.objects.filter(name__in=names, category__isnull=True).update(
                category_id=category_ids[ITEM_CATEGORY[index]]
            ):
                cache.bump_version_on_commit()
        bare = list(Product.objects.filter(name__in=names, image="").values_list("pk", flat=True))
        if not bare:
            continue
        renditions = images.make_renditions(draw_picture(index, item))
        large, thumbnail = images.store_renditions(renditions)
        images.products_image_assign(product_ids=bare, image=large, thumbnail=thumbnail, side=renditions.side)
        pictured += len(bare)
    return pictured
