"""Errors of the signing library. Each names what failed, for a person to read."""


class SigningError(Exception):
    """Base of every signing failure; `code` is stable for programs, the message for people."""

    code = "signing_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
