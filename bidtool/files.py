"""Reading the bidder's files, with a one-line error naming the file that cannot be read."""

import io
from pathlib import Path
from typing import Any

from signing.canonical import load_json
from signing.envelope.errors import InputInvalid


def read_file(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputInvalid(f"The {what} {str(path)!r} cannot be read: {error.strerror}.") from error


def open_sealed(path: Path) -> io.BufferedReader:
    try:
        return Path(path).open("rb")
    except OSError as error:
        raise InputInvalid(
            f"The sealed bid {str(path)!r} cannot be read: {error.strerror}."
        ) from error


def read_json_file(path: Path, what: str) -> Any:
    """A JSON file the platform gave the bidder (a receipt, an opening record)."""
    data = read_file(path, what)
    try:
        return load_json(data)
    except ValueError as error:  # UnicodeDecodeError is one
        raise InputInvalid(f"The {what} {str(path)!r} is not JSON.") from error
