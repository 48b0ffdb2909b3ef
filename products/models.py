from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper


class Category(models.Model):
    """A shelf of the catalog: the storefront's navigation, ordered by `order` then name."""

    slug = models.SlugField("슬러그", max_length=50, unique=True, allow_unicode=False)
    name = models.CharField("이름", max_length=50)
    order = models.SmallIntegerField("순서", default=0)

    class Meta:
        verbose_name = "카테고리"
        verbose_name_plural = "카테고리"
        ordering = ["order", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField("상품명", max_length=200)
    description = models.TextField("설명", blank=True, default="")
    price = models.BigIntegerField("가격(원)", validators=[MinValueValidator(1)])
    stock = models.BigIntegerField("재고", validators=[MinValueValidator(0)])
    active = models.BooleanField("판매 중", default=True)
    # A timed drop (타임딜, SPEC §9): the window and the limit. Its sale status is derived from these,
    # the clock and the stock (products.drops), never stored, so it can never disagree with them.
    list_price = models.BigIntegerField("정가(원)", null=True, blank=True, validators=[MinValueValidator(1)])
    sale_starts_at = models.DateTimeField("판매 시작", null=True, blank=True)
    sale_ends_at = models.DateTimeField("판매 종료", null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(
        "1인 구매 한도", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # The drop's waiting room (대기열, waiting_room): shoppers queue for the right to order it.
    waiting_room = models.BooleanField("대기열 사용", default=False, db_default=False)
    admit_per_second = models.PositiveIntegerField(
        "초당 입장 인원",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text="비워 두면 사이트 기본값(WAITING_ROOM_ADMIT_PER_SECOND)",
    )
    created_at = models.DateTimeField("등록일", auto_now_add=True)
    updated_at = models.DateTimeField("수정일", auto_now=True)
    # UPPER(name), computed by PostgreSQL when a row is written, for keyword search: a search that
    # reads many rows does not compute UPPER() of each name, and the trigram index is on this
    # column (docs/benchmarks.md #21).
    name_upper = models.GeneratedField(
        expression=Upper("name"), output_field=models.CharField(max_length=200), db_persist=True
    )
    category = models.ForeignKey(
        Category, verbose_name="카테고리", on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    # The picture's two WebP renditions (products.images), both square: `image` for the product's
    # page (side `image_size`), `thumbnail` for cards (side min(THUMBNAIL_SIDE, image_size)).
    # Storage names, not FileFields: only products.images writes them, after checking the upload.
    image = models.CharField("이미지", max_length=255, blank=True, default="", db_default="", editable=False)
    thumbnail = models.CharField("썸네일", max_length=255, blank=True, default="", db_default="", editable=False)
    image_size = models.PositiveIntegerField("이미지 크기(px)", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "상품"
        verbose_name_plural = "상품"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_non_negative"),
            models.CheckConstraint(
                condition=Q(list_price__isnull=True) | Q(list_price__gte=F("price")),
                name="product_list_price_gte_price",
            ),
            models.CheckConstraint(
                condition=Q(sale_starts_at__isnull=True)
                | Q(sale_ends_at__isnull=True)
                | Q(sale_ends_at__gt=F("sale_starts_at")),
                name="product_sale_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gte=1),
                name="product_per_customer_limit_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(admit_per_second__isnull=True) | Q(admit_per_second__gte=1, admit_per_second__lte=10_000),
                name="product_admit_per_second_range",
            ),
        ]
        indexes = [
            # Keyword search is `name_upper LIKE '%' || UPPER(kw) || '%'` (products.selectors).
            GinIndex(OpClass("name_upper", name="gin_trgm_ops"), name="product_name_upper_trgm"),
            # The public list: active products by id (its order and its count).
            models.Index(fields=["id"], condition=Q(active=True), name="product_active_id"),
            # GET /api/products/drops: the few active products with a window, by start.
            models.Index(
                fields=["sale_starts_at", "id"],
                condition=Q(active=True) & (Q(sale_starts_at__isnull=False) | Q(sale_ends_at__isnull=False)),
                name="product_active_drops",
            ),
            # The catalog's other orders and its category filter (products.categories).
            models.Index(fields=["price", "id"], condition=Q(active=True), name="product_active_price"),
            models.Index(fields=["-created_at", "id"], condition=Q(active=True), name="product_active_new"),
            models.Index(fields=["category", "id"], condition=Q(active=True), name="product_active_category"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductSales(models.Model):
    """Quantity sold per product per Asia/Seoul day, split over `SALES_SHARDS` rows.

    Why shards: a sale is recorded inside the order transaction, so the row it upserts stays locked
    until that transaction commits. With one row per product and day, every buyer of a flash-sale
    product would queue on that single row while already holding their balance/coupon/stock locks.
    Each write picks a random shard instead, so concurrent buyers mostly touch different rows; the
    best-seller query sums the shards (a handful of rows per product and day). A revert writes a
    negative quantity to a random shard of the same day, so only the per-day sum is meaningful.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    shard = models.SmallIntegerField()
    quantity = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "일별 판매량"
        verbose_name_plural = "일별 판매량"
        constraints = [
            models.UniqueConstraint(fields=["day", "product", "shard"], name="product_sales_day_product_shard"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.day} #{self.shard}: {self.quantity}"
