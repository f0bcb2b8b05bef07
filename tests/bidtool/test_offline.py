"""bidtool: seal, verify and inspect from the command line; every failure is one line."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from bidtool import cli as bidtool
from signing.credentials import dump_pkcs12
from tests.certificates import BIDDER_USCC
from tests.signing.envelope_helpers import PRICE_FEN, PRICE_SHEET, TENDER_ID, envelope_of

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path, bidder_credential, certificate_authority, monkeypatch):
    monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / "home"))
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    (tmp_path / "bidder.p12").write_bytes(
        dump_pkcs12(bidder_credential, PASSWORD.encode(), friendly_name="bidder")
    )
    (tmp_path / "password.txt").write_text(PASSWORD + "\n")
    (tmp_path / "price.json").write_text(json.dumps(PRICE_SHEET, ensure_ascii=False))
    (tmp_path / "root.pem").write_bytes(
        certificate_authority.root_certificate.public_bytes(serialization.Encoding.PEM)
    )
    (tmp_path / "offer.pdf").write_bytes(b"%PDF-1.7 technical offer " * 1000)
    (tmp_path / "qualification.docx").write_bytes(b"qualification documents")
    return tmp_path


def _seal_arguments(workspace: Path, *files: str, price: str = "price.json") -> list[str]:
    return [
        "seal",
        "--tender", TENDER_ID,
        "--cert", str(workspace / "bidder.p12"),
        "--password-file", str(workspace / "password.txt"),
        "--price-sheet", str(workspace / price),
        "--out", str(workspace / "bid.sealed"),
        *(str(workspace / name) for name in files or ("offer.pdf", "qualification.docx")),
    ]  # fmt: skip


def _verify_arguments(workspace: Path, *extra: str) -> list[str]:
    return [
        "verify",
        "--cert", str(workspace / "bidder.p12"),
        "--password-file", str(workspace / "password.txt"),
        *extra,
        str(workspace / "bid.sealed"),
    ]  # fmt: skip


def _one_line_failure(capsys, status: int, code: str) -> str:
    captured = capsys.readouterr()
    assert status != 0
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"bidtool: {code}")
    return lines[0]


def _entries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_seal_then_verify_prints_the_signed_manifest(workspace, capsys):
    assert bidtool.main(_seal_arguments(workspace)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Sealed 2 file(s) for tender {TENDER_ID} into ")
    assert "data key wrapped to: bidder" in out

    assert bidtool.main(_verify_arguments(workspace)) == 0
    captured = capsys.readouterr()
    manifest = json.loads(captured.out)
    assert manifest["tender_id"] == TENDER_ID
    assert manifest["bidder_uscc"] == BIDDER_USCC
    assert manifest["price_sheet"] == PRICE_SHEET
    assert [(entry["name"], entry["size"]) for entry in manifest["files"]] == [
        ("offer.pdf", 25000),
        ("qualification.docx", 23),
    ]
    assert manifest["device_fingerprint"]["installation_id"] == (
        (workspace.parent / "home" / "installation-id").read_text().strip()
    )
    assert captured.err == "bidtool: note: revocation was not checked (no --crl given).\n"


def test_verify_with_a_trust_root_and_crls_checks_revocation(
    workspace, capsys, certificate_authority
):
    root_crl, issuing_crl = certificate_authority.publish_crls()
    for name, crl in (("root.crl", root_crl), ("issuing.crl", issuing_crl)):
        (workspace / name).write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    assert bidtool.main(_seal_arguments(workspace)) == 0
    capsys.readouterr()
    arguments = _verify_arguments(
        workspace,
        "--trust-root", str(workspace / "root.pem"),
        "--crl", str(workspace / "root.crl"),
        "--crl", str(workspace / "issuing.crl"),
        "--tender", TENDER_ID,
    )  # fmt: skip
    assert bidtool.main(arguments) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["price_sheet"]["total_price_fen"] == PRICE_FEN
    assert captured.err == ""


def test_verify_of_a_revoked_bidders_bid_fails_in_one_line(
    workspace, capsys, certificate_authority, revoked_bidder_credential, trust_store
):
    (workspace / "bidder.p12").write_bytes(
        dump_pkcs12(revoked_bidder_credential, PASSWORD.encode(), friendly_name="revoked")
    )
    root_crl, issuing_crl = certificate_authority.publish_crls()
    (workspace / "issuing.crl").write_bytes(issuing_crl.public_bytes(serialization.Encoding.PEM))
    (workspace / "root.crl").write_bytes(root_crl.public_bytes(serialization.Encoding.PEM))
    assert bidtool.main(_seal_arguments(workspace)) == 0
    capsys.readouterr()
    status = bidtool.main(
        _verify_arguments(
            workspace,
            "--trust-root",
            str(workspace / "root.pem"),
            "--crl",
            str(workspace / "root.crl"),
            "--crl",
            str(workspace / "issuing.crl"),
        )
    )
    assert "revoked" in _one_line_failure(capsys, status, "certificate_revoked")


def test_verify_for_another_tender_fails_in_one_line(workspace, capsys):
    assert bidtool.main(_seal_arguments(workspace)) == 0
    capsys.readouterr()
    status = bidtool.main(_verify_arguments(workspace, "--tender", "ANOTHER"))
    assert "not 'ANOTHER'" in _one_line_failure(capsys, status, "wrong_tender")


def test_verify_of_a_tampered_bid_names_the_file_and_chunk(workspace, capsys):
    assert bidtool.main(_seal_arguments(workspace)) == 0
    capsys.readouterr()
    path = workspace / "bid.sealed"
    sealed = bytearray(path.read_bytes())
    envelope = envelope_of(bytes(sealed))
    sealed[envelope.parts_offset + 56 + 16400 + 5] ^= 0x40  # offer.pdf, chunk 1
    path.write_bytes(bytes(sealed))
    status = bidtool.main(_verify_arguments(workspace))
    line = _one_line_failure(capsys, status, "chunk_authentication_failed")
    assert "Part 0 (file 'offer.pdf'), chunk 1 failed authentication" in line


def test_a_wrong_password_fails_in_one_line(workspace, capsys):
    (workspace / "password.txt").write_text("not the password")
    status = bidtool.main(_seal_arguments(workspace))
    _one_line_failure(capsys, status, "wrong_password")
    assert "bid.sealed" not in _entries(workspace)


SHEET = '{{"total_price_fen": {price}, "duration_days": {days}, "quality": "合格"}}'


@pytest.mark.parametrize(
    ("price_sheet", "code", "message"),
    [
        (SHEET.format(price="12.5", days="30"), "price_sheet_invalid", "has a fraction"),
        (SHEET.format(price="-100", days="30"), "price_sheet_invalid", "negative"),
        ('{"duration_days": 30, "quality": "合格"}', "price_sheet_invalid", "price_fen is missing"),
        (SHEET.format(price="100", days='"30"'), "price_sheet_invalid", "not str"),
        ("total: 100 yuan", "input_invalid", "is not UTF-8 JSON"),
    ],
)
def test_a_bad_price_sheet_fails_in_one_line_and_writes_nothing(
    workspace, capsys, price_sheet, code, message
):
    (workspace / "bad.json").write_text(price_sheet)
    before = _entries(workspace)
    status = bidtool.main(_seal_arguments(workspace, price="bad.json"))
    assert message in _one_line_failure(capsys, status, code)
    assert _entries(workspace) == before


def test_a_missing_input_file_fails_in_one_line(workspace, capsys):
    status = bidtool.main(_seal_arguments(workspace, "offer.pdf", "missing.pdf"))
    assert "missing.pdf" in _one_line_failure(capsys, status, "input_invalid")
    assert "bid.sealed" not in _entries(workspace)


def test_an_interrupted_seal_leaves_no_partial_file(workspace, capsys, monkeypatch):
    from signing.envelope import seal as seal_module

    def interrupted(*arguments, **keywords):
        raise KeyboardInterrupt

    monkeypatch.setattr(seal_module, "encrypt_bytes", interrupted)
    before = _entries(workspace)
    status = bidtool.main(_seal_arguments(workspace))
    assert status == 130
    assert "interrupted" in _one_line_failure(capsys, status, "interrupted")
    assert _entries(workspace) == before


def test_inspect_prints_the_header_without_any_key(workspace, capsys, bidder_credential):
    assert bidtool.main(_seal_arguments(workspace)) == 0
    capsys.readouterr()
    assert bidtool.main(["inspect", str(workspace / "bid.sealed")]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["tender_id"] == TENDER_ID
    assert document["bidder_uscc"] == BIDDER_USCC
    assert document["bidder_certificate"]["uscc"] == BIDDER_USCC
    assert document["format_version"] == 2
    assert document["segments"] == {"size": 1 << 20, "count": 1}
    assert [part["kind"] for part in document["parts"]] == ["file", "file", "manifest"]
    assert document["layout"]["expected_file_bytes"] == document["layout"]["actual_file_bytes"]
    assert document["recipients"][0]["role"] == "bidder"


def test_inspect_of_a_file_that_is_not_a_sealed_bid_fails_in_one_line(workspace, capsys):
    status = bidtool.main(["inspect", str(workspace / "offer.pdf")])
    _one_line_failure(capsys, status, "not_a_sealed_bid")


def test_a_usage_error_is_one_line_with_status_2(capsys):
    status = bidtool.main(["seal", "--tender", "T"])
    assert status == 2
    assert "required" in _one_line_failure(capsys, status, "usage")


def test_seal_with_an_escrow_key_wraps_the_data_key_twice(workspace, capsys):
    from cryptography.hazmat.primitives.asymmetric import ec

    public_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    (workspace / "escrow.pem").write_bytes(
        public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    arguments = _seal_arguments(workspace)
    arguments[1:1] = ["--escrow-key", str(workspace / "escrow.pem")]
    assert bidtool.main(arguments) == 0
    assert "data key wrapped to: bidder, escrow" in capsys.readouterr().out
    header = envelope_of((workspace / "bid.sealed").read_bytes()).header
    assert [recipient.role for recipient in header.recipients] == ["bidder", "escrow"]
    assert header.recipients[1].method == "HPKE-P256-HKDF-SHA256-AES-256-GCM"


def test_an_rsa_escrow_key_is_refused(workspace, capsys, bidder_credential):
    (workspace / "escrow.pem").write_bytes(
        bidder_credential.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    arguments = _seal_arguments(workspace)
    arguments[1:1] = ["--escrow-key", str(workspace / "escrow.pem")]
    status = bidtool.main(arguments)
    assert "not a P-256 public key" in _one_line_failure(capsys, status, "input_invalid")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_is_drawn_on_a_terminal_for_large_input(workspace, capsys, monkeypatch):
    (workspace / "large.bin").write_bytes(os.urandom(5 << 20))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert bidtool.main(_seal_arguments(workspace, "large.bin")) == 0
    drawn = terminal.getvalue()
    assert drawn.startswith("\rsealing  [")
    assert "100% 5.0/5.0 MiB\n" in drawn


def test_no_progress_bar_when_stderr_is_not_a_terminal(workspace, capsys):
    (workspace / "large.bin").write_bytes(os.urandom(5 << 20))
    assert bidtool.main(_seal_arguments(workspace, "large.bin")) == 0
    assert capsys.readouterr().err == ""


def test_the_console_script_runs_without_django(workspace):
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    environment["BIDTOOL_HOME"] = str(workspace.parent / "home")
    script = Path(sys.executable).with_name("bidtool")
    sealed = subprocess.run(
        [str(script), *_seal_arguments(workspace)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=workspace,
        check=False,
    )
    assert sealed.returncode == 0, sealed.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bidtool.cli; "
            "print(sorted({name.split('.')[0] for name in sys.modules} & "
            "{'django', 'rest_framework', 'accounts', 'trading', 'bids', 'evaluation', "
            "'monitoring', 'config'}))",
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=True,
    )
    assert probe.stdout.strip() == "[]"
    failed = subprocess.run(
        [str(script), "inspect", str(workspace / "offer.pdf")],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.count("\n") == 1
    assert failed.stderr.startswith("bidtool: not_a_sealed_bid: ")


def test_verify_of_a_bid_under_an_untrusted_ca_fails_in_one_line(
    workspace, capsys, untrusted_bidder_credential
):
    """Run as a real process: pyHanko logs tracebacks, which must not reach the terminal."""
    (workspace / "bidder.p12").write_bytes(
        dump_pkcs12(untrusted_bidder_credential, PASSWORD.encode(), friendly_name="untrusted")
    )
    assert bidtool.main(_seal_arguments(workspace)) == 0
    script = Path(sys.executable).with_name("bidtool")
    verified = subprocess.run(
        [str(script), *_verify_arguments(workspace, "--trust-root", str(workspace / "root.pem"))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 1
    assert verified.stdout == ""
    assert verified.stderr.count("\n") == 1
    assert verified.stderr.startswith("bidtool: certificate_untrusted: ")
