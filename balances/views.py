from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from balances.errors import InvalidAmount
from balances.forms import ChargeForm
from balances.selectors import balance_get, balance_history
from balances.services import balance_charge
from core.pages import StorefrontPage
from core.templatetags.shop import won

HISTORY_PAGE_SIZE = 10


@login_required
@require_http_methods(["GET", "POST"])
def balance_page(request):
    """잔액: the balance, a charge form and the paged ledger."""
    form = ChargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = balance_charge(user_id=request.user.pk, amount=form.cleaned_data["amount"])
        except InvalidAmount as exc:
            form.add_error("amount", exc.errors[0]["message"] if exc.errors else exc.detail)
        else:
            messages.success(
                request, f"{won(entry.amount)}을 충전했습니다. 현재 잔액은 {won(entry.balance_after)}입니다."
            )
            return redirect("balances:index")

    page = StorefrontPage.from_query(request.GET.get("page"), first=1, size=HISTORY_PAGE_SIZE)
    history = balance_history(user_id=request.user.pk, page=page.params.page, size=page.size)
    total_pages = page.pages(history.total)
    context = {
        "form": form,
        "balance": balance_get(user_id=request.user.pk),
        "entries": history.items,
        "total_entries": history.total,
        "page_number": page.number,
        "total_pages": total_pages,
        "page_range": range(max(page.number - 2, 1), min(page.number + 2, total_pages) + 1),
    }
    return render(request, "balances/index.html", context)
