"""Demo catalog: 240 products with realistic Korean names, built deterministically from brand,
adjective and item lists, in six categories, each with a drawn picture (products.demo_pictures).
Idempotent: products are matched by name, nothing is added twice."""

from django.db import transaction

from products import cache
from products.demo_pictures import load_demo_pictures
from products.models import Product

BRANDS = ["한결", "다온", "새봄", "푸른숲", "온누리", "하늘빛", "바른", "햇살", "모아", "누리"]
ADJECTIVES = ["프리미엄", "유기농", "가성비", "한정판", "대용량", "국산", "저당", "무선", "휴대용", "친환경"]
# (item, base price in won)
ITEMS = [
    ("햇사과 3kg", 29_900),
    ("제주 감귤 5kg", 24_900),
    ("무농약 방울토마토 1kg", 12_900),
    ("한우 불고기 600g", 39_000),
    ("돼지 삼겹살 1kg", 26_900),
    ("무항생제 계란 30구", 9_900),
    ("햅쌀 10kg", 32_000),
    ("생수 2L 12병", 7_900),
    ("아메리카노 원두 1kg", 21_000),
    ("녹차 티백 100개입", 11_500),
    ("김치 3kg", 27_500),
    ("견과류 믹스 30봉", 18_900),
    ("블루투스 이어폰", 59_000),
    ("보조배터리 10000mAh", 25_900),
    ("기계식 키보드", 89_000),
    ("무선 마우스", 19_900),
    ("스마트워치 스트랩", 12_000),
    ("텀블러 500ml", 15_900),
    ("캠핑 의자", 45_000),
    ("요가 매트", 22_900),
    ("샴푸 1L", 13_900),
    ("수분 크림 50ml", 28_000),
    ("극세사 이불", 69_000),
    ("수건 10장 세트", 24_000),
]


def demo_products() -> list[dict]:
    return [product for group in _demo_groups() for product in group]


def _demo_groups() -> list[list[dict]]:
    """The demo products, one list per item of ITEMS."""
    groups = []
    for index, (item, base_price) in enumerate(ITEMS):
        products: list = []
        groups.append(products)
        for step in range(len(BRANDS)):
            brand = BRANDS[(index + step) % len(BRANDS)]
            adjective = ADJECTIVES[(index * 3 + step) % len(ADJECTIVES)]
            price = base_price + step * 1_000 - (step % 3) * 100
            products.append(
                {
                    "name": f"{brand} {adjective} {item}",
                    "description": f"{brand}의 {adjective} {item}. 번개 특가 한정 수량 상품입니다.",
                    "price": price,
                    "stock": 20 + (index * 7 + step * 13) % 180,
                }
            )
    return groups


def load_demo_products() -> int:
    """Adds the demo products that are not there yet; returns how many were added."""
    wanted = demo_products()
    with transaction.atomic():
        existing = set(Product.objects.filter(name__in=[p["name"] for p in wanted]).values_list("name", flat=True))
        missing = [Product(**p) for p in wanted if p["name"] not in existing]
        Product.objects.bulk_create(missing)
        if missing:
            cache.bump_version_on_commit()
    return len(missing)


def load_demo_catalog() -> tuple[int, int]:
    """The demo products, then their categories and drawn pictures; returns (added, pictured)."""
    added = load_demo_products()
    groups = _demo_groups()
    pictured = load_demo_pictures(
        items=[item for item, _ in ITEMS],
        names_by_item={index: [p["name"] for p in group] for index, group in enumerate(groups)},
    )
    return added, pictured
