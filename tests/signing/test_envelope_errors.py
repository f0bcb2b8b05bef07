"""Each bad input is refused with its own error, and sealing leaves nothing half-written."""

import datetime as dt
import io

import pytest

from signing.credentials import WrongPasswordError, dump_pkcs12, load_pkcs12
from signing.envelope import seal as seal_module
from signing.envelope import seal_bid, unwrap_data_key
from signing.envelope.errors import (
    InputInvalid,
    NotASealedBid,
    PaddingInvalid,
    PriceSheetInvalid,
    SignerMismatch,
    UnsupportedFormat,
    WrongBidder,
    WrongKey,
    WrongTender,
)
from signing.trust import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUntrusted,
)
from tests.signing.envelope_helpers import (
    FINGERPRINT,
    OTHER_TENDER_ID,
    PRICE_SHEET,
    TENDER_ID,
    envelope_of,
    open_bytes,
    seal_contents,
    verify_bytes,
)


@pytest.fixture(scope="module")
def sealed(bidder_credential) -> bytes:
    return seal_contents(bidder_credential, [b"bid document"])


def test_another_bidders_key_is_not_a_recipient(sealed, other_bidder_credential, trust_store):
    with pytest.raises(WrongKey, match="not a recipient"):
        open_bytes(sealed, trust=trust_store, private_key=other_bidder_credential.private_key)


def test_a_wrong_data_key_is_named_as_such(sealed, trust_store):
    with pytest.raises(WrongKey, match="key is wrong"):
        open_bytes(sealed, trust=trust_store, data_key=bytes(32))


def test_a_wrong_password_does_not_open_the_credential(bidder_credential):
    data = dump_pkcs12(bidder_credential, b"right password", friendly_name="bidder")
    with pytest.raises(WrongPasswordError):
        load_pkcs12(data, b"wrong password")


def test_a_bid_for_another_tender_is_refused(sealed, bidder_credential, trust_store):
    with pytest.raises(WrongTender, match=f"for tender '{TENDER_ID}', not '{OTHER_TENDER_ID}'"):
        verify_bytes(sealed, trust=trust_store, expected_tender_id=OTHER_TENDER_ID)
    with pytest.raises(WrongTender):
        open_bytes(
            sealed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            expected_tender_id=OTHER_TENDER_ID,
        )


def _seal_with_manifest_change(monkeypatch, credential, **changes) -> bytes:
    original = seal_module.build_manifest

    def altered(**arguments):
        return {**original(**arguments), **changes}

    monkeypatch.setattr(seal_module, "build_manifest", altered)
    return seal_contents(credential, [b"document"])


def test_a_signed_manifest_for_another_tender_is_refused(
    monkeypatch, bidder_credential, trust_store
):
    sealed = _seal_with_manifest_change(monkeypatch, bidder_credential, tender_id=OTHER_TENDER_ID)
    verify_bytes(sealed, trust=trust_store)  # the header alone is in order
    with pytest.raises(WrongTender, match=f"manifest is for tender '{OTHER_TENDER_ID}'"):
        open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)


def test_a_signed_manifest_for_another_bidder_is_refused(
    monkeypatch, bidder_credential, trust_store
):
    sealed = _seal_with_manifest_change(
        monkeypatch, bidder_credential, bidder_uscc="91120000200000020X"
    )
    with pytest.raises(WrongBidder, match="manifest names bidder 91120000200000020X"):
        open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)


def test_a_manifest_signed_by_someone_else_is_refused(
    monkeypatch, bidder_credential, other_bidder_credential, trust_store
):
    original = seal_module.sign_detached
    calls = []

    def sign(data, *, credential):
        calls.append(data)
        # The first signature made is the manifest's: make it with another bidder's key.
        return original(data, credential=other_bidder_credential if len(calls) == 1 else credential)

    monkeypatch.setattr(seal_module, "sign_detached", sign)
    sealed = seal_contents(bidder_credential, [b"document"])
    with pytest.raises(SignerMismatch, match="manifest was signed with another certificate"):
        open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)


