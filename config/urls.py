from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.forms import AdminLoginForm
from core import views as core_views
from core.api.health import HealthApi, ReadinessApi

api_urlpatterns = [
    path("health", HealthApi.as_view(), name="api-health"),
    path("health/ready", ReadinessApi.as_view(), name="api-health-ready"),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", authentication_classes=[], permission_classes=[]),
        name="api-docs",
    ),
    path("", include("accounts.api_urls")),
    path("", include("balances.api_urls")),
    path("", include("products.api_urls")),
    path("", include("coupons.api_urls")),
    path("", include("orders.api_urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("balance/", include("balances.urls")),
    path("products/", include("products.urls")),
    path("coupons/", include("coupons.urls")),
    path("orders/", include("orders.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(api_urlpatterns)),
]

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error

admin.site.site_header = "반짝마켓 관리자"
admin.site.site_title = "반짝마켓 관리자"
admin.site.index_title = "운영 관리"
admin.site.login_form = AdminLoginForm  # slowed password guessing, as on the storefront login
