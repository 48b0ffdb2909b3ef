import pytest
from django.utils import timezone

from products import services
from tests.support.api import assert_problem
from tests.support.factories import ProductFactory

NOT_A_DROP = {
    "listPrice": None,
    "saleStartsAt": None,
    "saleEndsAt": None,
    "perCustomerLimit": None,
    "waitingRoom": False,
    "admitPerSecond": None,
}

pytestmark = pytest.mark.django_db

URL = "/api/products"


@pytest.fixture
def products_25():
    return [ProductFactory(name=f"상품 {i:02d}", price=1000 + i, stock=i) for i in range(25)]


def test_first_page_defaults_to_size_10_in_id_order(api, products_25):
    response = api.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["page"] == 0 and body["size"] == 10
    assert body["totalItems"] == 25 and body["totalPages"] == 3
    assert [item["id"] for item in body["items"]] == [p.id for p in products_25[:10]]
    assert body["items"][0] == {
        "id": products_25[0].id,
        "name": "상품 00",
        "price": 1000,
        "stock": 0,
        **NOT_A_DROP,
        "saleStatus": "SOLD_OUT",
        "imageUrl": None,
        "thumbnailUrl": None,
        "category": None,
    }


def test_last_page_is_partial(api, products_25):
    body = api.get(URL, {"page": 2, "size": 10}).json()
    assert [item["id"] for item in body["items"]] == [p.id for p in products_25[20:]]
    assert body["totalPages"] == 3


def test_past_the_end_is_an_empty_page(api, products_25):
    body = api.get(URL, {"page": 3, "size": 10}).json()
    assert body["items"] == [] and body["totalItems"] == 25 and body["page"] == 3


def test_size_100_is_allowed(api, products_25):
    body = api.get(URL, {"size": 100}).json()
    assert len(body["items"]) == 25 and body["totalPages"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"size": 101},
        {"size": 0},
        {"page": -1},
        {"page": "abc"},
        {"size": "1.5"},
        {"page": "1e3"},
        {"size": " 5"},
        {"page": "99999999999999999999"},
        {"keyword": "가" * 101},
        {"keyword": "a\x00b"},
    ],
)
def test_bad_paging_is_invalid_request(api, products_25, params):
    assert_problem(api.get(URL, params), 400, "INVALID_REQUEST", "잘못된 요청")


def test_keyword_is_case_insensitive_substring(api):
    wanted = [ProductFactory(name="Apple 사과 주스"), ProductFactory(name="pineAPPLE 통조림")]
    ProductFactory(name="바나나")
    for keyword in ["apple", "APPLE", "ApPlE", "ppl"]:
        body = api.get(URL, {"keyword": keyword}).json()
        assert [item["id"] for item in body["items"]] == [p.id for p in wanted], keyword
        assert body["totalItems"] == 2


def test_korean_keyword(api):
    juice = ProductFactory(name="한결 유기농 사과 주스")
    ProductFactory(name="제주 감귤")
    body = api.get(URL, {"keyword": "사과"}).json()
    assert [item["id"] for item in body["items"]] == [juice.id]
    assert api.get(URL, {"keyword": "사과 주스"}).json()["totalItems"] == 1
    assert api.get(URL, {"keyword": "포도"}).json()["totalItems"] == 0


def test_like_wildcards_in_keyword_are_literal(api):
    percent = ProductFactory(name="할인 50% 쿠폰팩")
    ProductFactory(name="할인 500 쿠폰팩")
    ProductFactory(name="a_b")
    assert [i["id"] for i in api.get(URL, {"keyword": "50%"}).json()["items"]] == [percent.id]
    assert api.get(URL, {"keyword": "%"}).json()["totalItems"] == 1
    assert api.get(URL, {"keyword": "_"}).json()["totalItems"] == 1


def test_blank_keyword_means_no_filter(api, products_25):
    assert api.get(URL, {"keyword": "  "}).json()["totalItems"] == 25


def test_inactive_products_are_hidden(api):
    visible = ProductFactory(name="보이는 상품")
    ProductFactory(name="숨은 상품", active=False)
    body = api.get(URL, {"keyword": "상품"}).json()
    assert [item["id"] for item in body["items"]] == [visible.id]


def test_list_query_count_and_cache_hit(api, products_25, django_assert_num_queries):
    with django_assert_num_queries(2):  # COUNT + the page, whatever the page size
        first = api.get(URL, {"size": 100})
    with django_assert_num_queries(0):  # the rendered bytes come from Redis
        second = api.get(URL, {"size": 100})
    assert first.content == second.content


def test_edit_invalidates_cached_pages_at_once(api, products_25, staff, client_for, django_capture_on_commit_callbacks):
    target = products_25[0]
    assert api.get(URL).json()["items"][0]["id"] == target.id
    assert api.get(f"{URL}/{target.id}").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).patch(f"{URL}/{target.id}", {"active": False}, format="json")
    assert response.status_code == 200
    body = api.get(URL).json()
    assert target.id not in [item["id"] for item in body["items"]]
    assert body["totalItems"] == 24
    assert api.get(f"{URL}/{target.id}").status_code == 404


def test_service_edit_invalidates_cached_pages(api, products_25, django_capture_on_commit_callbacks):
    assert api.get(URL).json()["items"][1]["name"] == "상품 01"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.product_update(product_id=products_25[1].id, name="새 이름")
    assert len(callbacks) == 1
    assert api.get(URL).json()["items"][1]["name"] == "새 이름"


def test_stock_changes_from_orders_do_not_bump_the_version(api, products_25, django_capture_on_commit_callbacks):
    before = api.get(URL).json()["items"][5]["stock"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.stock_sell(quantities={products_25[5].id: 1}, sold_at=timezone.now())
    assert callbacks == []
    # within the list TTL a cached page may show the old stock (SPEC: ≤ 10 s stale)
    assert api.get(URL).json()["items"][5]["stock"] == before


def test_bad_token_does_not_break_a_public_read(api, products_25):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get(URL).status_code == 200
    assert api.get(f"{URL}/{products_25[0].id}").status_code == 200
    assert api.get(f"{URL}/top").status_code == 200


@pytest.mark.parametrize("path", ["", "/top", "/{id}"])
def test_a_cache_hit_answers_like_the_view_itself(api, products_25, path):
    """A hit is served before DRF (products.api.cache_first) and answers as the miss did: same
    bytes, status and headers."""
    url = URL + path.format(id=products_25[3].id)
    first = api.get(url, {"size": 5} if not path else {})  # a miss: answered by the DRF view
    second = api.get(url, {"size": 5} if not path else {})  # a hit
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    for header in ("Content-Type", "Allow", "X-Frame-Options", "X-Content-Type-Options"):
        assert second[header] == first[header]
    assert not second.has_header("Vary") and not first.has_header("Vary")


def test_what_a_cache_hit_cannot_answer_still_goes_to_the_view(api, products_25):
    assert api.get(URL, {"size": 5}).status_code == 200  # cached now
    assert_problem(api.get(URL, {"size": 101}), 400, "INVALID_REQUEST")
    assert_problem(api.get(URL, {"keyword": "x" * 101}), 400, "INVALID_REQUEST")
    assert api.get(URL, {"size": 5}, HTTP_ACCEPT="text/html").status_code == 406
    assert api.get(URL, {"size": 5}, HTTP_ACCEPT="application/json; q=0.9").status_code == 200
    response = api.options(URL)
    assert response.status_code == 200 and response["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert_problem(api.post(URL, {"name": "x", "price": 1, "stock": 1}, format="json"), 401, "UNAUTHENTICATED")
