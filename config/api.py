"""Errors of every API, mapped in this one place.

Every refusal answers `{"error": code, "message": text, "field": name?}` with its status:
`refusal_of` turns a `config.errors.Refusal` (and its subclasses in the apps), Django's
`PermissionDenied` and `Http404`, a concurrent transition, and DRF's own exceptions (a
serializer's `ValidationError`, a parse error, no session) into a `Refusal`. DRF views reach it
through `error_handler` (settings `EXCEPTION_HANDLER`); plain Django views (`/tsa`) through
`config.middleware.RefusalMiddleware`. A lost database connection, or a lock wait the database
gave up, is a 503 `database_unavailable` with `retryable: true`: the request's transaction was
rolled back, and the same request may succeed in a moment. Anything else is a fault of the
platform: a 500, logged.

The JSON every API accepts is checked by `config.parsers.JSONParser`, which raises refusals too.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django_fsm import ConcurrentTransition
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from config.errors import Refusal

logger = logging.getLogger(__name__)


def _first_problem(detail: Any, path: str = "") -> tuple[str, str]:
    """The first field (as a path: `terms.scoring_scheme`, `candidates[0].price_fen`) and message
    of a DRF error detail, however nested; no field for the body as a whole."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                name = path
            elif isinstance(key, int):
                name = f"{path}[{key}]"
            else:
                name = f"{path}.{key}" if path else str(key)
            return _first_problem(value, name)
        return path, ""
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                if item:  # a list serializer gives {} for each item without errors
                    return _first_problem(item, f"{path}[{index}]")
                continue
            return path, str(item)
        return path, ""
    return path, str(detail)


def refusal_of(exc: Exception) -> Refusal | None:
    """The refusal an exception answers with, or None for a fault of the platform (a 500)."""
    if isinstance(exc, Refusal):
        return exc
    if isinstance(exc, ConcurrentTransition):
        return Refusal(
            "conflict",
            _("The tender was changed by someone else at the same time: retry."),
            status=409,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        # The connection was cut (a database restart, failover, a killed backend) or a lock
        # wait was cancelled or lost a deadlock: the transaction rolled back, Django drops a
        # broken connection when the request ends, and the next attempt gets a fresh one.
        logger.warning("database unavailable: %s", exc)
        return Refusal(
            "database_unavailable",
            _(
                "The platform's database could not complete this request just now. Retry it in "
                "a moment."
            ),
            status=503,
            retryable=True,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_problem(exc.detail)
        return Refusal("invalid", message, status=exc.status_code, field=field or None)
    if isinstance(exc, exceptions.APIException):
        _field, message = _first_problem(exc.detail)
        return Refusal(exc.default_code, message, status=exc.status_code)
    return None


def error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API view's refusals, in the one shape."""
    refusal = refusal_of(exc)
    if refusal is None:
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    set_rollback()
    return Response(refusal.as_json(), status=refusal.status, headers=headers)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an API path no route takes answers in the API's one shape, as JSON; a page
    path gets the 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            Refusal(
                "not_found", _("No API endpoint answers at this address."), status=404
            ).as_json(),
            status=404,
        )
    return page_not_found(request, exception)
