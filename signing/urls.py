"""Signing's endpoints; config/urls.py includes them at the site's root."""

from django.urls import path

from signing.views import timestamp

urlpatterns = [
    path("tsa", timestamp, name="timestamp-authority"),
]
