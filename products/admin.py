from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from products import cache, images, services
from products.admin_forms import PictureAdminForm, picture_preview
from products.drops import DROP_FIELDS, SaleStatus, drop_rule_errors, status_of
from products.models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.bump_version_on_commit()  # product objects carry their category's name

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        cache.bump_version_on_commit()


class ProductAdminForm(PictureAdminForm):
    class Meta:
        model = Product
        fields = ("name", "description", "category", "price", "stock", "active", *DROP_FIELDS)

    def clean(self):
        cleaned = super().clean()
        # The same rules as the API's (products.services → products.drops), field by field.
        values = {field: cleaned.get(field) for field in ("price", *DROP_FIELDS)}
        for field, message in drop_rule_errors(**values).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return cleaned


class SaleStatusFilter(admin.SimpleListFilter):
    title = "판매 상태"
    parameter_name = "sale_status"

    def lookups(self, request, model_admin):
        return [
            (SaleStatus.UPCOMING, "오픈 예정"),
            (SaleStatus.ON_SALE, "판매 중"),
            (SaleStatus.SOLD_OUT, "품절"),
            (SaleStatus.ENDED, "판매 종료"),
            ("DROPS", "타임딜 전체"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        started = Q(sale_starts_at__isnull=True) | Q(sale_starts_at__lte=now)
        not_ended = Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now)
        match self.value():
            case SaleStatus.UPCOMING:
                return queryset.filter(sale_starts_at__gt=now)
            case SaleStatus.ENDED:
                return queryset.filter(started, sale_ends_at__lte=now)
            case SaleStatus.SOLD_OUT:
                return queryset.filter(started, not_ended, stock__lte=0)
            case SaleStatus.ON_SALE:
                return queryset.filter(started, not_ended, stock__gt=0)
            case "DROPS":
                return queryset.filter(Q(sale_starts_at__isnull=False) | Q(sale_ends_at__isnull=False))
        return queryset


STATUS_LABELS = {
    SaleStatus.UPCOMING: "오픈 예정",
    SaleStatus.ON_SALE: "판매 중",
    SaleStatus.SOLD_OUT: "품절",
    SaleStatus.ENDED: "판매 종료",
}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = (
        "id",
        "name",
        "category",
        "price",
        "stock",
        "active",
        "sale_status",
        "sale_starts_at",
        "sale_ends_at",
        "per_customer_limit",
        "updated_at",
    )
    list_display_links = ("id", "name")
    list_filter = ("active", "category", SaleStatusFilter)
    list_select_related = ("category",)
    search_fields = ("name",)
    ordering = ("id",)
    readonly_fields = ("created_at", "updated_at", "current_picture")

    @admin.display(description="현재 사진")
    def current_picture(self, obj):
        return picture_preview(obj)

    show_full_result_count = False  # no extra COUNT(*) over the whole table per page
    actions = ("activate", "deactivate", "end_drop_now")
    fieldsets = (
        (None, {"fields": ("name", "description", "category", "price", "stock", "active")}),
        ("사진", {"fields": ("current_picture", "picture", "remove_picture")}),
        (
            "타임딜",
            {
                "fields": ("list_price", "sale_starts_at", "sale_ends_at", "per_customer_limit"),
                "description": (
                    "판매 시작/종료 시각을 정하면 타임딜이 됩니다. 시작 전에는 카운트다운과 함께 보이지만 살 수 없고, "
                    "종료 후에는 살 수 없습니다. 정가는 판매가 이상, 종료는 시작보다 뒤, 1인 구매 한도는 1 이상."
                ),
            },
        ),
        (
            "대기열",
            {
                "fields": ("waiting_room", "admit_per_second"),
                "description": (
                    "켜면 쇼핑객은 대기열에서 입장한 뒤에만 주문할 수 있습니다 (오픈 10분 전부터 참여, 오픈 전 참여자는 "
                    "오픈 순간 추첨). 초당 입장 인원은 1~10,000, 비워 두면 사이트 기본값. 진행 상황은 '대기열' 메뉴에서 봅니다."
                ),
            },
        ),
        ("기록", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="판매 상태")
    def sale_status(self, obj):
        return STATUS_LABELS[status_of(obj)]

    def save_model(self, request, obj, form, change):
        # Admin edits write the row through the ModelForm (validated), then invalidate the cache
        # after commit exactly like the services do.
        super().save_model(request, obj, form, change)
        renditions = form.cleaned_data.get("picture")
        if renditions is not None:
            images.product_image_set(product_id=obj.pk, renditions=renditions)
        elif form.cleaned_data.get("remove_picture"):
            images.product_image_clear(product_id=obj.pk)
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

    @admin.action(description="선택한 타임딜 지금 종료")
    def end_drop_now(self, request, queryset):
        changed = services.drop_end_now(product_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{changed}개 타임딜을 지금 종료했습니다.", messages.SUCCESS)
