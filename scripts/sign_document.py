"""Sign a tender document where the certificate is: the tenderee's (or agent's) small local
signer. The platform never holds the organisation's key; its workspace page takes the document
and the signature this writes (`<document>.p7s`, DER CMS, detached).

What is signed is the document's statement (trading.documents.document_statement): the purpose,
the tender, the kind of document, its file name, size and SHA-256, as canonical JSON. No Django:
it runs on any machine with the project's `signing` package.

    .venv/bin/python scripts/sign_document.py --tender <tender id> --kind tender_documents \\
        --cert tenderee.p12 --password-file pw 招标文件.pdf
"""

import argparse
import hashlib
import sys
from pathlib import Path

from signing.canonical import canonical_json
from signing.cms import sign_detached
from signing.credentials import load_pkcs12
from signing.errors import SigningError

KINDS = ("tender_documents", "clarification", "amendment")


def statement(*, tender_id: str, kind: str, path: Path) -> bytes:
    """The statement of `path` as the platform rebuilds it from what it received."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return canonical_json(
        {
            "purpose": "tender-document",
            "tender_id": tender_id,
            "kind": kind,
            "name": path.name,
            "size": size,
            "sha256": digest.hexdigest(),
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tender", required=True, help="the tender's id")
    parser.add_argument("--kind", choices=KINDS, default="tender_documents")
    parser.add_argument("--cert", required=True, type=Path, help="your organisation's .p12")
    parser.add_argument("--password-file", required=True, type=Path)
    parser.add_argument("--out", type=Path, help="default: <document>.p7s")
    parser.add_argument("document", type=Path)
    options = parser.parse_args(argv)
    try:
        credential = load_pkcs12(
            options.cert.read_bytes(), options.password_file.read_bytes().rstrip(b"\r\n")
        )
        signature = sign_detached(
            statement(tender_id=options.tender, kind=options.kind, path=options.document),
            credential=credential,
        )
    except (OSError, SigningError) as error:
        print(f"sign_document: {error}", file=sys.stderr)
        return 1
    out = options.out or options.document.with_name(options.document.name + ".p7s")
    out.write_bytes(signature)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
