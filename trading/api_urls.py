"""Public OCDS API; the project includes these under `api/v1/`."""

from django.urls import path

from trading.api import ReleaseDetailView, ReleaseFeedView

app_name = "ocds"

urlpatterns = [
    path("ocds/releases", ReleaseFeedView.as_view(), name="releases"),
    path("ocds/releases/<str:release_id>", ReleaseDetailView.as_view(), name="release"),
]
