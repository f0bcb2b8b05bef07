"""A draft tender is hidden from whoever may not know it exists (docs/hardening.md,
"Permission matrix"): every route naming a draft's id, or an id no tender has, answers a
logged-in user 404 before the view reads the body or a service checks a role (each of which
answered 400 or 403 for a real draft and 404 for an unknown id, or the reverse: a leak of the
draft)."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from trading.selectors import draft_hidden_from, tender_of_document

# The evaluation room answers whoever is not on the panel as for an unknown tender itself, and
# records each such refusal as an event with an alert (docs/evaluation.md): left to it.
HIDES_ITSELF = ("evaluation.room.",)


class DraftTenderMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict[str, Any]
    ) -> None:
        user = getattr(request, "user", None)
        # Anonymous callers are asked to log in first, for a draft as for any id.
        if user is None or not user.is_authenticated:
            return None
        if getattr(view, "cls", view).__module__.startswith(HIDES_ITSELF):
            return None
        tender_id = kwargs.get("tender_id")
        if tender_id is None and "document_id" in kwargs:
            tender_id = tender_of_document(kwargs["document_id"])
            if tender_id is None:
                raise Http404
        if tender_id is not None and draft_hidden_from(user=user, tender_id=tender_id):
            raise Http404
        return None
