import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from addresses.forms import AddressForm
from addresses.selectors import address_list
from balances.selectors import balance_get
from core.errors import ApiError
from core.pages import StorefrontPage
from coupons.selectors import usable_coupons
from orders.cart import Cart, CartFull
from orders.errors import OrderNotCancellable, OrderNotFound
from orders.forms import CartLineForm, CartRemoveForm, CheckoutForm
from orders.fulfilment import cancellable, fulfilment_steps
from orders.selectors import order_page, order_visible
from orders.services import order_cancel, order_place
from products.errors import ProductNotFound
from products.selectors import products_for_order
from waiting_room.session import session_tickets

PAGE_SIZE = 10
CHECKOUT_NONCE = "checkout_nonce"

# What a shopper is told when an order cannot be placed; keyed by the API error code.
ORDER_ERROR_MESSAGES = {
    "INSUFFICIENT_BALANCE": "잔액 부족: 잔액을 충전한 뒤 다시 주문해 주세요.",
    "OUT_OF_STOCK": "재고 부족: 남은 재고보다 많이 담긴 상품이 있습니다. 수량을 줄여 주세요.",
    "INVALID_COUPON": "유효하지 않은 쿠폰: 사용할 수 없는 쿠폰입니다. 다른 쿠폰을 골라 주세요.",
    "PRODUCT_NOT_FOUND": "판매가 끝난 상품이 장바구니에 있습니다. 장바구니를 확인해 주세요.",
    "SALE_NOT_STARTED": "판매 시작 전: 아직 오픈하지 않은 타임딜 상품이 있습니다. 오픈 시간 이후에 주문해 주세요.",
    "SALE_ENDED": "판매 종료: 판매가 끝난 타임딜 상품이 장바구니에 있습니다. 장바구니에서 빼 주세요.",
    "PURCHASE_LIMIT_EXCEEDED": "구매 한도 초과: 1인 구매 한도를 넘는 상품이 있습니다. 수량을 줄여 주세요.",
    "ADDRESS_NOT_FOUND": "배송지를 찾을 수 없습니다. 배송지를 다시 선택해 주세요.",
    "QUEUE_TICKET_REQUIRED": "대기열 입장 필요: 대기열에서 입장한 뒤에 주문할 수 있는 타임딜 상품이 있습니다.",
    "SERVICE_UNAVAILABLE": "대기열을 잠시 확인할 수 없습니다. 잠시 후 다시 주문해 주세요.",
}


def _redirect_back(request, fallback: str):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else fallback)


@require_GET
def cart_view(request):
    cart = Cart(request.session)
    lines, dropped = cart.lines()
    for product_id in dropped:
        messages.warning(request, f"상품 #{product_id}은(는) 더 이상 판매하지 않아 장바구니에서 뺐습니다.")
    return render(
        request,
        "orders/cart.html",
        {
            "lines": lines,
            "total": sum(line.amount for line in lines),
            "max_quantity": CartLineForm.base_fields["quantity"].max_value,
        },
    )


@require_POST
def cart_add(request):
    form = CartLineForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return _redirect_back(request, "orders:cart")
    product_id, quantity = form.cleaned_data["product_id"], form.cleaned_data["quantity"]
    try:
        product = products_for_order(product_ids=[product_id])[product_id]
        Cart(request.session).add(product_id, quantity)
    except ProductNotFound:
        messages.error(request, "판매 중인 상품이 아닙니다.")
    except CartFull:
        messages.error(request, "장바구니에는 상품을 50종류까지 담을 수 있습니다.")
    else:
        messages.success(request, f"{product.name}을(를) 장바구니에 담았습니다.")
    return _redirect_back(request, "orders:cart")


@require_POST
def cart_update(request):
    form = CartLineForm(request.POST)
    if form.is_valid():
        Cart(request.session).set(form.cleaned_data["product_id"], form.cleaned_data["quantity"])
        messages.success(request, "수량을 바꿨습니다.")
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("orders:cart")


