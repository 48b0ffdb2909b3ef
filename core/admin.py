from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Rows that only services write (ledgers, orders, issued coupons, addresses, the outbox):
    staff look, never edit. Any change goes through an admin action that calls a service."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
