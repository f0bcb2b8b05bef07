"""The one error type of every API: a request refused for a reason its sender can act on.

A service raises `Refusal` (or a subclass named for its area: `TenderInvalid`, `BidRefused`,
`TransitionRefused`, `LoginRefused`) with a code for programs, a message for people, the HTTP
status, where one input is at fault, the field that names it, and whether the same request may
succeed later (`retryable`: a part of the platform was down). `config.api.refusal_of` turns it,
and the framework's own exceptions, into the response body
`{"error": code, "message": text, "field": name?, "retryable": true?}` in one place
(docs/architecture.md, "Errors").

No Django app is imported here, so that every app, `monitoring` included, may raise it.
"""

from typing import Any


class Refusal(Exception):
    """A refused request: `code` for programs, `message` for people, `status`, `field`, and
    `retryable` (the same request may succeed later)."""

    code = "refused"
    status = 400

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
        retryable: bool = False,
    ) -> None:
        self.code = code or type(self).code
        self.message = str(message) if message is not None else self.code
        self.status = status or type(self).status
        self.field = field
        self.retryable = retryable
        super().__init__(self.message)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.retryable:
            body["retryable"] = True
        return body
