"""`bidtool report sign|verify`: an evaluation panel member signs the report where its key is
(on its own machine), and anyone holding the signed report checks every signature offline.

    bidtool report sign --cert member.p12 --password-file pw [--out report.sig] report.json
    bidtool report verify --trust-root root.pem [--trust-root issuing.pem] signed-report.json

`report.json` is what the platform serves: {"report": the document, "document_sha256", ...};
the signature covers the canonical JSON of "report", as the platform checks it.
"""

import argparse
import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from bidtool.credentials import load_credential
from bidtool.files import read_json_file
from bidtool.trust import add_platform_trust_arguments, platform_trust
from signing.canonical import canonical_json
from signing.cms import sign_detached, verify_detached
from signing.envelope.errors import InputInvalid
from signing.errors import SigningError


def _document(signed: Any) -> bytes:
    """The canonical bytes of the report, checked against the digest the file states."""
    if not isinstance(signed, dict) or not isinstance(signed.get("report"), dict):
        raise InputInvalid("The file is not an evaluation report: it has no 'report' object.")
    document = canonical_json(signed["report"])
    stated = signed.get("document_sha256")
    if stated is not None and stated != hashlib.sha256(document).hexdigest():
        raise InputInvalid("The report's digest is not the one the file states: it was changed.")
    return document


def command_report_sign(arguments: argparse.Namespace) -> int:
    document = _document(read_json_file(arguments.report, "evaluation report"))
    credential = load_credential(arguments)
    signature = base64.b64encode(sign_detached(document, credential=credential)).decode("ascii")
    out: Path = arguments.out or arguments.report.with_suffix(".sig")
    out.write_text(signature + "\n", encoding="ascii")
    print(
        f"Signed the report (SHA-256 {hashlib.sha256(document).hexdigest()}) as "
        f"{credential.certificate.subject.rfc4514_string()}; the signature is in {out}."
    )
    return 0


def verify_signed_report(signed: Any, *, arguments: argparse.Namespace) -> list[dict[str, Any]]:
    """Every member's line: who signed (from its certificate), agreement and dissent. A refusal
    recorded by the leader has no signature and says so."""
    document = _document(signed)
    trust = platform_trust(arguments)
    lines = []
    for entry in signed.get("signatures", []):
        if not isinstance(entry, dict):
            raise InputInvalid("A signature entry is not an object.")
        line = {
            "member": entry.get("member"),
            "agrees": entry.get("agrees"),
            "dissent": entry.get("dissent", ""),
        }
        encoded = entry.get("signature") or ""
        if not encoded:
            line["signed_by"] = None
            line["note"] = (
                "refused to sign without a reason: counted as agreement"
                if entry.get("refused_without_reason")
                else "refused to sign; the dissent is recorded"
            )
        else:
            try:
                verified = verify_detached(
                    base64.b64decode(encoded, validate=True), document, trust=trust
                )
            except (SigningError, ValueError) as error:
                raise InputInvalid(
                    f"The signature of {entry.get('member')!r} does not verify: {error}"
                ) from error
            line["signed_by"] = verified.identity.name
            line["signed_at"] = verified.signing_time.isoformat()
        lines.append(line)
    if not lines:
        raise InputInvalid("The report carries no signature.")
    return lines


def command_report_verify(arguments: argparse.Namespace) -> int:
    signed = read_json_file(arguments.report, "signed evaluation report")
    lines = verify_signed_report(signed, arguments=arguments)
    report = signed["report"]
    print(
        json.dumps(
            {
                "tender": report.get("tender", {}).get("id"),
                "candidates": report.get("candidates", []),
                "signatures": lines,
            },
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        )
    )
    return 0


def add_report_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="sign or check an evaluation report")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    sign = report_commands.add_parser("sign", help="sign the report with your certificate")
    sign.add_argument("--cert", required=True, type=Path, help="your PKCS#12 file")
    sign.add_argument("--password-file", required=True, type=Path)
    sign.add_argument("--out", type=Path, help="where to write the signature (base64)")
    sign.add_argument("report", type=Path)
    sign.set_defaults(handler=command_report_sign)
    verify = report_commands.add_parser("verify", help="check every signature offline")
    add_platform_trust_arguments(verify)
    verify.add_argument("report", type=Path)
    verify.set_defaults(handler=command_report_verify)
