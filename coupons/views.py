from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import ServiceUnavailable
from coupons.errors import CouponAlreadyIssued, CouponNotFound, CouponNotIssuable, CouponSoldOut
from coupons.selectors import coupon_get, coupon_ids_held, coupon_list_open, user_coupon_list, user_coupon_status
from coupons.services.issue import coupon_issue

STATUS_LABELS = {"AVAILABLE": "사용 가능", "USED": "사용 완료", "EXPIRED": "기간 만료"}


@require_GET
def coupon_list(request):
    now = timezone.now()
    drops = coupon_list_open(now=now)
    held = (
        coupon_ids_held(user_id=request.user.pk, coupon_ids=[d.pk for d in drops])
        if request.user.is_authenticated
        else set()
    )
    for drop in drops:
        if drop.pk in held:
            drop.state = "held"
        elif drop.issue_starts_at > now:
            drop.state = "upcoming"
        elif drop.remaining_quantity <= 0:
            drop.state = "sold_out"
        else:
            drop.state = "open"
    return render(request, "coupons/list.html", {"drops": drops})


@require_POST
def coupon_issue_view(request, coupon_id: int):
    """The 받기 button: a plain form POST, answered with a message on the coupon page (PRG)."""
    if not request.user.is_authenticated:
        messages.info(request, "쿠폰을 받으려면 먼저 로그인해 주세요.")
        return redirect(f"{reverse('accounts:login')}?next={reverse('coupons:list')}")
    try:
        user_coupon = coupon_issue(user_id=request.user.pk, coupon_id=coupon_id)
    except CouponSoldOut:
        messages.error(request, "아쉽지만 쿠폰이 모두 소진되었습니다.")
    except CouponAlreadyIssued:
        messages.warning(request, "이미 받은 쿠폰입니다. 내 쿠폰에서 확인하세요.")
    except CouponNotIssuable:
        drop = coupon_get(coupon_id=coupon_id)
        if drop is not None and drop.issue_starts_at > timezone.now():
            messages.warning(
                request,
                f"아직 발급 전입니다. {timezone.localtime(drop.issue_starts_at):%m월 %d일 %H:%M}부터 받을 수 있어요.",
            )
        else:
            messages.error(request, "발급 기간이 끝난 쿠폰입니다.")
    except CouponNotFound:
        messages.error(request, "쿠폰을 찾을 수 없습니다.")
    except ServiceUnavailable:
        messages.error(request, "지금은 쿠폰을 발급할 수 없습니다. 잠시 후 다시 시도해 주세요.")
    else:
        messages.success(request, f"'{user_coupon.coupon.name}' 쿠폰을 받았습니다!")
    return redirect("coupons:list")


@require_GET
@login_required
def my_coupons(request):
    now = timezone.now()
    coupons = user_coupon_list(user_id=request.user.pk)
    for held in coupons:
        held.current_status = user_coupon_status(held, now=now)
        held.status_label = STATUS_LABELS[held.current_status]
    return render(request, "coupons/mine.html", {"coupons": coupons})
