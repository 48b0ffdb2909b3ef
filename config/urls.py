from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api_urls as accounts_api
from accounts.forms import AdminLoginForm
from addresses import api_urls as addresses_api
from balances import api_urls as balances_api
from core import views as core_views
from core.api.health import HealthApi, ReadinessApi
from core.metrics import metrics_view
from coupons import api_urls as coupons_api
from orders import api_urls as orders_api
from products import api_urls as products_api
from waiting_room import api_urls as waiting_room_api

api_urlpatterns = [
    path("health", HealthApi.as_view(), name="api-health"),
    path("health/ready", ReadinessApi.as_view(), name="api-health-ready"),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="api-schema"),
    path(
        "docs/",
        # the split view serves its script as a file, so the CSP needs no inline script
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            template_name="api/swagger_ui.html",
            authentication_classes=[],
            permission_classes=[],
        ),
        name="api-docs",
    ),
    # The apps' API routes flattened in, not include()d: a miss in an include("") is a Resolver404
    # raised and caught per app before the right one; "api/" comes first for the same reason
    # (docs/benchmarks.md #4).
    *accounts_api.urlpatterns,
    *balances_api.urlpatterns,
    *products_api.urlpatterns,
    *coupons_api.urlpatterns,
    *orders_api.urlpatterns,
    *addresses_api.urlpatterns,
    *waiting_room_api.urlpatterns,
]

urlpatterns = [
    path("api/", include(api_urlpatterns)),  # first: the API takes most of the traffic
    path("", core_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("balance/", include("balances.urls")),
    path("products/", include("products.urls")),
    path("coupons/", include("coupons.urls")),
    path("orders/", include("orders.urls")),
    path("addresses/", include("addresses.urls")),
    path("queue/", include("waiting_room.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
]
if settings.SERVE_MEDIA:  # local pictures (config/settings/base.py § Media)
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

admin.site.site_header = "반짝마켓 관리자"
admin.site.site_title = "반짝마켓 관리자"
admin.site.index_title = "운영 관리"
admin.site.login_form = AdminLoginForm  # slowed password guessing, as on the storefront login
