from django.contrib import admin, messages

from products import cache, services
from products.models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "price", "stock", "active", "updated_at")
    list_display_links = ("id", "name")
    list_filter = ("active",)
    search_fields = ("name",)
    ordering = ("id",)
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False  # no extra COUNT(*) over the whole table per page
    actions = ("activate", "deactivate")

    def save_model(self, request, obj, form, change):
        # Admin edits write the row through the ModelForm (validated), then invalidate the cache
        # after commit exactly like the services do.
        super().save_model(request, obj, form, change)
        cache.bump_version_on_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.bump_version_on_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.bump_version_on_commit()

    @admin.action(description="선택한 상품 판매 시작(활성화)")
    def activate(self, request, queryset):
        changed = services.products_set_active(product_ids=queryset.values_list("pk", flat=True), active=True)
        self.message_user(request, f"{changed}개 상품을 활성화했습니다.", messages.SUCCESS)

    @admin.action(description="선택한 상품 판매 중지(비활성화)")
    def deactivate(self, request, queryset):
        changed = services.products_set_active(product_ids=queryset.values_list("pk", flat=True), active=False)
        self.message_user(request, f"{changed}개 상품을 비활성화했습니다.", messages.SUCCESS)
