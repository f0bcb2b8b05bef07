"""`bidtool seal`: seal files and a price sheet into one sealed bid."""

import argparse
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bidtool.credentials import load_credential
from bidtool.files import read_file
from bidtool.progress import progress_bar
from signing.envelope.errors import InputInvalid
from signing.envelope.seal import seal_bid


def _price_sheet(path: Path) -> Any:
    data = read_file(path, "price sheet")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InputInvalid(f"The price sheet {str(path)!r} is not UTF-8 JSON: {error}.") from error


def _escrow_key(path: Path) -> ec.EllipticCurvePublicKey:
    data = read_file(path, "escrow key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise InputInvalid(f"The escrow key {str(path)!r} is not a PEM public key.") from error
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InputInvalid(f"The escrow key {str(path)!r} is not a P-256 public key.")
    return key


def command_seal(arguments: argparse.Namespace) -> int:
    credential = load_credential(arguments)
    price_sheet = _price_sheet(arguments.price_sheet)
    escrow_key = _escrow_key(arguments.escrow_key) if arguments.escrow_key else None
    total = 0
    for path in arguments.files:
        try:
            total += Path(path).stat().st_size
        except OSError as error:
            raise InputInvalid(
                f"Input file {str(path)!r} cannot be read: {error.strerror}."
            ) from error
    bar = progress_bar("sealing ", total)
    try:
        sealed = seal_bid(
            tender_id=arguments.tender,
            credential=credential,
            files=arguments.files,
            price_sheet=price_sheet,
            output=arguments.out,
            escrow_public_key=escrow_key,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.finish()
    size = Path(sealed.path).stat().st_size
    recipients = ", ".join(recipient.role for recipient in sealed.header.recipients)
    print(
        f"Sealed {len(sealed.header.file_parts)} file(s) for tender {sealed.header.tender_id} "
        f"into {sealed.path} ({size} bytes; data key wrapped to: {recipients})."
    )
    return 0
