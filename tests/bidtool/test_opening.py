"""bidtool at the opening against a live server: a bidder hands over its data key and follows the
decryption, a wrong certificate or key is refused with a message saying what to do, a committee
member submits its escrow share, and the signed record is fetched and checked offline.

The worker's part runs in the test process: the broker is replaced, and the job runs while
bidtool waits between two polls of the hall."""

import base64
import io
import json

import pytest

from bids import tasks
from bids.models import BidDecryption, DecryptionState, EscrowShareSubmission
from bidtool import cli as bidtool
from bidtool import opening as bidtool_opening
from signing.canonical import canonical_json
from signing.cms import sign_detached
from signing.credentials import dump_pkcs12
from storage.objects import get_storage
from tests.bids.opening import build_opening

PASSWORD = "opening secret"


@pytest.fixture
def workspace(tmp_path, monkeypatch, bid_settings):
    monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # the platform answers in English
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    return tmp_path


class Queue(list):
    """Stands for the broker: remembers the decryption jobs the platform hands to workers."""

    def delay(self, decryption_id) -> None:
        self.append(str(decryption_id))

    def apply_async(self, args=(), **options) -> None:
        self.append(str(args[0]))


@pytest.fixture
def queued(monkeypatch) -> Queue:
    jobs = Queue()
    # Replaced in the module, not on the task: the live server's thread has its own Celery app.
    monkeypatch.setattr(tasks, "bid_decrypt", jobs)
    return jobs


def keyholder(workspace, name: str, credential) -> list[str]:
    """A PKCS#12 file on the holder's machine; returns bidtool's credential options."""
    path = workspace / f"{name}.p12"
    path.write_bytes(dump_pkcs12(credential, PASSWORD.encode(), friendly_name=name))
    return ["--cert", str(path), "--password-file", str(workspace / "pw")]


def opened_hall(certificate_authority, **cast):
    story = build_opening(certificate_authority, **cast)
    story.reach_deadline()
    started = story.host_post("start")
    assert started.status_code == 200, started.json()
    return story


def test_a_bidder_hands_over_its_key_with_bidtool_and_follows_the_decryption(
    live_server, workspace, certificate_authority, queued, monkeypatch, capsys
):
    story = opened_hall(certificate_authority, bidders=2)
    bidder = story.bidders[0]
    server, tender_id = live_server.url, story.tender_id
    options = keyholder(workspace, "bidder", bidder.credential)
    assert bidtool.main(["login", "--server", server, *options]) == 0

    # While bidtool waits between two polls, a worker runs the job.
    pauses: list[float] = []

    def worker_runs(seconds: float) -> None:
        pauses.append(seconds)
        assert story.run_decryptions() == ["decrypted"]

    monkeypatch.setattr(bidtool_opening, "_pause", worker_runs)
    capsys.readouterr()
    assert bidtool.main(["decrypt", "--server", server, "--tender", tender_id, *options]) == 0
    output = capsys.readouterr()
    assert f"Data key accepted for bid {bidder.bid_id}" in output.out
    assert f"Decrypted: bid {bidder.bid_id}" in output.out
    assert f"bid {bidder.bid_id}: decrypting 0%" in output.err
    assert f"bid {bidder.bid_id}: decrypted 100%" in output.err
    assert pauses == [2.0]

    decryption = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert len(queued) == 1 and queued[0] == str(decryption.pk)
    assert decryption.state == DecryptionState.DECRYPTED
    assert decryption.key_source == "bidder"
    assert decryption.wrong_key_attempts == 0
    assert decryption.price_sheet["total_price_fen"] == bidder.price_fen
    # The other bidder has not handed over its key: its bid still waits.
    assert (
        BidDecryption.objects.get(bid_id=story.bidders[1].bid_id).state == DecryptionState.WAITING
    )

    # Run again (a dropped connection, say): nothing is sent twice, the outcome is reported.
    assert bidtool.main(["decrypt", "--server", server, "--tender", tender_id, *options]) == 0
    output = capsys.readouterr()
    assert "already handed over (decrypted)" in output.err
    assert f"Decrypted: bid {bidder.bid_id}" in output.out
    assert len(queued) == 1


