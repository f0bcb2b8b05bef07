"""`bidtool log`: a bidder proves offline that its submission is in the platform's signed event
log; a proof changed anywhere, or signed by someone else, fails in one line."""

import copy
import json

import pytest
from cryptography.hazmat.primitives import serialization

from bids.models import Bid
from bidtool import cli as bidtool
from monitoring.checkpoints import checkpoint_create
from monitoring.models import Event
from monitoring.proofs import event_inclusion_proof
from signing.credentials import dump_pkcs12
from tests.bids.conftest import make_bidder, seal
from tests.certificates import BIDDER_NAME, BIDDER_USCC
from tests.monitoring.test_event_chain import record


def trust_options(platform_ca) -> list[str]:
    return [
        "--trust-root",
        str(platform_ca.directory / "root.pem"),
        "--trust-root",
        str(platform_ca.directory / "issuing.pem"),
    ]


def test_a_bidder_proves_its_submission_is_in_the_log(
    live_server, tmp_path, monkeypatch, bid_settings, bidder_credential, tender, platform_ca, capsys
):
    monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / "home"))
    make_bidder(bidder_credential, name=BIDDER_NAME, uscc=BIDDER_USCC, username="bidder-zhang")
    (tmp_path / "pw").write_text("bidder secret\n")
    (tmp_path / "bidder.p12").write_bytes(
        dump_pkcs12(bidder_credential, b"bidder secret", friendly_name="bidder")
    )
    server = live_server.url
    login = ["--cert", str(tmp_path / "bidder.p12"), "--password-file", str(tmp_path / "pw")]
    assert bidtool.main(["login", "--server", server, *login]) == 0
    sealed = tmp_path / "bid.sealed"
    sealed.write_bytes(seal(bidder_credential, tender.pk))
    assert bidtool.main(["submit", "--server", server, str(sealed)]) == 0
    bid = Bid.objects.get()
    proof = tmp_path / "proof.json"
    capsys.readouterr()

    # Before the next checkpoint the platform has nothing signed to prove it with.
    assert bidtool.main(["log", "get", "--server", server, "--bid", str(bid.pk)]) == 1
    assert "event_not_checkpointed" in capsys.readouterr().err
    checkpoint = checkpoint_create()
    assert (
        bidtool.main(["log", "get", "--server", server, "--bid", str(bid.pk), "--out", str(proof)])
        == 0
    )
    receipt = tmp_path / "bid.sealed.receipt.json"
    verify = ["log", "verify", *trust_options(platform_ca), "--receipt", str(receipt), str(proof)]
    capsys.readouterr()
    assert bidtool.main(verify) == 0

    event = Event.objects.get(action="bid.submitted")
    output = capsys.readouterr().out
    assert output.startswith(
        f"Event {event.sequence} (bid.submitted on bids.bid {bid.pk}, at "
        f"{event.occurred_at.isoformat(timespec='microseconds')}) is leaf {event.sequence - 1} "
        f"of the event log's tree of {checkpoint.tree_size} events, root {checkpoint.root_hash}, "
        "signed by Trading Platform and timestamped at "
    )
    assert output.endswith("It is the submission the receipt acknowledges.\n")

    # The proof of another event does not stand for this receipt.
    other = event_inclusion_proof(event=Event.objects.get(sequence=1))
    proof.write_text(json.dumps(other))
    assert bidtool.main(verify) == 1
    assert "not of the submission of bid" in capsys.readouterr().err


@pytest.fixture
def saved_proof(tmp_path):
    for number in range(6):
        record(number)
    checkpoint_create()
    return event_inclusion_proof(event=Event.objects.get(sequence=4))


def run_verify(tmp_path, platform_ca, proof: dict, capsys, *trust: str) -> tuple[int, str]:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    status = bidtool.main(["log", "verify", *(trust or trust_options(platform_ca)), str(path)])
    return status, capsys.readouterr().err


def changed(proof: dict, change) -> dict:
    copied = copy.deepcopy(proof)
    change(copied)
    return copied


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda proof: proof["audit_path"].__setitem__(0, "ab" * 32),
            "proof_invalid: the audit path of leaf 3 leads to",
        ),
        (
            lambda proof: proof["event"].__setitem__("to_state", "forged"),
            "proof_invalid: The event's fields give the digest",
        ),
        (
            lambda proof: proof["event"]["payload"].__setitem__("number", 99),
            "proof_invalid: The event's payload does not match its payload digest.",
        ),
        (
            lambda proof: proof.__setitem__("leaf_index", 2),
            "proof_invalid: Event 4 is leaf 3, not 2.",
        ),
        (
            lambda proof: proof["audit_path"].pop(),
            "proof_invalid: the audit path is shorter than the tree is high",
        ),
        (
            lambda proof: proof["signed_checkpoint"]["checkpoint"].__setitem__(
                "root_hash", "cd" * 32
            ),
            "proof_invalid: the audit path of leaf 3 leads to",
        ),
    ],
)
def test_a_changed_proof_fails_in_one_line(
    tmp_path, platform_ca, saved_proof, capsys, change, message
):
    assert run_verify(tmp_path, platform_ca, saved_proof, capsys) == (0, "")
    status, error = run_verify(tmp_path, platform_ca, changed(saved_proof, change), capsys)
    assert status == 1
    assert error.startswith(f"bidtool: {message}")
    assert error.count("\n") == 1


@pytest.mark.django_db
def test_a_changed_checkpoint_fails_on_its_timestamp_and_signature(
    tmp_path, platform_ca, saved_proof, capsys
):
    """A field the audit path does not reach (the chain's head) is still signed."""
    moved = changed(
        saved_proof,
        lambda proof: proof["signed_checkpoint"]["checkpoint"].update(chain_digest="0" * 64),
    )
    status, error = run_verify(tmp_path, platform_ca, moved, capsys)
    assert (status, error) == (
        1,
        "bidtool: timestamp_invalid: The token's message imprint does not match the data.\n",
    )


@pytest.mark.django_db
def test_a_proof_is_not_trusted_under_another_root(
    tmp_path, platform_ca, second_certificate_authority, saved_proof, capsys
):
    other_root = tmp_path / "other-root.pem"
    other_root.write_bytes(
        second_certificate_authority.root_certificate.public_bytes(serialization.Encoding.PEM)
    )
    status, error = run_verify(
        tmp_path, platform_ca, saved_proof, capsys, "--trust-root", str(other_root)
    )
    assert status == 1
    assert error.startswith("bidtool: certificate_untrusted: ")
