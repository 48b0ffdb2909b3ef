"""Storefront: join a drop's line and wait on a page that refreshes itself (static/js/queue.js
polls the ticket with backoff and jitter; without JavaScript a meta refresh does it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ApiError, NotFound
from products.models import Product
from waiting_room import line
from waiting_room.services import queue_join, queue_ticket_get
from waiting_room.session import forget_ticket, remember_ticket, session_tickets

STATUS_MESSAGES = {
    line.SOLD_OUT: "준비된 수량이 모두 판매되어 대기열이 닫혔습니다. 다음 타임딜에서 만나요.",
    line.EXPIRED: "입장 시간이 지나 대기표가 만료되었습니다. 다시 참여하면 줄의 맨 뒤에 섭니다.",
    line.USED: "이 대기표로 이미 주문했습니다. 주문내역에서 확인해 주세요.",
}


@login_required
def queue_page(request, product_id: int):
    product = Product.objects.filter(pk=product_id, active=True, waiting_room=True).first()
    if product is None:
        return render(request, "errors/404.html", status=404)
    ticket = session_tickets(request.session).get(product_id)
    view = None
    if ticket:
        try:
            view = queue_ticket_get(product_id=product_id, ticket=ticket, user_id=request.user.pk)
        except NotFound:
            forget_ticket(request.session, product_id=product_id)  # the line was lost or reset
        except ApiError as error:
            messages.error(request, f"{error.title}: {error.detail}")
    context = {"product": product, "view": view, "status_message": STATUS_MESSAGES.get(view.status) if view else None}
    return render(request, "waiting_room/queue.html", context)


@login_required
@require_POST
def queue_join_page(request, product_id: int):
    try:
        view, _ = queue_join(product_id=product_id, user_id=request.user.pk)
    except ApiError as error:
        messages.error(request, f"{error.title}: {error.detail}")
    else:
        remember_ticket(request.session, product_id=product_id, ticket=view.ticket)
    return redirect("waiting_room:queue", product_id=product_id)
