"""Product pictures: an upload is checked by its content, resized once into two square WebP
renditions, stored, and its storage names written on the product.

Checked by what the bytes are, never by the file's name or Content-Type: Pillow must recognise a
JPEG, PNG or WebP header, the size and the pixel count are read from the header before anything is
decoded (a small file can claim a huge picture), and then the whole picture must decode. Both
renditions are centre-cropped squares so every card in the grid has the same shape: `large` for the
product's page (the short side, at most LARGE_SIDE) and `thumbnail` for cards (THUMBNAIL_SIDE).

Files go to Django's default storage: local media in development, S3-compatible storage through
django-storages when `MEDIA_STORAGE=s3` (config/settings/base.py). Names are the rendition's content
hash, so a URL never changes meaning (caches and CDNs can keep it forever) and identical pictures
(the demo's) are stored once; a file is deleted only when no product refers to it any more.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidRequest
from products import cache
from products.errors import ProductNotFound
from products.models import Product

FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 400  # a card's thumbnail is never enlarged
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000  # what a phone camera makes, with room; beyond it decoding costs too much memory
LARGE_SIDE = 1200
THUMBNAIL_SIDE = 400
WEBP_QUALITY = 82
FIELD = "image"


class InvalidImage(InvalidRequest):
    """An upload that is not a picture we take: 400 INVALID_REQUEST naming the `image` field."""

    def __init__(self, message: str):
        super().__init__(message, errors=[{"field": FIELD, "message": message}])


@dataclass(frozen=True)
class Renditions:
    large: bytes
    thumbnail: bytes
    side: int  # of `large`; `thumbnail` is THUMBNAIL_SIDE


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise InvalidImage(too_large_message())
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidImage(too_large_message())
    if not data:
        raise InvalidImage("빈 파일입니다. JPEG, PNG, WebP 이미지를 올려 주세요.")
    return data


def too_large_message() -> str:
    return f"이미지는 {MAX_BYTES // (1024 * 1024)}MB 이하여야 합니다."


def open_checked(data: bytes) -> Image.Image:
    """The decoded picture, or InvalidImage saying in Korean what is wrong with it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage(
            "이미지 파일이 아닙니다. 파일 이름과 관계없이 내용이 JPEG, PNG, WebP인 이미지만 올릴 수 있습니다."
        ) from None
    width, height = picture.size
    if min(width, height) < MIN_SIDE:
        raise InvalidImage(f"이미지가 너무 작습니다({width}×{height}). 가로세로 {MIN_SIDE}px 이상이어야 합니다.")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidImage(
            f"이미지가 너무 큽니다({width}×{height}). 한 변 {MAX_SIDE:,}px, "
            f"{MAX_PIXELS // 1_000_000}메가픽셀 이하여야 합니다."
        )
    try:
        picture.load()
    except (OSError, ValueError, SyntaxError):
        raise InvalidImage("이미지 파일이 손상되었거나 일부만 있습니다.") from None
    return picture


def _webp(picture: Image.Image, side: int) -> bytes:
    square = ImageOps.fit(picture, (side, side), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def make_renditions(data: bytes) -> Renditions:
    """Checks `data` and makes both renditions (EXIF orientation applied, metadata dropped)."""
    picture = open_checked(data)
    picture = ImageOps.exif_transpose(picture)
    has_alpha = picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info)
    picture = picture.convert("RGBA" if has_alpha else "RGB")
    side = min(LARGE_SIDE, *picture.size)
    return Renditions(large=_webp(picture, side), thumbnail=_webp(picture, THUMBNAIL_SIDE), side=side)


def renditions_from_upload(upload) -> Renditions:
    return make_renditions(_read(upload))


def _stored(content: bytes, label: str) -> str:
    name = f"products/{hashlib.sha256(content).hexdigest()[:24]}-{label}.webp"
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(content))


def store_renditions(renditions: Renditions) -> tuple[str, str]:
    """Saves both files (before any row points at them) and returns their storage names."""
    return _stored(renditions.large, "large"), _stored(renditions.thumbnail, "thumb")


def product_image_set(*, product_id: int, renditions: Renditions) -> Product:
    """Gives the product these renditions; the files it had are deleted after commit unless another
    product still shows them. PRODUCT_NOT_FOUND for an unknown id (no file is written then)."""
    if not Product.objects.filter(pk=product_id).exists():
        raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)
    large, thumbnail = store_renditions(renditions)
    return products_image_assign(product_ids=[product_id], image=large, thumbnail=thumbnail, side=renditions.side)[0]


def product_image_clear(*, product_id: int) -> Product:
    products = products_image_assign(product_ids=[product_id], image="", thumbnail="", side=None)
    if not products:
        raise ProductNotFound(f"상품 {product_id}을(를) 찾을 수 없습니다.", product_id=product_id)
    return products[0]


def products_image_assign(*, product_ids, image: str, thumbnail: str, side: int | None) -> list[Product]:
    """Points the products at stored renditions (one UPDATE) and bumps the cache after commit."""
    ids = sorted(set(product_ids))
    with transaction.atomic():
        # Locked in ascending id, the products' step of the project's lock order.
        before = list(
            Product.objects.filter(pk__in=ids).order_by("pk").select_for_update().values("image", "thumbnail")
        )
        Product.objects.filter(pk__in=ids).update(
            image=image, thumbnail=thumbnail, image_size=side, updated_at=timezone.now()
        )
        old = {name for row in before for name in (row["image"], row["thumbnail"]) if name} - {image, thumbnail}
        if old:
            transaction.on_commit(lambda: _delete_unused(old))
        cache.bump_version_on_commit()
        return list(Product.objects.filter(pk__in=ids).select_related("category").order_by("pk"))


def _delete_unused(names: set[str]) -> None:
    still_used = set(
        Product.objects.filter(Q(image__in=names) | Q(thumbnail__in=names)).values_list("image", "thumbnail")
    )
    used = {name for pair in still_used for name in pair}
    for name in names - used:
        default_storage.delete(name)


def image_urls(image: str, thumbnail: str) -> dict:
    """`imageUrl` and `thumbnailUrl` of a product object (null without a picture)."""
    return {
        "imageUrl": default_storage.url(image) if image else None,
        "thumbnailUrl": default_storage.url(thumbnail) if thumbnail else None,
    }
