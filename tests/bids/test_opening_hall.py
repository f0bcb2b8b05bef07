"""Stories of the remote opening hall on real parts: PostgreSQL, the S3 server, real sealed
bids, real keys. The worker's job runs in the test process (tests/bids/test_decryption_worker.py
runs it in a real Celery worker)."""

import base64
import io
import json

import pytest

from bids.models import BidDecryption, BidState, OpeningSession
from monitoring.models import Alert, Event
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from signing.envelope import read_envelope
from signing.envelope.segments import ciphertext_sha256
from signing.timestamps import verify_timestamp
from tests.bids.opening import build_opening
from trading.models import Notice, NoticeKind, TenderState

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def five_bidders_and_a_committee(bid_settings, certificate_authority):
    return build_opening(certificate_authority, bidders=5, committee=3, threshold=2)


def test_five_bidders_one_recovered_by_escrow_one_failing_by_its_own_fault(
    five_bidders_and_a_committee,
):
    story = five_bidders_and_a_committee
    tender_id = story.tender_id
    story.reach_deadline()
    for bidder in story.bidders:
        assert bidder.post(tender_id, "sign-in").status_code == 200
    started = story.host_post("start")
    assert started.status_code == 200, started.json()

    # Three bidders decrypt normally.
    for bidder in story.bidders[:3]:
        response = bidder.hand_over_key(tender_id)
        assert response.status_code == 202, response.json()
    # The fourth has lost its key: the committee recovers its bid through escrow.
    lost = story.bidders[3]
    response = story.host_post(f"bids/{lost.bid_id}/escrow-request", {"reason": "投标人CA锁损坏"})
    assert response.status_code == 200, response.json()
    for member in story.members[:2]:
        response = member.submit_share(tender_id)
        assert response.status_code == 201, response.json()
    recovered = story.host_post("escrow-recovery")
    assert recovered.status_code == 200, recovered.json()
    assert recovered.json()["recovered"] == [lost.bid_id]
    # The fifth gives a wrong key, is told at once, and then never gives the right one.
    careless = story.bidders[4]
    wrong = careless.hand_over_key(tender_id, key=bytes(32))
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "wrong_key"

    assert story.run_decryptions() == ["decrypted"] * 4
    # The window ends: the chronograph closes it, failing the bid with no key.
    OpeningSession.objects.filter(tender=story.tender).update(
        decryption_ends_at=story.tender.bid_deadline
    )
    from bids.opening.sweep import opening_sweep_due

    opening_sweep_due()
    hall = story.bidders[0].hall(tender_id)
    assert hall["session"]["state"] == "reading"
    assert [row["decryption"] for row in hall["bidders"]] == ["decrypted"] * 4 + ["failed"]
    assert [row["total_price_fen"] for row in hall["bidders"][:4]] == [
        bidder.price_fen for bidder in story.bidders[:4]
    ]
    assert hall["bidders"][3]["key_source"] == "escrow"

    response = story.host_post(
        f"bids/{careless.bid_id}/fault", {"fault": "bidder", "reason": "投标人未在解密时限内解密"}
    )
    assert response.status_code == 200, response.json()
    objection = story.bidders[1].post(tender_id, "objections", {"text": "请复核报价"})
    assert objection.status_code == 201
    for bidder in story.bidders:
        assert bidder.post(tender_id, "confirm").status_code == 200
    assert story.host_post("finalise").json()["error"] == "objections_unanswered"
    answer = story.host_post(
        f"objections/{objection.json()['id']}/answer", {"answer": "已复核，报价与投标文件一致"}
    )
    assert answer.status_code == 200
    finalised = story.host_post("finalise")
    assert finalised.status_code == 200, finalised.json()
    assert finalised.json()["outcome"] == "opened"

    assert story.refresh().state == TenderState.OPENED
    assert BidDecryption.objects.get(bid_id=careless.bid_id).bid.state == BidState.DECRYPT_FAILED
    record = story.host.get(f"/api/v1/tenders/{tender_id}/opening/record").json()
    document = json.dumps(
        record["record"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    signed = verify_detached(
        base64.b64decode(record["signature"]), document, trust=platform_trust_store()
    )
    verify_timestamp(
        base64.b64decode(record["timestamp_token"]), document, trust=platform_trust_store()
    )
    assert signed.identity.name
    assert record["record"]["valid_bids"] == 4
    assert record["record"]["lines"][4]["treated_as"] == "revoked"
    assert Notice.objects.filter(tender=story.tender, kind=NoticeKind.OPENING_RECORD).count() == 1


def test_a_tender_with_two_valid_bids_fails_with_its_notice(
    bid_settings, certificate_authority, settings
):
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = build_opening(certificate_authority, bidders=2)
    story.reach_deadline()
    story.host_post("start")
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted", "decrypted"]
    finalised = story.host_post("finalise")
    assert finalised.status_code == 200, finalised.json()
    assert finalised.json()["outcome"] == "failed"
    assert story.refresh().state == TenderState.FAILED
    failed = Notice.objects.get(tender=story.tender, kind=NoticeKind.FAILED_TENDER)
    assert "2" in failed.body["reason"]


def test_a_tampered_ciphertext_fails_its_bid_and_alerts_supervisors(
    bid_settings, certificate_authority
):
    from storage.objects import get_storage

    story = build_opening(certificate_authority, bidders=1, contents=(b"x" * (3 * 1024 * 1024),))
    story.reach_deadline()
    story.host_post("start")
    bidder = story.bidders[0]
    assert bidder.hand_over_key(story.tender_id).status_code == 202
    accepted = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert len(accepted.manifest_sha256) == 64  # verified at the hand-over, not again
    upload = accepted.bid.upload
    storage = get_storage()
    with storage.open(bucket=upload.bucket, key=upload.object_key) as chunks:
        data = bytearray(b"".join(chunks))
    data[-100] ^= 0x01
    storage.put_stream(bucket=upload.bucket, key=upload.object_key, stream=io.BytesIO(data))
    assert story.run_decryptions() == ["failed"]
    decryption = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert decryption.state == "failed"
    assert decryption.failure_code == "chunk_authentication_failed"
    assert "changed after it was received" in decryption.failure_reason
    stored = ciphertext_sha256([bytes(data)], read_envelope(io.BytesIO(data)).parts_offset)
    assert decryption.evidence["stored_ciphertext_sha256"] == stored
    assert decryption.evidence["receipt_ciphertext_sha256"] != stored
    alert = Alert.objects.get(kind="bid_tampered")
    assert alert.object_id == bidder.bid_id
    assert Event.objects.filter(action="alert.raised").count() == 1


def test_after_the_deadline_the_host_sees_every_bidder_before_anyone_signs_in(
    bid_settings, certificate_authority
):
    story = build_opening(certificate_authority, bidders=3)
    story.reach_deadline()

    hall = story.host.get(f"/api/v1/tenders/{story.tender_id}/opening").json()

    assert hall["viewer"]["role"] == "host"
    assert hall["session"] is None
    assert [row["bidder"] for row in hall["bidders"]] == [bidder.name for bidder in story.bidders]
    assert not any(row["signed_in"] for row in hall["bidders"])


def test_a_committee_member_without_a_certificate_stops_the_publication(bid_settings):
    from accounts.models import Role
    from tests.factories import MembershipFactory, TenderFactory, UserFactory
    from trading.models import Tender
    from trading.services import Acting, TenderInvalid, tender_publish

    draft = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    members = [UserFactory(), UserFactory()]
    Tender.objects.filter(pk=draft.pk).update(
        opening_committee={"members": [str(member.pk) for member in members], "threshold": 2}
    )

    with pytest.raises(TenderInvalid) as refused:
        tender_publish(acting=Acting(user=tenderee.user), tender_id=draft.pk)

    assert str(members[0].pk) in refused.value.problems["opening_committee"]
    assert Tender.objects.get(pk=draft.pk).state == TenderState.DRAFT


def test_a_published_tender_with_a_committee_offers_its_escrow_key_to_bidders(
    bid_settings, certificate_authority
):
    story = build_opening(certificate_authority, bidders=0, committee=3, threshold=2)

    tender = story.host.get(f"/api/v1/tenders/{story.tender_id}").json()

    assert tender["escrow_public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert tender["escrow_key_id"] == story.tender.escrow.key_id
    assert len(story.tender.escrow.shares) == 3
    assert Event.objects.filter(action="tender.escrow_created").count() == 1


def test_a_bid_replaced_in_storage_by_a_later_sealing_fails_as_tampered(
    bid_settings, certificate_authority
):

    from storage.objects import get_storage
    from tests.bids.conftest import seal
    from tests.bids.opening import price_sheet

    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    story.host_post("start")
    bidder = story.bidders[0]
    assert bidder.hand_over_key(story.tender_id).status_code == 202
    # Someone with write access to the store puts a validly signed, later sealing in its place.
    later = seal(bidder.credential, story.tender.pk, price_sheet=price_sheet(1_00))
    upload = BidDecryption.objects.get(bid_id=bidder.bid_id).bid.upload
    get_storage().put_stream(bucket=upload.bucket, key=upload.object_key, stream=io.BytesIO(later))

    assert story.run_decryptions() == ["failed"]

    decryption = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert decryption.failure_code == "header_changed"
    assert Alert.objects.get(kind="bid_tampered").object_id == bidder.bid_id
    assert decryption.price_sheet == {}


def test_a_tender_suspended_before_its_deadline_still_hides_who_bid(
    bid_settings, certificate_authority
):
    from accounts.models import Role
    from tests.factories import MembershipFactory
    from trading.services import Acting, tender_suspend

    story = build_opening(certificate_authority, bidders=2)
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    tender_suspend(
        acting=Acting(user=supervisor), tender_id=story.tender.pk, reason="投诉处理期间暂停"
    )

    hall = story.bidders[0].hall(story.tender_id)

    assert hall["tender"]["state"] == TenderState.SUSPENDED
    assert [row["bidder"] for row in hall["bidders"]] == [story.bidders[0].name]


def test_a_suspension_during_decryption_gives_the_window_back_its_time(
    bid_settings, certificate_authority
):
    import datetime as dt

    from accounts.models import Role
    from bids.opening.sweep import opening_sweep_due
    from tests.factories import MembershipFactory
    from trading.services import Acting, tender_resume, tender_suspend

    story = build_opening(certificate_authority, bidders=1)
    story.reach_deadline()
    story.host_post("start")
    supervisor = Acting(user=MembershipFactory(role=Role.SUPERVISOR, organisation=None).user)
    ends_at = OpeningSession.objects.get(tender=story.tender).decryption_ends_at
    tender_suspend(acting=supervisor, tender_id=story.tender.pk, reason="核查投诉")
    opening_sweep_due()  # the chronograph sees the suspension
    refused = story.bidders[0].hand_over_key(story.tender_id, key=bytes(32))
    # The supervisor holds the tender for 40 minutes (moved back rather than waited for).
    OpeningSession.objects.filter(tender=story.tender).update(
        window_paused_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=40)
    )

    tender_resume(acting=supervisor, tender_id=story.tender.pk, reason="核查完毕")
    opening_sweep_due()

    session = OpeningSession.objects.get(tender=story.tender)
    assert refused.json()["error"] == "tender_not_opening"
    assert session.state == "decrypting" and session.window_paused_at is None
    assert (
        dt.timedelta(minutes=39) < session.decryption_ends_at - ends_at < dt.timedelta(minutes=41)
    )
    assert Event.objects.filter(action="opening.window_extended").count() == 1
    assert story.bidders[0].hand_over_key(story.tender_id).status_code == 202


class _DamagingEncryptor:
    """Cobblestone as the sealer runs it, but flipping one ciphertext bit of the first file
    part before the header's digest is taken: a bid its own tool sealed damaged."""

    real = None  # the real class, set by the test

    def __init__(self, key: bytes, context: bytes) -> None:
        self._inner = self.real(key, context)
        self._damage = b'"part_kind":"file"' in context

    @classmethod
    def generate_key(cls) -> bytes:
        return cls.real.generate_key()

    def update(self, data: bytes) -> bytes:
        return self._inner.update(data)

    def update_into(self, data, out) -> int:
        written = self._inner.update_into(data, out)
        if self._damage and written:
            out[written // 2] ^= 0x01
            self._damage = False
        return written

    def finalize(self) -> bytes:
        return self._inner.finalize()


def test_a_bid_sealed_damaged_fails_with_the_stored_bytes_matching_the_receipt(
    bid_settings, certificate_authority, monkeypatch
):
    from signing.envelope import encryption

    _DamagingEncryptor.real = encryption.Cobblestone256Encryptor
    monkeypatch.setattr(encryption, "Cobblestone256Encryptor", _DamagingEncryptor)
    story = build_opening(certificate_authority, bidders=1, contents=(b"y" * (300 * 1024),))
    monkeypatch.undo()  # the bid was received and receipted: its header's digests match
    story.reach_deadline()
    story.host_post("start")
    bidder = story.bidders[0]
    assert bidder.hand_over_key(story.tender_id).status_code == 202  # the manifest is intact

    assert story.run_decryptions() == ["failed"]

    decryption = BidDecryption.objects.get(bid_id=bidder.bid_id)
    assert decryption.failure_code == "chunk_authentication_failed"
    assert "it was sealed damaged" in decryption.failure_reason
    evidence = decryption.evidence
    assert evidence["stored_ciphertext_sha256"] == evidence["receipt_ciphertext_sha256"]
