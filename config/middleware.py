"""Content security policy header (Django 5.2 has none built in), and refusals of plain views."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from config.errors import Refusal


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


def refusal_response(refusal: Refusal) -> JsonResponse:
    return JsonResponse(
        refusal.as_json(), status=refusal.status, json_dumps_params={"ensure_ascii": False}
    )


class RefusalMiddleware:
    """Answers a `Refusal` raised by a plain Django view (not DRF: config.api.error_handler does
    that) in the one error shape, and refuses a query string no page or API can use: one with
    the NUL character, which PostgreSQL cannot compare with."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return refusal_response(
                    Refusal(
                        "text_invalid",
                        _("%(field)s holds the NUL character.")
                        % {"field": name.replace("\x00", "")},
                        field=name.replace("\x00", "") or None,
                    )
                )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Refusal):
            return refusal_response(exception)
        return None
