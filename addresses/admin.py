from django.contrib import admin

from addresses.models import Address
from core.admin import ReadOnlyModelAdmin


@admin.register(Address)
class AddressAdmin(ReadOnlyModelAdmin):
    """Shoppers keep their own address books; staff look them up (a courier's call), never edit."""

    list_display = ["id", "user", "recipient", "phone", "postal_code", "address", "is_default", "created_at"]
    list_filter = ["is_default"]
    search_fields = ["user__username", "recipient", "phone", "=postal_code"]
    list_select_related = ["user"]
