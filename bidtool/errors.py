"""How bidtool fails: one line on stderr naming what failed, and an exit status."""

from signing.errors import SigningError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad command line: reported in one line, like every other failure."""


class ServerError(SigningError):
    """The platform refused a request (its error code and message) or could not be reached."""

    code = "server_error"

    def __init__(
        self, message: str, *, code: str = "server_error", status: int = 0, retryable: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.retryable = retryable
