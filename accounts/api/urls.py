"""Accounts' API routes; config/urls.py includes them under `api/v1/`."""

from django.urls import path

from accounts.api.login import CertificateLoginView, ChallengeView

app_name = "accounts-api"

urlpatterns = [
    path("auth/challenge", ChallengeView.as_view(), name="auth-challenge"),
    path("auth/certificate-login", CertificateLoginView.as_view(), name="auth-certificate-login"),
]