def test_a_bid_whose_stored_ciphertext_was_altered_fails_and_bidtool_says_why(
    live_server, workspace, certificate_authority, queued, monkeypatch, capsys
):
    story = opened_hall(certificate_authority, bidders=1, contents=(b"x" * (3 * 1024 * 1024),))
    bidder = story.bidders[0]
    server, tender_id = live_server.url, story.tender_id
    options = keyholder(workspace, "bidder", bidder.credential)
    assert bidtool.main(["login", "--server", server, *options]) == 0

    def altered_then_worker_runs(seconds: float) -> None:
        # Someone flips one byte of the stored ciphertext after the key was accepted.
        upload = BidDecryption.objects.get(bid_id=bidder.bid_id).bid.upload
        storage = get_storage()
        with storage.open(bucket=upload.bucket, key=upload.object_key) as chunks:
            data = bytearray(b"".join(chunks))
        data[-100] ^= 0x01
        storage.put_stream(bucket=upload.bucket, key=upload.object_key, stream=io.BytesIO(data))
        assert story.run_decryptions() == ["failed"]

    monkeypatch.setattr(bidtool_opening, "_pause", altered_then_worker_runs)
    capsys.readouterr()
    assert bidtool.main(["decrypt", "--server", server, "--tender", tender_id, *options]) == 1
    decryption = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert decryption.state == DecryptionState.FAILED
    error = capsys.readouterr().err
    assert error.splitlines()[-1] == " ".join(
        f"bidtool: decryption_failed: The decryption of bid {bidder.bid_id} failed: "
        f"{decryption.failure_reason}".split()
    )


