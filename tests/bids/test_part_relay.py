"""A part is relayed to S3 as it arrives: a body that ends half-way stores nothing, leaves the
part missing (even one stored before) and the part can be sent again."""

import io

import pytest

from accounts.models import User
from bids.acting import bidder_acting
from bids.errors import BidRefused
from bids.models import BidUploadPart
from bids.submission.uploads import bid_upload_part
from signing.envelope import read_envelope
from signing.envelope.format import certificate_sha256
from tests.bids.conftest import BidClient, seal


class EndsEarly(io.RawIOBase):
    """A request body whose client goes away after `stop` bytes."""

    def __init__(self, data: bytes, stop: int) -> None:
        self._stream = io.BytesIO(data[:stop])

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)


@pytest.mark.django_db
def test_a_part_that_ends_half_way_is_missing_again_and_can_be_sent_again(
    tender, bidder_client, bidder_credential
):
    sealed = seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 45_000])
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, sealed)
    size = upload["part_size"]
    acting = bidder_acting(
        user=User.objects.get(username="bidder-zhang"),
        certificate_sha256=certificate_sha256(bidder_credential.certificate),
    )
    part = sealed[size : 2 * size]

    with pytest.raises(BidRefused) as refused:
        bid_upload_part(
            acting=acting,
            upload_id=upload["id"],
            number=2,
            stream=EndsEarly(part, stop=1_000_000),
            length=len(part),
        )

    assert (refused.value.code, refused.value.retryable) == ("part_incomplete", True)
    assert f"ended after 1000000 of {len(part)} bytes" in refused.value.message
    assert not BidUploadPart.objects.filter(upload_id=upload["id"], number=2).exists()
    assert bids.status(upload["id"]).json()["missing_parts"] == [2]
    assert bids.finalise(upload["id"]).json()["error"] == "upload_incomplete"

    assert bids.put_part(upload["id"], 2, part).status_code == 200
    done = bids.finalise(upload["id"])
    assert done.status_code == 201, done.json()
    assert done.json()["receipt"]["size"] == len(sealed)


@pytest.mark.django_db
def test_part_one_ending_inside_its_front_stores_nothing(tender, bidder_client, bidder_credential):
    sealed = seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 45_000])
    upload = BidClient(bidder_client).open(tender.pk, len(sealed)).json()
    acting = bidder_acting(
        user=User.objects.get(username="bidder-zhang"),
        certificate_sha256=certificate_sha256(bidder_credential.certificate),
    )
    part = sealed[: upload["part_size"]]

    with pytest.raises(BidRefused) as refused:
        bid_upload_part(
            acting=acting,
            upload_id=upload["id"],
            number=1,
            stream=EndsEarly(part, stop=100),
            length=len(part),
        )

    assert refused.value.code == "part_incomplete"
    assert not BidUploadPart.objects.filter(upload_id=upload["id"]).exists()


class Counted(io.BytesIO):
    """A request body that tells how much of it has been read."""


@pytest.mark.django_db
def test_part_one_is_checked_after_reading_exactly_its_front(
    tender, bidder_client, bidder_credential, monkeypatch
):
    """A request holds the front it checks (KiB), not the 2.3 MiB a front may reach."""
    import bids.submission.uploads

    sealed = seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 45_000])
    upload = BidClient(bidder_client).open(tender.pk, len(sealed)).json()
    acting = bidder_acting(
        user=User.objects.get(username="bidder-zhang"),
        certificate_sha256=certificate_sha256(bidder_credential.certificate),
    )
    part = sealed[: upload["part_size"]]
    body = Counted(part)
    seen = []
    check_front = bids.submission.uploads._check_front

    def watched(upload, data):
        seen.append((len(data), body.tell()))
        return check_front(upload, data)

    monkeypatch.setattr(bids.submission.uploads, "_check_front", watched)

    bid_upload_part(acting=acting, upload_id=upload["id"], number=1, stream=body, length=len(part))

    parts_offset = read_envelope(io.BytesIO(sealed)).parts_offset
    assert seen == [(parts_offset, parts_offset)]
    assert parts_offset < 64 * 1024
    assert BidUploadPart.objects.get(upload_id=upload["id"], number=1).size == len(part)