def test_a_bid_signed_with_an_expired_certificate_is_refused(
    expired_bidder_credential, trust_store, tmp_path
):
    with pytest.raises(CertificateExpired, match="expired"):
        seal_contents(expired_bidder_credential, [b"late"])
    # Sealed with a clock set back into the validity period: the signature's time tells.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=150)
    sealed = seal_contents(expired_bidder_credential, [b"late"], now=past)
    with pytest.raises(CertificateExpired):
        verify_bytes(sealed, trust=trust_store)


def test_a_certificate_not_yet_valid_cannot_seal(not_yet_valid_bidder_credential):
    with pytest.raises(CertificateNotYetValid, match="not valid until"):
        seal_contents(not_yet_valid_bidder_credential, [b"early"])


def test_a_bid_signed_with_a_revoked_certificate_is_refused(revoked_bidder_credential, trust_store):
    sealed = seal_contents(revoked_bidder_credential, [b"revoked"])
    with pytest.raises(CertificateRevoked, match="revoked"):
        verify_bytes(sealed, trust=trust_store)


def test_a_bid_signed_under_an_untrusted_ca_is_refused(untrusted_bidder_credential, trust_store):
    sealed = seal_contents(untrusted_bidder_credential, [b"untrusted"])
    with pytest.raises(CertificateUntrusted):
        verify_bytes(sealed, trust=trust_store)


def test_a_person_certificate_cannot_seal_a_bid(person_credential):
    with pytest.raises(InputInvalid, match="names no organisation"):
        seal_contents(person_credential, [b"x"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"total_price_fen": -1}, "total_price_fen is negative"),
        ({"total_price_fen": 100.5}, "has a fraction"),
        ({"total_price_fen": 100.0}, "not a decimal"),
        ({"total_price_fen": "100"}, "must be an integer, not str"),
        ({"total_price_fen": True}, "must be an integer, not bool"),
        ({"total_price_fen": None}, "must be an integer, not NoneType"),
        ({"duration_days": 0}, "duration_days must be positive"),
        ({"duration_days": 1.5}, "duration_days must be a whole number"),
        ({"quality": ""}, "quality must be a non-empty text"),
        ({"quality": 1}, "quality must be a non-empty text"),
        ({"other": {"rate": 0.5}}, r"other.rate is a decimal"),
        ({"other": []}, "other must be an object"),
        ({"discount": 3}, "discount is not known"),
    ],
)
def test_an_invalid_price_sheet_is_refused_before_anything_is_written(
    bidder_credential, tmp_path, change, message
):
    (tmp_path / "a.bin").write_bytes(b"a")
    with pytest.raises(PriceSheetInvalid, match=message):
        seal_bid(
            tender_id=TENDER_ID,
            credential=bidder_credential,
            files=[tmp_path / "a.bin"],
            price_sheet={**PRICE_SHEET, **change},
            output=tmp_path / "bid.sealed",
            device_fingerprint=FINGERPRINT,
        )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.bin"]


@pytest.mark.parametrize("missing", ["total_price_fen", "duration_days", "quality"])
def test_a_price_sheet_missing_a_field_is_refused(bidder_credential, tmp_path, missing):
    (tmp_path / "a.bin").write_bytes(b"a")
    sheet = {key: value for key, value in PRICE_SHEET.items() if key != missing}
    with pytest.raises(PriceSheetInvalid, match=f"field {missing} is missing"):
        seal_bid(
            tender_id=TENDER_ID,
            credential=bidder_credential,
            files=[tmp_path / "a.bin"],
            price_sheet=sheet,
            output=tmp_path / "bid.sealed",
            device_fingerprint=FINGERPRINT,
        )


def test_a_missing_input_file_is_named_and_nothing_is_written(bidder_credential, tmp_path):
    with pytest.raises(InputInvalid, match=r"nowhere\.pdf"):
        seal_bid(
            tender_id=TENDER_ID,
            credential=bidder_credential,
            files=[tmp_path / "nowhere.pdf"],
            price_sheet=PRICE_SHEET,
            output=tmp_path / "bid.sealed",
            device_fingerprint=FINGERPRINT,
        )
    assert list(tmp_path.iterdir()) == []


