"""API routes of the evaluation app, paths relative to /api/v1/ (config/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from evaluation.session import api as session_api

_session = "tenders/<uuid:tender_id>/evaluation"

urlpatterns: list[URLPattern | URLResolver] = [
    path(_session, session_api.SessionView.as_view(), name="evaluation-session"),
    *(
        path(
            f"{_session}/{step}",
            session_api.step_view(step),
            name=f"evaluation-{step.replace('/', '-')}",
        )
        for step in session_api.STEPS
    ),
]
