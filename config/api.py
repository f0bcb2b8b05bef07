"""API error shape shared by every endpoint: {"error": code, "message": text, "field": name?}."""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler


def error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    detail = response.data
    field = None
    if isinstance(detail, dict) and "detail" not in detail and detail:
        field, messages = next(iter(detail.items()))
        message = messages[0] if isinstance(messages, list) else messages
    elif isinstance(detail, dict):
        message = detail.get("detail", "")
    elif isinstance(detail, list) and detail:
        message = detail[0]
    else:
        message = str(detail)
    body = {"error": str(code), "message": str(message)}
    if field:
        body["field"] = field
    response.data = body
    return response
