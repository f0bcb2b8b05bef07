"""bidtool for an opening committee member before publication (docs/opening.md, "Escrow").

    bidtool escrow contribute --server URL --tender ID --cert member.p12 --password-file F

Deals this member's part of the tender's escrow key here, on the member's machine: a fresh
P-256 key, split k-of-n to every member's certificate, signed with itself to prove it is held,
and forgotten once sent (signing/envelope/escrow_parts.py). The platform adds the members'
public parts into the escrow key when the tender is published; nobody ever holds its private
key. Uses the session of `bidtool login` made with this certificate.
"""

import argparse
import base64
from pathlib import Path
from typing import Any

from cryptography import x509

from bidtool.credentials import load_credential
from bidtool.session import open_session
from signing.envelope.errors import InputInvalid
from signing.envelope.escrow_parts import deal_escrow_part
from signing.envelope.format import certificate_sha256


def command_escrow_contribute(arguments: argparse.Namespace) -> int:
    credential = load_credential(arguments)
    client = open_session(arguments.server)
    tender_id = str(arguments.tender).strip().lower()
    path = f"/api/v1/tenders/{tender_id}/escrow-part"
    _, brief = client.request("GET", path)
    certificates = [
        x509.load_der_x509_certificate(base64.b64decode(member["certificate"]))
        for member in brief["members"]
    ]
    number = int(brief["member_number"])
    if certificate_sha256(certificates[number - 1]) != certificate_sha256(credential.certificate):
        raise InputInvalid(
            f"The platform knows member {number} by another certificate than the one in "
            f"{str(arguments.cert)!r}; nothing was sent."
        )
    part = deal_escrow_part(
        tender_id=str(brief["tender"]),
        dealer_number=number,
        threshold=int(brief["threshold"]),
        member_certificates=certificates,
    )
    _, kept = client.request("POST", path, json_body={"part": part.to_json()})
    print(
        f"Escrow part of member {number} kept (key {str(kept['key_id'])[:16]}…), dealt "
        f"{brief['threshold']}-of-{len(certificates)} to the committee."
    )
    return 0


def add_escrow_commands(commands: Any) -> None:
    escrow = commands.add_parser("escrow", help="the opening committee's escrow key")
    actions = escrow.add_subparsers(dest="escrow_command", required=True)
    contribute = actions.add_parser(
        "contribute", help="deal your part of the tender's escrow key (before publication)"
    )
    contribute.add_argument("--server", required=True, help="the platform's URL")
    contribute.add_argument("--tender", required=True)
    contribute.add_argument(
        "--cert", required=True, type=Path, help="the committee member's PKCS#12 file"
    )
    contribute.add_argument("--password-file", required=True, type=Path)
    contribute.set_defaults(handler=command_escrow_contribute)
