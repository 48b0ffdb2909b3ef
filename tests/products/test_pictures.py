"""Product pictures: the staff upload (API and admin), checked by content, resized once into two
square WebP renditions on real files, and shown as imageUrl/thumbnailUrl (also on cached pages)."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from products import images
from products.models import Product
from tests.support.api import assert_problem
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/products"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    image = Image.new(mode, (width, height), (200, 80, 40) if mode == "RGB" else (200, 80, 40, 128))
    for x in range(0, width, 50):  # some detail, so the encoder has work
        image.paste((20, 120, 200) if mode == "RGB" else (20, 120, 200, 255), (x, 0, x + 10, height))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def upload(client, product_id: int, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg", **extra):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.patch(f"{URL}/{product_id}", {"image": file, **extra}, format="multipart")


def stored(media: Path, url: str) -> Image.Image:
    return Image.open(media / url.removeprefix("/media/"))


def test_a_jpeg_becomes_two_square_webp_renditions(client_for, staff, media, api):
    product = ProductFactory(name="사과")
    response = upload(client_for(staff), product.id, picture(1600, 1000))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["imageUrl"].startswith("/media/products/") and body["imageUrl"].endswith("-large.webp")
    assert body["thumbnailUrl"].endswith("-thumb.webp")
    large, thumb = stored(media, body["imageUrl"]), stored(media, body["thumbnailUrl"])
    assert (large.format, large.size) == ("WEBP", (1000, 1000))  # the short side, under LARGE_SIDE
    assert (thumb.format, thumb.size) == ("WEBP", (400, 400))
    product.refresh_from_db()
    assert product.image_size == 1000
    # the public detail and list show it (the upload bumped the cached pages)
    assert api.get(f"{URL}/{product.id}").json()["imageUrl"] == body["imageUrl"]
    assert api.get(URL).json()["items"][0]["thumbnailUrl"] == body["thumbnailUrl"]


def test_a_huge_picture_is_capped_and_png_with_alpha_is_taken(client_for, staff, media):
    product = ProductFactory()
    body = upload(client_for(staff), product.id, picture(3000, 2400), "big.jpg").json()
    assert stored(media, body["imageUrl"]).size == (images.LARGE_SIDE, images.LARGE_SIDE)
    body = upload(client_for(staff), product.id, picture(500, 640, "PNG", "RGBA"), "a.png", "image/png").json()
    large = stored(media, body["imageUrl"])
    assert large.size == (500, 500) and large.mode == "RGBA"
    body = upload(client_for(staff), product.id, picture(800, 800, "WEBP"), "w.webp", "image/webp").json()
    assert stored(media, body["imageUrl"]).size == (800, 800)


def test_replacing_a_picture_deletes_the_old_files(client_for, staff, media, django_capture_on_commit_callbacks):
    product = ProductFactory()
    first = upload(client_for(staff), product.id, picture(600, 600)).json()
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(client_for(staff), product.id, picture(700, 700)).json()
    assert second["imageUrl"] != first["imageUrl"]
    assert not (media / first["imageUrl"].removeprefix("/media/")).exists()
    assert (media / second["imageUrl"].removeprefix("/media/")).exists()


def test_a_file_another_product_shows_is_kept(client_for, staff, media, django_capture_on_commit_callbacks):
    one, two = ProductFactory(), ProductFactory()
    shared = upload(client_for(staff), one.id, picture(600, 600)).json()
    assert upload(client_for(staff), two.id, picture(600, 600)).json()["imageUrl"] == shared["imageUrl"]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_for(staff), one.id, picture(900, 900))
    assert (media / shared["imageUrl"].removeprefix("/media/")).exists()  # two still shows it


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"hello, I am a text file pretending\n" * 40, "photo.png", "이미지 파일이 아닙니다"),
        (b"", "empty.jpg", "빈 파일"),
        (picture(600, 600, "GIF"), "anim.gif", "이미지 파일이 아닙니다"),  # a picture, not a kind we take
        (picture(600, 600, "BMP"), "photo.jpg", "이미지 파일이 아닙니다"),
        (picture(300, 800), "small.jpg", "너무 작습니다"),
        (picture(10_500, 400, "PNG"), "wide.png", "너무 큽니다"),
        (picture(600, 600)[:-2000], "cut.jpg", "손상"),
    ],
)
def test_what_is_not_a_picture_we_take_is_refused(client_for, staff, media, data, name, message):
    product = ProductFactory()
    body = assert_problem(upload(client_for(staff), product.id, data, name, "image/png"), 400, "INVALID_REQUEST")
    assert message in body["detail"] and body["errors"][0]["field"] == "image"
    product.refresh_from_db()
    assert product.image == "" and product.thumbnail == ""
    assert not any(media.rglob("*.webp"))  # nothing written


def test_over_5_mb_is_refused(client_for, staff, media):
    product = ProductFactory()
    padded = picture(600, 600) + b"\0" * (images.MAX_BYTES + 1)  # a JPEG decoder would ignore the tail
    body = assert_problem(upload(client_for(staff), product.id, padded), 400, "INVALID_REQUEST")
    assert "5MB" in body["detail"]
    assert not any(media.rglob("*.webp"))
    with pytest.raises(images.InvalidImage, match="5MB"):  # the check without Content-Length
        images.renditions_from_upload(SimpleUploadedFile("x.jpg", padded))


def test_who_and_what_the_upload_takes(client_for, user, staff, api):
    product = ProductFactory()
    assert_problem(upload(client_for(user), product.id, picture(600, 600)), 403, "FORBIDDEN")
    assert_problem(upload(api, product.id, picture(600, 600)), 401, "UNAUTHENTICATED")
    assert_problem(upload(client_for(staff), 999_999, picture(600, 600)), 404, "PRODUCT_NOT_FOUND")
    body = assert_problem(upload(client_for(staff), product.id, picture(600, 600), price="1"), 400, "INVALID_REQUEST")
    assert body["errors"] == [{"field": "price", "message": "multipart에서는 받지 않는 필드"}]
    response = client_for(staff).patch(f"{URL}/{product.id}", {"name": "x"}, format="multipart")
    assert_problem(response, 400, "INVALID_REQUEST")
    product.refresh_from_db()
    assert product.name != "x"


def test_staff_upload_a_picture_in_the_admin(client, staff, media):
    product = ProductFactory(name="의자", price=1000, stock=1)
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client.force_login(staff)
    url = f"/admin/products/product/{product.id}/change/"
    form = {"name": "의자", "description": "", "price": 1000, "stock": 1, "active": "on", "category": ""}
    text = SimpleUploadedFile("fake.png", b"not a picture at all", content_type="image/png")
    response = client.post(url, {**form, "picture": text})
    assert response.status_code == 200 and "이미지 파일이 아닙니다" in response.content.decode()
    good = SimpleUploadedFile("chair.jpg", picture(900, 700), content_type="image/jpeg")
    response = client.post(url, {**form, "picture": good})
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert product.image_size == 700 and Image.open(media / product.thumbnail).size == (400, 400)
    assert f'src="/media/{product.thumbnail}"' in client.get(url).content.decode()
    response = client.post(url, {**form, "remove_picture": "on"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.image == "" and product.image_size is None
    assert Product.objects.get(pk=product.id).thumbnail == ""
