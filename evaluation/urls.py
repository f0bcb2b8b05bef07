"""Page routes of the evaluation app, each path whole from the site's root (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.panel import views as panel_views
from evaluation.pool import views as pool_views

app_name = "evaluation"

urlpatterns: list[URLPattern | URLResolver] = [
    # The pool and the draw (docs/evaluation.md, "The pool and the draw").
    path("evaluation/profile/", pool_views.profile_page, name="pool-profile"),
    path(
        "evaluation/profile/conflicts/<uuid:conflict_id>/withdraw/",
        pool_views.conflict_withdraw,
        name="pool-conflict-withdraw",
    ),
    path("evaluation/invitations/", panel_views.invitations_page, name="invitations"),
    path(
        "evaluation/invitations/<uuid:seat_id>/<slug:decision>/",
        panel_views.seat_decision,
        name="seat-decision",
    ),
    path(
        "evaluation/tenders/<uuid:tender_id>/panel/",
        panel_views.panel_progress_page,
        name="panel-progress",
    ),
    path(
        "evaluation/tenders/<uuid:tender_id>/panel/request/",
        panel_views.panel_request_page,
        name="panel-request",
    ),
]
