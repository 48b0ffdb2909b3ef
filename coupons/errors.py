from core.errors import ApiError


class CouponNotFound(ApiError):
    code, status, title = "COUPON_NOT_FOUND", 404, "쿠폰을 찾을 수 없음"


class CouponSoldOut(ApiError):
    code, status, title = "COUPON_SOLD_OUT", 409, "쿠폰 재고 부족"


class CouponAlreadyIssued(ApiError):
    code, status, title = "COUPON_ALREADY_ISSUED", 409, "이미 발급받은 쿠폰"


class CouponNotIssuable(ApiError):
    code, status, title = "COUPON_NOT_ISSUABLE", 409, "발급 기간이 아닌 쿠폰"


class InvalidCoupon(ApiError):
    code, status, title = "INVALID_COUPON", 409, "유효하지 않은 쿠폰"
