"""The built-in time-stamping authority over HTTP (RFC 3161 §3.4)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from signing.conf import platform_timestamp_authority

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAXIMUM_QUERY_BYTES = 4096  # a query is a digest, a policy and a nonce: a few hundred bytes


@csrf_exempt  # a protocol endpoint for programs, not a form; a query changes nothing
@require_POST
def timestamp(request: HttpRequest) -> HttpResponse:
    if request.content_type != QUERY_TYPE:
        return HttpResponse(
            f"Send a DER TimeStampReq with Content-Type: {QUERY_TYPE}.",
            status=415, content_type="text/plain; charset=utf-8",
        )
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAXIMUM_QUERY_BYTES:
        return HttpResponse(
            f"A time-stamp query is at most {MAXIMUM_QUERY_BYTES} bytes.",
            status=413, content_type="text/plain; charset=utf-8",
        )
    reply = platform_timestamp_authority().respond(request.body)
    return HttpResponse(reply, content_type=REPLY_TYPE)
