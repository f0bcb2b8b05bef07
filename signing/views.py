"""The built-in time-stamping authority over HTTP (RFC 3161 §3.4)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import Refusal
from signing.conf import platform_timestamp_authority

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAXIMUM_QUERY_BYTES = 4096  # a query is a digest, a policy and a nonce: a few hundred bytes


def _content_length(request: HttpRequest) -> int:
    raw = request.headers.get("Content-Length") or "0"
    # ASCII digits only: int() also takes "-5", " 5" and "٥".
    if not (raw.isascii() and raw.isdigit()):
        raise Refusal(
            "content_length_invalid",
            _("Content-Length must be a whole number of bytes, not %(value)r.") % {"value": raw},
            field="Content-Length",
        )
    return int(raw)


@csrf_exempt  # a protocol endpoint for programs, not a form; a query changes nothing
@require_POST
def timestamp(request: HttpRequest) -> HttpResponse:
    """Refusals are raised, and answered as JSON by config.middleware.RefusalMiddleware."""
    if request.content_type != QUERY_TYPE:
        raise Refusal(
            "content_type_invalid",
            _("Send a DER TimeStampReq with Content-Type: %(type)s.") % {"type": QUERY_TYPE},
            status=415,
            field="Content-Type",
        )
    if _content_length(request) > MAXIMUM_QUERY_BYTES:
        raise Refusal(
            "query_too_large",
            _("A time-stamp query is at most %(limit)s bytes.") % {"limit": MAXIMUM_QUERY_BYTES},
            status=413,
            field="Content-Length",
        )
    reply = platform_timestamp_authority().respond(request.body)
    return HttpResponse(reply, content_type=REPLY_TYPE)
