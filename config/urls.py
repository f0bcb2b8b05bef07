"""The site's routes: each app's pages (`<app>/urls.py`) at the root and its API
(`<app>/api/urls.py`) under `api/v1/` (docs/architecture.md, "Where code lives")."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("monitoring.urls")),
    path("", include("signing.urls")),
    path("", include("trading.urls")),
    path("", include("bids.urls")),
    path("", include("evaluation.urls")),
    path("", include("supervision.complaints.urls")),
    path("", include("supervision.suspension.urls")),
    path("", include("supervision.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("bids.api.urls")),
    # Before trading: its tenders/<id>/<action> route would take tenders/<id>/evaluation.
    path("api/v1/", include("evaluation.api.urls")),
    path("api/v1/", include("supervision.complaints.api_urls")),
    path("api/v1/", include("supervision.suspension.api_urls")),
    path("api/v1/", include("supervision.api.urls")),
    path("api/v1/", include("trading.api.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the policy allows no inline script.
    path(
        "api/v1/docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"
    ),
]

# An API path no route takes answers in JSON, like every other API error (config/api.py).
handler404 = "config.api.not_found"
