import pytest

from products.models import Product
from tests.support.api import assert_problem
from tests.support.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/products"
NO_PICTURE = {"imageUrl": None, "thumbnailUrl": None, "category": None}
VALID = {"name": "새 상품", "description": "좋은 상품", "price": 12000, "stock": 5, "active": True}
# What a product object carries for a product that is not a timed drop (API.md "Timed drops").
NOT_A_DROP = {
    "listPrice": None,
    "saleStartsAt": None,
    "saleEndsAt": None,
    "perCustomerLimit": None,
    "waitingRoom": False,
    "admitPerSecond": None,
}


def test_detail(api):
    product = ProductFactory(name="사과", description="맛있는 사과", price=3000, stock=7)
    response = api.get(f"{URL}/{product.id}")
    assert response.status_code == 200
    assert response.json() == {
        "id": product.id,
        "name": "사과",
        "description": "맛있는 사과",
        "price": 3000,
        "stock": 7,
        **NOT_A_DROP,
        "saleStatus": "ON_SALE",
        **NO_PICTURE,
    }


def test_detail_unknown_or_inactive_is_product_not_found(api):
    inactive = ProductFactory(active=False)
    assert_problem(api.get(f"{URL}/{inactive.id}"), 404, "PRODUCT_NOT_FOUND", "상품을 찾을 수 없음")
    assert_problem(api.get(f"{URL}/999999"), 404, "PRODUCT_NOT_FOUND")
    assert_problem(api.get(f"{URL}/99999999999999999999999"), 404, "PRODUCT_NOT_FOUND")


def test_staff_creates_a_product(client_for, staff, api, django_capture_on_commit_callbacks):
    assert api.get(URL).json()["totalItems"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(URL, VALID, format="json")
    assert response.status_code == 201
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert body == {"id": product.id, **VALID, **NOT_A_DROP, "saleStatus": "ON_SALE", **NO_PICTURE}
    assert api.get(URL).json()["totalItems"] == 1


def test_create_defaults(client_for, staff):
    body = client_for(staff).post(URL, {"name": "기본값", "price": 1, "stock": 0}, format="json").json()
    assert body["description"] == "" and body["active"] is True and body["stock"] == 0


def test_shopper_gets_403_and_anonymous_401(client_for, user, api):
    ProductFactory()
    assert_problem(client_for(user).post(URL, VALID, format="json"), 403, "FORBIDDEN", "권한 없음")
    assert_problem(api.post(URL, VALID, format="json"), 401, "UNAUTHENTICATED", "인증 오류")
    product = Product.objects.get()
    assert_problem(client_for(user).patch(f"{URL}/{product.id}", {"price": 1}, format="json"), 403, "FORBIDDEN")
    assert_problem(api.patch(f"{URL}/{product.id}", {"price": 1}, format="json"), 401, "UNAUTHENTICATED")
    assert Product.objects.count() == 1
    assert Product.objects.get().price == 10_000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stock": -1}, "stock"),
        ({"price": 0}, "price"),
        ({"price": -100}, "price"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "가" * 201}, "name"),
        ({"price": "12000"}, "price"),
        ({"price": 1.5}, "price"),
        ({"price": True}, "price"),
        ({"stock": 2**63}, "stock"),
        ({"active": "yes"}, "active"),
        ({"active": 1}, "active"),
    ],
)
def test_bad_create_bodies(client_for, staff, change, field):
    body = {**VALID, **change}
    if change.get("name", "x") is None:
        del body["name"]
    problem = assert_problem(client_for(staff).post(URL, body, format="json"), 400, "INVALID_REQUEST")
    assert field in [error["field"] for error in problem["errors"]]
    assert not Product.objects.exists()


def test_malformed_json_and_non_object_bodies(client_for, staff):
    client = client_for(staff)
    assert_problem(client.post(URL, "{", content_type="application/json"), 400, "INVALID_REQUEST")
    assert_problem(client.post(URL, [1, 2], format="json"), 400, "INVALID_REQUEST")
    product = ProductFactory()
    assert_problem(client.patch(f"{URL}/{product.id}", [1], format="json"), 400, "INVALID_REQUEST")
    assert not Product.objects.exclude(pk=product.id).exists()


def test_staff_patches_any_subset(client_for, staff):
    product = ProductFactory(name="원래", price=5000, stock=3)
    response = client_for(staff).patch(f"{URL}/{product.id}", {"price": 6000}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": product.id,
        "name": "원래",
        "description": "설명",
        "price": 6000,
        "stock": 3,
        "active": True,
        **NOT_A_DROP,
        "saleStatus": "ON_SALE",
        **NO_PICTURE,
    }
    body = client_for(staff).patch(f"{URL}/{product.id}", {"name": "바뀜", "stock": 0, "active": False}, format="json")
    assert body.json()["name"] == "바뀜" and body.json()["active"] is False
    assert client_for(staff).patch(f"{URL}/{product.id}", {}, format="json").status_code == 200


def test_patch_bad_values_change_nothing(client_for, staff):
    product = ProductFactory(price=5000, stock=3)
    for change in [{"stock": -1}, {"price": 0}, {"name": ""}, {"price": 7000, "stock": -5}]:
        assert_problem(client_for(staff).patch(f"{URL}/{product.id}", change, format="json"), 400, "INVALID_REQUEST")
    product.refresh_from_db()
    assert (product.price, product.stock) == (5000, 3)


def test_patch_unknown_product(client_for, staff):
    assert_problem(client_for(staff).patch(f"{URL}/424242", {"price": 1}, format="json"), 404, "PRODUCT_NOT_FOUND")


def test_staff_can_reactivate_an_inactive_product(client_for, staff, api, django_capture_on_commit_callbacks):
    product = ProductFactory(active=False)
    assert api.get(f"{URL}/{product.id}").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(staff).patch(f"{URL}/{product.id}", {"active": True}, format="json").status_code == 200
    assert api.get(f"{URL}/{product.id}").status_code == 200


def test_schema_documents_the_products_api(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths["/api/products"]) >= {"get", "post"}
    assert set(paths["/api/products/{productId}"]) >= {"get", "patch"}
    assert "id ascending" in paths["/api/products"]["get"]["description"]
    assert "from" in schema["components"]["schemas"]["ProductTop"]["properties"]
