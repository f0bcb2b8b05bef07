"""Fixtures of the bid submission stories: a published tender, bidders logged in with their
certificates, real sealed bids, the real S3 server and PostgreSQL."""

import base64
import datetime as dt
import hashlib
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Organisation, Role
from accounts.services import certificate_bind
from monitoring.services import PLATFORM
from signing.cms import sign_detached, sign_json
from signing.envelope import seal_bid
from storage.objects import MINIMUM_PART_SIZE
from tests.certificates import BIDDER_NAME, BIDDER_USCC, OTHER_BIDDER_NAME, OTHER_BIDDER_USCC
from tests.factories import MembershipFactory, TenderFactory, UserFactory
from trading.services import Acting, tender_publish

# A price no file content contains, to look for where it must not appear.
PRICE_FEN = 987_654_321_987
PRICE_SHEET = {
    "total_price_fen": PRICE_FEN,
    "duration_days": 180,
    "quality": "合格",
    "other": {"warranty_months": 24},
}
FINGERPRINT = {
    "machine_id_sha256": "a" * 64,
    "mac_addresses": ["02:00:00:00:00:01"],
    "hostname_sha256": "b" * 64,
    "installation_id": "00000000-0000-4000-8000-000000000001",
    "operating_system": "Test OS",
}
PLAINTEXT_MARKER = b"PLAINTEXT-MARKER-of-the-technical-offer"


def seal(
    credential,
    tender_id,
    *,
    contents=(PLAINTEXT_MARKER * 10,),
    now=None,
    price_sheet=PRICE_SHEET,
    escrow_public_key=None,
) -> bytes:
    """A real sealed bid for `tender_id`, as bidtool makes it."""
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        files = []
        for index, content in enumerate(contents):
            path = directory / f"file-{index}.pdf"
            path.write_bytes(content)
            files.append(path)
        output = directory / "bid.sealed"
        seal_bid(
            tender_id=str(tender_id),
            credential=credential,
            files=files,
            price_sheet=price_sheet,
            output=output,
            device_fingerprint=FINGERPRINT,
            now=now,
            escrow_public_key=escrow_public_key,
        )
        return output.read_bytes()


def segment_digests(sealed: bytes, start: int = 0, end: int | None = None) -> bytes:
    """The SHA-256s (32 bytes each, in order) of the 1 MiB segments of the sealed file's parts
    region that lie in sealed[start:end], written from docs/sealed-bid-format.md §2."""
    preamble = sealed[:22]
    parts_offset = 22 + sum(int.from_bytes(preamble[at : at + 4], "big") for at in (10, 14, 18))
    end = len(sealed) if end is None else end
    mib = 1 << 20
    digests = b""
    for piece in range(start // mib, -(-end // mib)):
        low, high = max(piece * mib, parts_offset, start), min((piece + 1) * mib, end)
        if low < high:
            digests += hashlib.sha256(sealed[low:high]).digest()
    return digests


def ciphertext_digest(sealed: bytes) -> str:
    """The receipt's ciphertext digest of a sealed file: SHA-256 of its segments' digests."""
    return hashlib.sha256(segment_digests(sealed)).hexdigest()


def certificate_login(client: Client, credential) -> None:
    challenge = client.post("/api/v1/auth/challenge").json()
    message = base64.b64decode(challenge["message"])
    response = client.post(
        "/api/v1/auth/certificate-login",
        {
            "challenge_id": challenge["challenge_id"],
            "signature": base64.b64encode(sign_detached(message, credential=credential)).decode(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()


def make_bidder(credential, *, name: str, uscc: str, username: str):
    organisation = Organisation.objects.filter(uscc=uscc).first() or Organisation.objects.create(
        name=name, uscc=uscc
    )
    membership = MembershipFactory(
        role=Role.BIDDER, organisation=organisation, user=UserFactory(username=username)
    )
    certificate_bind(user=membership.user, certificate=credential.certificate, actor=PLATFORM)
    return membership.user


@pytest.fixture
def bid_settings(settings, platform_ca, s3_server):
    settings.BID_UPLOAD_PART_SIZE = MINIMUM_PART_SIZE
    settings.BID_MAX_SIZE = 2 * 1024**3
    return settings


@pytest.fixture
def tender(bid_settings):
    """A published works tender whose deadline is 25 days away."""
    draft = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    return tender_publish(
        acting=Acting(user=tenderee.user, client_ip="10.0.0.8"), tender_id=draft.pk
    )


@pytest.fixture
def bidder(bid_settings, bidder_credential):
    return make_bidder(
        bidder_credential, name=BIDDER_NAME, uscc=BIDDER_USCC, username="bidder-zhang"
    )


@pytest.fixture
def bidder_client(bidder, bidder_credential) -> Client:
    client = Client(
        HTTP_USER_AGENT="bidtool/1.0 (Test OS)",
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_X_DEVICE_FINGERPRINT=base64.b64encode(
            b'{"installation_id":"00000000-0000-4000-8000-000000000001"}'
        ).decode(),
        REMOTE_ADDR="10.1.2.3",
    )
    certificate_login(client, bidder_credential)
    return client


@pytest.fixture
def other_bidder_client(bid_settings, other_bidder_credential) -> Client:
    make_bidder(
        other_bidder_credential,
        name=OTHER_BIDDER_NAME,
        uscc=OTHER_BIDDER_USCC,
        username="bidder-li",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    certificate_login(client, other_bidder_credential)
    return client


class BidClient:
    """The HTTP steps of a bidder client (what bidtool submit does)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def open(self, tender_id, size: int):
        return self.client.post(
            f"/api/v1/tenders/{tender_id}/bid-uploads",
            {"size": size},
            content_type="application/json",
        )

    def put_part(self, upload_id, number: int, data: bytes):
        return self.client.put(
            f"/api/v1/bid-uploads/{upload_id}/parts/{number}",
            data,
            content_type="application/octet-stream",
        )

    def status(self, upload_id):
        return self.client.get(f"/api/v1/bid-uploads/{upload_id}")

    def finalise(self, upload_id, **headers):
        return self.client.post(
            f"/api/v1/bid-uploads/{upload_id}/finalise",
            {},
            content_type="application/json",
            headers=headers,
        )

    def upload(self, tender_id, sealed: bytes) -> dict:
        """Open and send every part; return the upload's status."""
        opened = self.open(tender_id, len(sealed))
        assert opened.status_code == 201, opened.json()
        upload = opened.json()
        part_size = upload["part_size"]
        for number in range(1, upload["part_count"] + 1):
            data = sealed[(number - 1) * part_size : number * part_size]
            response = self.put_part(upload["id"], number, data)
            assert response.status_code == 200, response.json()
        return upload

    def withdraw(self, tender_id, bid_id: str, credential):
        """Sign a withdrawal request as bidtool does and send it; return the signed request, the
        body sent (to send again) and the response."""
        time = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        request = {"action": "withdraw", "bid": bid_id, "tender": str(tender_id), "time": time}
        body = {
            "time": time,
            "signature": base64.b64encode(sign_json(request, credential=credential)).decode(),
        }
        response = self.client.post(
            f"/api/v1/bids/{bid_id}/withdraw", body, content_type="application/json"
        )
        return request, body, response

    def submit(self, tender_id, sealed: bytes):
        upload = self.upload(tender_id, sealed)
        return self.finalise(upload["id"])