def test_two_input_files_with_one_name_are_refused(bidder_credential, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    for folder in ("one", "two"):
        (tmp_path / folder / "offer.pdf").write_bytes(folder.encode())
    with pytest.raises(InputInvalid, match=r"named 'offer\.pdf'"):
        seal_bid(
            tender_id=TENDER_ID,
            credential=bidder_credential,
            files=[tmp_path / "one" / "offer.pdf", tmp_path / "two" / "offer.pdf"],
            price_sheet=PRICE_SHEET,
            output=tmp_path / "bid.sealed",
            device_fingerprint=FINGERPRINT,
        )


def test_a_failure_midway_leaves_no_partial_output(monkeypatch, bidder_credential, tmp_path):
    (tmp_path / "a.bin").write_bytes(b"a" * 100_000)
    (tmp_path / "bid.sealed").write_bytes(b"previous good file")

    def failing(*arguments, **keywords):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(seal_module, "encrypt_bytes", failing)
    with pytest.raises(OSError, match="No space left"):
        seal_bid(
            tender_id=TENDER_ID,
            credential=bidder_credential,
            files=[tmp_path / "a.bin"],
            price_sheet=PRICE_SHEET,
            output=tmp_path / "bid.sealed",
            device_fingerprint=FINGERPRINT,
        )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.bin", "bid.sealed"]
    assert (tmp_path / "bid.sealed").read_bytes() == b"previous good file"


def test_a_failed_opening_leaves_no_decrypted_file(bidder_credential, trust_store, tmp_path):
    sealed = seal_contents(bidder_credential, [b"first file", b"second file"])
    envelope = envelope_of(sealed)
    second = envelope.parts_offset + envelope.header.parts[0].size + 60
    changed = bytearray(sealed)
    changed[second] ^= 0xFF
    output = tmp_path / "opened"
    with pytest.raises(Exception, match="failed authentication"):
        open_bytes(
            bytes(changed),
            trust=trust_store,
            private_key=bidder_credential.private_key,
            output_directory=output,
        )
    assert list(output.iterdir()) == []


def test_a_file_that_is_not_a_sealed_bid_is_named(trust_store):
    with pytest.raises(NotASealedBid, match="magic"):
        verify_bytes(b"%PDF-1.7 not a sealed bid at all", trust=trust_store)
    with pytest.raises(NotASealedBid, match="too short"):
        verify_bytes(b"BIDSEAL", trust=trust_store)


def test_another_format_version_is_refused(sealed, trust_store):
    with pytest.raises(UnsupportedFormat, match="version 1 is not supported"):
        verify_bytes(sealed[:8] + b"\x00\x01" + sealed[10:], trust=trust_store)


def test_non_zero_padding_is_refused(sealed, trust_store):
    envelope = envelope_of(sealed)
    assert envelope.padding_size > 0
    changed = bytearray(sealed)
    changed[envelope.parts_offset - 1] = 1
    with pytest.raises(PaddingInvalid):
        verify_bytes(bytes(changed), trust=trust_store)


def test_an_escrow_key_that_is_not_the_bids_is_not_a_recipient(sealed):
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(WrongKey, match="not a recipient"):
        unwrap_data_key(envelope_of(sealed).header, ec.generate_private_key(ec.SECP256R1()))


def test_an_oversized_prefix_still_yields_a_valid_bid(monkeypatch, bidder_credential, trust_store):
    """If the header outgrows the space reserved for it, the parts are written again further on
    (segments lie at fixed file offsets), not lost."""
    from cryptography.hazmat.primitives.serialization import Encoding

    certificates = (bidder_credential.certificate, *bidder_credential.chain)
    # Reserve room for the header only, none for the signature.
    monkeypatch.setattr(
        seal_module,
        "_SIGNATURE_ALLOWANCE",
        -sum(len(item.public_bytes(Encoding.DER)) for item in certificates),
    )
    monkeypatch.setattr(seal_module, "_ALIGNMENT", 1)
    contents = [b"q" * 40000, b"r" * 10]
    sealed = seal_contents(bidder_credential, contents)
    envelope = envelope_of(sealed)
    assert envelope.padding_size < 2 * seal_module._ALIGNMENT
    verify_bytes(sealed, trust=trust_store)
    opened = open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)
    assert [entry["size"] for entry in opened.manifest["files"]] == [40000, 10]
    assert io.BytesIO(sealed).read(8) == b"BIDSEAL\x00"
