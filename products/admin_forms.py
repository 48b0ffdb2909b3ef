"""The product admin's picture upload: the same checks and renditions as the staff API
(products.images), shown as a form error in Korean instead of a problem response."""

from django import forms
from django.utils.html import format_html

from products import images
from products.models import Product


class PictureAdminForm(forms.ModelForm):
    picture = forms.FileField(
        label="사진 올리기",
        required=False,
        help_text="JPEG, PNG, WebP (내용으로 확인), 5MB 이하, 가로세로 400px 이상. 정사각형으로 잘라 WebP로 저장합니다.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_picture = forms.BooleanField(label="사진 삭제", required=False)

    # No Meta: ProductAdmin builds the model form on top of this one, with every editable field.

    def clean_picture(self):
        upload = self.cleaned_data.get("picture")
        if not upload:
            return None
        try:
            # Resized here, once: the save after a valid form only stores the bytes.
            return images.renditions_from_upload(upload)
        except images.InvalidImage as error:
            raise forms.ValidationError(error.detail) from None


def picture_preview(product: Product) -> str:
    if not product.thumbnail:
        return "사진 없음"
    urls = images.image_urls(product.image, product.thumbnail)
    return format_html(
        '<a href="{}"><img src="{}" width="160" height="160" alt="{} 사진"></a>',
        urls["imageUrl"],
        urls["thumbnailUrl"],
        product.name,
    )
