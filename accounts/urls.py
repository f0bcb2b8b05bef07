"""Accounts' pages; config/urls.py includes them at the site's root."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import ThrottledAuthenticationForm
from accounts.views import home

account_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=ThrottledAuthenticationForm,  # abuse limits
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include((account_urlpatterns, "accounts"))),
]
