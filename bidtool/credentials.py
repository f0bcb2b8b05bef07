"""The bidder's credential: a PKCS#12 file and the file holding its password."""

import argparse
from pathlib import Path

from bidtool.files import read_file
from signing.credentials import Credential, load_pkcs12


def read_password(path: Path) -> bytes:
    # Editors add a final newline; a password never ends with one.
    return read_file(path, "password file").rstrip(b"\r\n")


def load_credential(arguments: argparse.Namespace) -> Credential:
    return load_pkcs12(
        read_file(arguments.cert, "certificate file"), read_password(arguments.password_file)
    )