@require_POST
def cart_remove(request):
    form = CartRemoveForm(request.POST)
    if form.is_valid():
        Cart(request.session).remove(form.cleaned_data["product_id"])
        messages.success(request, "장바구니에서 뺐습니다.")
    return redirect("orders:cart")


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    cart = Cart(request.session)
    lines, dropped = cart.lines()
    if dropped:
        messages.warning(request, "판매가 끝난 상품을 장바구니에서 뺐습니다. 확인 후 다시 주문해 주세요.")
        return redirect("orders:cart")
    if not lines:
        messages.info(request, "장바구니가 비어 있습니다.")
        return redirect("orders:cart")
    total = sum(line.amount for line in lines)
    coupons = usable_coupons(user_id=request.user.pk, order_total=total)
    addresses = address_list(user_id=request.user.pk)
    form = CheckoutForm(request.POST or None, coupons=coupons, addresses=addresses)
    if request.method == "POST" and form.is_valid():
        # One placement per rendered checkout page: a double-click or a resent form does not pay twice.
        if request.POST.get("nonce") != request.session.pop(CHECKOUT_NONCE, None):
            messages.info(request, "이미 처리된 주문서입니다. 주문내역을 확인해 주세요.")
            return redirect("orders:list")
        try:
            order = order_place(
                user_id=request.user.pk,
                lines=[(line.product.id, line.quantity) for line in lines],
                coupon_id=form.cleaned_data["coupon"],
                address_id=form.cleaned_data["address"],
                queue_tickets=session_tickets(request.session),
            )
        except ApiError as error:
            messages.error(request, ORDER_ERROR_MESSAGES.get(error.code, f"{error.title}: {error.detail}"))
        else:
            cart.clear()
            return redirect("orders:complete", order_id=order.pk)
    request.session[CHECKOUT_NONCE] = nonce = secrets.token_urlsafe(16)
    balance = balance_get(user_id=request.user.pk)
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "lines": lines,
            "total": total,
            "coupons": [(coupon, total - coupon.discount) for coupon in coupons],
            "balance": balance.amount,
            "nonce": nonce,
            "addresses": addresses,
            "address_form": AddressForm(auto_id="new_address_%s"),
            "chosen_address": _chosen_address(form),
        },
    )


def _chosen_address(form) -> str:
    """The address radio to check: the one posted, else the default."""
    value = form["address"].value()
    return "" if value in (None, "") else str(value)


def _visible_or_404(request, order_id: int):
    try:
        return order_visible(order_id=order_id, actor=request.user)
    except OrderNotFound:
        raise Http404("주문을 찾을 수 없습니다.")


@login_required
@require_GET
def order_complete(request, order_id: int):
    return render(request, "orders/complete.html", {"order": _visible_or_404(request, order_id)})


@login_required
@require_GET
def order_list(request):
    page = StorefrontPage.from_query(request.GET.get("page"), first=1, size=PAGE_SIZE)
    orders, total = order_page(user_id=request.user.pk, params=page.params)
    return render(
        request,
        "orders/list.html",
        {
            "orders": orders,
            "page": page.number,
            "pages": page.pages(total),
            "has_prev": page.previous is not None,
            "has_next": page.next(total) is not None,
        },
    )


@login_required
@require_GET
def order_detail(request, order_id: int):
    order = _visible_or_404(request, order_id)
    return render(
        request,
        "orders/detail.html",
        {"order": order, "cancellable": cancellable(order), "steps": fulfilment_steps(order)},
    )


@login_required
@require_POST
def order_cancel_view(request, order_id: int):
    try:
        order = order_cancel(order_id=order_id, actor=request.user)
    except OrderNotFound:
        raise Http404("주문을 찾을 수 없습니다.")
    except OrderNotCancellable:
        messages.error(request, "이미 발송된 주문이라 취소할 수 없습니다. 받으신 뒤 고객센터로 문의해 주세요.")
        return redirect("orders:detail", order_id=order_id)
    messages.success(request, f"주문 #{order.pk}을(를) 취소했습니다. 결제 금액은 잔액으로 환불됩니다.")
    return redirect("orders:detail", order_id=order.pk)
