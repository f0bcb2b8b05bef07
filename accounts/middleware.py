"""Sessions end when idle (docs/hardening.md, "Abuse limits").

A session's expiry is SESSION_COOKIE_AGE (= SESSION_IDLE_SECONDS) from its last save. This
middleware saves a session again when a request comes more than SESSION_IDLE_REFRESH_SECONDS
after the last refresh, so that a session in use lives on and one left alone ends
SESSION_IDLE_SECONDS after its last request (up to the refresh interval earlier). Refreshing at
most once a minute, rather than on every request (SESSION_SAVE_EVERY_REQUEST), spares a
database write per request: a bidder's upload sends hundreds of parts.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

LAST_SEEN_KEY = "_last_seen"


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response  # nothing to keep alive (anonymous, or logged out by this request)
        now = int(time.time())
        seen = session.get(LAST_SEEN_KEY)
        refresh = int(getattr(settings, "SESSION_IDLE_REFRESH_SECONDS", 60))
        if not isinstance(seen, int) or now - seen >= refresh:
            session[LAST_SEEN_KEY] = now  # modified: SessionMiddleware saves it, expiry renewed
        return response
