"""Refusals of the bids app: submission's and the opening hall's (config.errors.Refusal: code,
message, status, field; the JSON error body is made in config.api)."""

from config.errors import Refusal


class BidRefused(Refusal):
    """A refusal of bid submission or the opening hall (config.errors.Refusal: code, message,
    status, field); `retryable` means try again."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        field: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(code, message, status=status, field=field, retryable=retryable)


def refused(code: str, message: str, *, status: int = 409, field: str | None = None) -> BidRefused:
    """A refusal of the opening hall; most say the hall is not in the state the step needs
    (409)."""
    return BidRefused(code, str(message), status=status, field=field)
