"""bidtool's online commands against a live server: login, submit (interrupted, then resumed),
receipt verify offline, withdraw."""

import json

import pytest

from bids.models import Bid, BidState
from bidtool import cli as bidtool
from bidtool import submit
from signing.credentials import dump_pkcs12
from tests.bids.conftest import make_bidder, seal
from tests.certificates import BIDDER_NAME, BIDDER_USCC


@pytest.fixture
def workspace(tmp_path, monkeypatch, bid_settings, bidder_credential):
    monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / "home"))
    make_bidder(bidder_credential, name=BIDDER_NAME, uscc=BIDDER_USCC, username="bidder-zhang")
    (tmp_path / "pw").write_text("bidder secret\n")
    (tmp_path / "bidder.p12").write_bytes(
        dump_pkcs12(bidder_credential, b"bidder secret", friendly_name="bidder")
    )
    return tmp_path


def test_bidtool_logs_in_submits_with_resume_verifies_the_receipt_and_withdraws(
    live_server, workspace, tender, bidder_credential, platform_ca, monkeypatch, capsys
):
    server = live_server.url
    credential_options = [
        "--cert",
        str(workspace / "bidder.p12"),
        "--password-file",
        str(workspace / "pw"),
    ]
    assert bidtool.main(["login", "--server", server, *credential_options]) == 0
    sealed_path = workspace / "bid.sealed"
    sealed_path.write_bytes(
        seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 45_000])
    )

    # The connection drops while part 2 is on its way.
    sent: list[int] = []
    original = submit.send_part

    def interrupted(client, upload_id, number, data):
        if number == 2:
            raise KeyboardInterrupt
        sent.append(number)
        return original(client, upload_id, number, data)

    monkeypatch.setattr(submit, "send_part", interrupted)
    assert bidtool.main(["submit", "--server", server, str(sealed_path)]) == 130
    assert not Bid.objects.exists()
    assert (workspace / "bid.sealed.upload.json").exists()

    def counted(client, upload_id, number, data):
        sent.append(number)
        return original(client, upload_id, number, data)

    monkeypatch.setattr(submit, "send_part", counted)
    assert bidtool.main(["submit", "--server", server, str(sealed_path)]) == 0
    assert sorted(sent) == [1, 2, 3]  # no part was sent twice
    receipt_path = workspace / "bid.sealed.receipt.json"
    receipt = json.loads(receipt_path.read_text())
    bid = Bid.objects.get()
    assert receipt["receipt"]["bid"] == str(bid.pk)
    assert not (workspace / "bid.sealed.upload.json").exists()

    capsys.readouterr()
    trust = [
        "--trust-root",
        str(platform_ca.directory / "root.pem"),
        "--trust-root",
        str(platform_ca.directory / "issuing.pem"),
    ]
    assert bidtool.main(["receipt", "verify", *trust, str(receipt_path), str(sealed_path)]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified["platform"] == "Trading Platform"
    assert verified["submission_number"] == 1
    other = workspace / "other.sealed"
    other.write_bytes(seal(bidder_credential, tender.pk))
    assert bidtool.main(["receipt", "verify", *trust, str(receipt_path), str(other)]) == 1
    assert "its digests differ" in capsys.readouterr().err

    assert (
        bidtool.main(
            [
                "withdraw",
                "--server",
                server,
                "--tender",
                str(tender.pk),
                *credential_options,
                "--receipt",
                str(workspace / "withdrawal.json"),
            ]
        )
        == 0
    )
    bid.refresh_from_db()
    assert bid.state == BidState.WITHDRAWN
    withdrawal = json.loads((workspace / "withdrawal.json").read_text())
    assert withdrawal["receipt"]["kind"] == "withdrawal"
    assert bidtool.main(["receipt", "verify", *trust, str(workspace / "withdrawal.json")]) == 0


@pytest.mark.django_db
def test_submit_without_login_fails_in_one_line(workspace, tmp_path, capsys):
    sealed = tmp_path / "x.sealed"
    sealed.write_bytes(b"BIDSEAL")
    assert bidtool.main(["submit", "--server", "http://127.0.0.1:9", str(sealed)]) == 1
    assert "not_logged_in" in capsys.readouterr().err
