"""Nothing of the plaintext, nor the price, is visible in a sealed bid or its inspection."""

import json
import os

from bidtool.inspection import inspect_document
from tests.signing.envelope_helpers import PRICE_FEN, seal_contents


def _windows(data: bytes, width: int) -> set[bytes]:
    return {data[start : start + width] for start in range(0, len(data) - width + 1)}


def test_no_sixteen_byte_run_of_any_plaintext_appears_in_the_sealed_file(
    bidder_credential, tmp_path
):
    marker = f"TOTAL PRICE {PRICE_FEN} FEN".encode()
    contents = [os.urandom(3000) + marker + os.urandom(3000), b"A" * 20000, marker]
    sealed = seal_contents(bidder_credential, contents, directory=tmp_path)
    assert marker not in sealed
    assert str(PRICE_FEN).encode() not in sealed
    for content in contents[:1]:
        # Random content: any 16-byte window found would be a leak, not a coincidence.
        leaked = [window for window in _windows(content, 16) if window in sealed]
        assert leaked == []
    assert b"A" * 16 not in sealed
    assert "李四".encode() not in sealed  # a declared value of the price sheet


def test_inspect_shows_the_header_but_no_plaintext_price_or_names(bidder_credential, tmp_path):
    marker = b"SECRET-TECHNICAL-SOLUTION"
    seal_contents(bidder_credential, [marker * 10], directory=tmp_path)
    document = inspect_document(tmp_path / "bid.sealed")
    text = json.dumps(document, ensure_ascii=False)
    assert "SECRET" not in text
    assert str(PRICE_FEN) not in text
    assert "file-0.bin" not in text
    assert "李四" not in text
    assert document["tender_id"] == "TENDER-2026-0001"
    assert [part["kind"] for part in document["parts"]] == ["file", "manifest"]
    assert "wrapped_key" not in document["recipients"][0]
