from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import api_urlpatterns as accounts_api
from accounts.views import home
from monitoring.views import healthz
from signing.views import timestamp

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("tsa", timestamp, name="timestamp-authority"),
    path("accounts/", include("accounts.urls")),
    path("tenders/", include("trading.urls")),
    path("bids/", include("bids.urls")),
    path("notices/", include("trading.notice_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((accounts_api, "accounts-api"))),
    path("api/v1/", include("bids.api_urls")),
    path("api/v1/", include(("trading.api_tender_urls", "trading-api"))),
    path("api/v1/", include("trading.api_urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
