from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from addresses.errors import AddressNotFound
from addresses.forms import AddressForm
from addresses.selectors import address_get, address_list
from addresses.services import address_create, address_delete, address_update
from core.errors import ApiError


def _safe_next(request) -> str:
    """Where to go back to (the checkout adds an address in place): a path on this site, or ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def _next_or(request, fallback: str):
    return redirect(_safe_next(request) or fallback)


def _own_or_404(request, address_id: int):
    try:
        return address_get(user_id=request.user.pk, address_id=address_id)
    except AddressNotFound:
        raise Http404("배송지를 찾을 수 없습니다.")


def _form_error(form, error: ApiError) -> None:
    for item in error.errors or [{"field": None, "message": error.detail}]:
        field = {"isDefault": "is_default"}.get(item["field"])
        form.add_error(field, item["message"])


@login_required
@require_GET
def address_book(request):
    return render(request, "addresses/list.html", {"addresses": address_list(user_id=request.user.pk)})


@login_required
@require_http_methods(["GET", "POST"])
def address_add(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = address_create(user_id=request.user.pk, **form.cleaned_data)
        except ApiError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"배송지 ‘{entry.recipient} · {entry.address}’을(를) 저장했습니다.")
            return _next_or(request, "addresses:list")
    return render(request, "addresses/form.html", {"form": form, "next": _safe_next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, address_id: int):
    entry = _own_or_404(request, address_id)
    form = AddressForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            address_update(user_id=request.user.pk, address_id=address_id, **values)
        except AddressNotFound:
            raise Http404("배송지를 찾을 수 없습니다.")
        except ApiError as error:
            _form_error(form, error)
        else:
            messages.success(request, "배송지를 고쳤습니다.")
            return redirect("addresses:list")
    return render(request, "addresses/form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def address_remove(request, address_id: int):
    try:
        address_delete(user_id=request.user.pk, address_id=address_id)
    except AddressNotFound:
        raise Http404("배송지를 찾을 수 없습니다.")
    messages.success(request, "배송지를 지웠습니다. 지난 주문의 배송지는 그대로 남습니다.")
    return redirect("addresses:list")


@login_required
@require_POST
def address_make_default(request, address_id: int):
    try:
        entry = address_update(user_id=request.user.pk, address_id=address_id, is_default=True)
    except AddressNotFound:
        raise Http404("배송지를 찾을 수 없습니다.")
    messages.success(request, f"‘{entry.recipient} · {entry.address}’을(를) 기본 배송지로 정했습니다.")
    return _next_or(request, "addresses:list")
