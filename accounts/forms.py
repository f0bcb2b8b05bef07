"""The password login forms of the login page and the admin, under the abuse limits: they parse
the form and call `accounts.services.password_login`, which counts failures and locks out."""

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.services import LoginThrottled, password_login
from config.errors import Refusal
from monitoring.services import client_ip_of


def _clean_login(form: AuthenticationForm) -> dict[str, Any]:
    username = form.cleaned_data.get("username")
    password = form.cleaned_data.get("password")
    if username is not None and password:
        try:
            form.user_cache = password_login(
                request=form.request,
                username=username,
                password=password,
                client_ip=client_ip_of(form.request) if form.request is not None else None,
            )
        except LoginThrottled as refusal:
            # The message says until when; it replaces Django's "wrong password".
            raise ValidationError(refusal.message, code=refusal.code) from None
        except Refusal:
            raise form.get_invalid_login_error() from None
        form.confirm_login_allowed(form.user_cache)
    return form.cleaned_data


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        return _clean_login(self)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        return _clean_login(self)