def test_a_wrong_certificate_is_refused_before_anything_is_sent_and_a_refused_key_may_be_retried(
    live_server, workspace, certificate_authority, queued, monkeypatch, capsys
):
    story = opened_hall(certificate_authority, bidders=2)
    bidder, neighbour = story.bidders
    server, tender_id = live_server.url, story.tender_id
    options = keyholder(workspace, "bidder", bidder.credential)
    assert bidtool.main(["login", "--server", server, *options]) == 0
    decrypt = ["decrypt", "--server", server, "--tender", tender_id, "--no-wait"]

    # Logged in as itself, the bidder picks up its neighbour's certificate file by mistake.
    capsys.readouterr()
    assert bidtool.main([*decrypt, *keyholder(workspace, "neighbour", neighbour.credential)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("bidtool: wrong_certificate: ")
    assert neighbour.name in error and f"bid {bidder.bid_id} was sealed with" in error
    assert "nothing was sent" in error
    decryption = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert (decryption.state, decryption.wrong_key_attempts) == (DecryptionState.WAITING, 0)

    # A key that does not open the bid reaches the platform: refused at once, may be retried.
    with monkeypatch.context() as damaged:
        damaged.setattr(bidtool_opening, "unwrap_key", lambda *args, **kwargs: bytes(32))
        assert bidtool.main([*decrypt, *options]) == 1
    error = capsys.readouterr().err
    assert error.startswith("bidtool: wrong_key: This key does not open the bid")
    assert "You may try again until the window closes." in error
    decryption.refresh_from_db()
    assert (decryption.state, decryption.wrong_key_attempts) == (DecryptionState.WAITING, 1)

    # The right key this time.
    assert bidtool.main([*decrypt, *options]) == 0
    assert f"Data key accepted for bid {bidder.bid_id}" in capsys.readouterr().out
    decryption.refresh_from_db()
    assert decryption.state == DecryptionState.DECRYPTING
    assert queued == [str(decryption.pk)]


def test_committee_members_submit_their_escrow_shares_with_bidtool(
    live_server, workspace, certificate_authority, queued, capsys
):
    story = opened_hall(certificate_authority, bidders=1, committee=3, threshold=2)
    lost = story.bidders[0]
    server, tender_id = live_server.url, story.tender_id
    response = story.host_post(f"bids/{lost.bid_id}/escrow-request", {"reason": "投标人CA锁损坏"})
    assert response.status_code == 200, response.json()

    for number, member in enumerate(story.members[:2], start=1):
        options = keyholder(workspace, f"member{number}", member.credential)
        assert bidtool.main(["login", "--server", server, *options]) == 0
        capsys.readouterr()
        assert (
            bidtool.main(["escrow-share", "--server", server, "--tender", tender_id, *options]) == 0
        )
        assert (
            capsys.readouterr().out.strip()
            == f"Shares of member {number} submitted: {number} of 2 members (round 1)."
        )
    assert sorted(EscrowShareSubmission.objects.values_list("member_number", flat=True)) == [1, 2]

    # The second member runs it again: the platform refuses a second share of the same member.
    assert bidtool.main(["escrow-share", "--server", server, "--tender", tender_id, *options]) == 1
    assert "duplicate_share: Member 2 has already submitted a share" in capsys.readouterr().err

    # The shares submitted with bidtool are what the host recovers the bid with.
    recovered = story.host_post("escrow-recovery")
    assert recovered.status_code == 200, recovered.json()
    assert recovered.json()["recovered"] == [lost.bid_id]
    assert story.run_decryptions() == ["decrypted"]
    decryption = BidDecryption.objects.get(bid_id=lost.bid_id)
    assert decryption.key_source == "escrow"
    assert decryption.price_sheet["total_price_fen"] == lost.price_fen


def test_the_signed_record_is_fetched_and_checked_offline_and_a_changed_price_is_caught(
    live_server, workspace, certificate_authority, queued, settings, capsys
):
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = opened_hall(certificate_authority, bidders=2, prices=[12_345_678_90, 11_111_111_11])
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted", "decrypted"]
    finalised = story.host_post("finalise")
    assert finalised.status_code == 200, finalised.json()
    outcome = finalised.json()["outcome"]

    # Anyone may fetch the record: no login.
    path = workspace / "record.json"
    assert (
        bidtool.main(
            [
                "record",
                "get",
                "--server",
                live_server.url,
                "--tender",
                story.tender_id,
                "--out",
                str(path),
            ]
        )
        == 0
    )
    assert f"({outcome}, 2 valid bid(s))" in capsys.readouterr().out

    trust = [
        "--trust-root",
        str(certificate_authority.directory / "root.pem"),
        "--trust-root",
        str(certificate_authority.directory / "issuing.pem"),
    ]
    assert bidtool.main(["record", "verify", *trust, "--tender", story.tender_id, str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "Opening record verified: signed by Trading Platform, timestamped at "
    )
    assert lines[2].startswith(
        f"Outcome: {outcome}; 2 valid bid(s), at least {story.tender.minimum_valid_bids} required"
    )
    assert lines[3] == (
        f"  #1 {story.bidders[0].name} ({story.bidders[0].uscc}): "
        "12,345,678.90 yuan, 200 days, 合格 — decrypted, not confirmed"
    )
    assert lines[4].startswith(
        f"  #2 {story.bidders[1].name} ({story.bidders[1].uscc}): 11,111,111.11 yuan"
    )

    # One price changed by one yuan: the platform's signature no longer holds.
    signed = json.loads(path.read_text())
    signed["record"]["lines"][0]["total_price_fen"] += 100
    changed = workspace / "changed.json"
    changed.write_text(json.dumps(signed, ensure_ascii=False))
    assert bidtool.main(["record", "verify", *trust, str(changed)]) == 1
    assert capsys.readouterr().err.startswith("bidtool: signature_invalid: ")

    # A bidder re-signs the changed record with its own certificate from the same CA: a valid
    # signature, but not the platform's.
    signed["signature"] = base64.b64encode(
        sign_detached(canonical_json(signed["record"]), credential=story.bidders[0].credential)
    ).decode()
    changed.write_text(json.dumps(signed, ensure_ascii=False))
    assert bidtool.main(["record", "verify", *trust, str(changed)]) == 1
    error = capsys.readouterr().err
    assert f"signed by {story.bidders[0].name} (organisation), not by the platform" in error

    # A genuine record of another tender is refused when the tender is named.
    assert (
        bidtool.main(
            [
                "record",
                "verify",
                *trust,
                "--tender",
                "00000000-0000-4000-8000-000000000000",
                str(path),
            ]
        )
        == 1
    )
    assert "wrong_tender" in capsys.readouterr().err


def test_a_bidder_signs_in_confirms_and_objects_with_bidtool(
    live_server, workspace, certificate_authority, queued, capsys
):
    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    bidder = story.bidders[0]
    server, tender_id = live_server.url, story.tender_id
    assert (
        bidtool.main(
            ["login", "--server", server, *keyholder(workspace, "bidder", bidder.credential)]
        )
        == 0
    )
    assert bidtool.main(["hall", "sign-in", "--server", server, "--tender", tender_id]) == 0
    assert story.host_post("start").status_code == 200
    assert (
        bidtool.main(
            [
                "decrypt",
                "--server",
                server,
                "--tender",
                tender_id,
                *keyholder(workspace, "bidder", bidder.credential),
                "--no-wait",
            ]
        )
        == 0
    )
    assert story.run_decryptions() == ["decrypted"]

    assert (
        bidtool.main(
            ["hall", "object", "--server", server, "--tender", tender_id, "--text", "工期读错了"]
        )
        == 0
    )
    assert bidtool.main(["hall", "confirm", "--server", server, "--tender", tender_id]) == 0

    hall = bidder.hall(tender_id)
    assert hall["bidders"][0]["signed_in"] is True
    assert hall["bidders"][0]["confirmed"] is True
    assert [item["text"] for item in hall["objections"]] == ["工期读错了"]
    assert "Confirmed your line" in capsys.readouterr().out
