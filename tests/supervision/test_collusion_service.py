"""Must-show of issue #16: a tender of 8 bidders, 3 of them colluding (one machine, prices in
progression, one identical file), raises alerts naming exactly those 3 with their evidence; 5
honest synthetic tenders raise none. The alerts are sealed: the log shows only their kind."""

import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.acting import Acting
from accounts.models import Role
from bids.models import OpeningState
from config.errors import Refusal
from monitoring.models import Alert, Event
from supervision.collusion import rules
from supervision.collusion.services import collusion_screen
from tests.factories import MembershipFactory, UserFactory
from tests.supervision import synthetic
from tests.supervision.seeding import SeededBid, seed_opened_tender

SEED = 20260302


def honest_bid(rng: random.Random) -> SeededBid:
    return SeededBid(
        price_fen=synthetic.honest_price(rng),
        upload_address=synthetic.address(rng),
        decryption_address=synthetic.address(rng),
        fingerprint=synthetic.fingerprint(rng),
        file_digests=[synthetic.digest(rng), synthetic.digest(rng)],
    )


def colluding_scenario(rng: random.Random) -> tuple[list[SeededBid], list[SeededBid]]:
    """Five honest bidders and three who sealed their bids on one machine, stepped their prices
    by 100 000 yuan and attached the same technical offer."""
    honest = [honest_bid(rng) for _ in range(5)]
    machine = synthetic.fingerprint(rng)
    technical_offer = synthetic.digest(rng)
    colluders = [
        SeededBid(
            price_fen=price,
            upload_address=synthetic.address(rng),
            decryption_address=synthetic.address(rng),
            fingerprint=machine,
            file_digests=[synthetic.digest(rng), technical_offer],
        )
        for price in (9_650_000_00, 9_750_000_00, 9_850_000_00)
    ]
    bids = [*honest[:2], colluders[1], *honest[2:4], colluders[0], honest[4], colluders[2]]
    return bids, colluders


@pytest.mark.django_db
def test_three_colluders_among_eight_bidders_are_named_with_their_evidence():
    bids, colluders = colluding_scenario(random.Random(SEED))
    tender = seed_opened_tender(bids)

    screening = collusion_screen(tender_id=tender.pk)

    named = tuple(sorted(str(seeded.bidder.pk) for seeded in colluders))
    assert screening.bids_screened == 8
    assert [
        (finding.rule, finding.severity, finding.bidders) for finding in screening.findings
    ] == [
        (rules.ARITHMETIC_PRICES, "yellow", named),
        (rules.IDENTICAL_FILE, "red", named),
        (rules.SAME_DEVICE, "red", named),
    ]
    progression, identical, device = screening.findings
    in_order = [str(seeded.bidder.pk) for seeded in colluders]
    assert progression.evidence["prices_fen"] == [9_650_000_00, 9_750_000_00, 9_850_000_00]
    assert progression.evidence["bidders_in_order"] == in_order
    assert progression.evidence["step_fen"] == 100_000_00
    assert progression.source == "招标投标法实施条例 第四十条（四）"
    assert identical.evidence == {
        "matches": [{"sha256": colluders[0].file_digests[1], "bidders": list(named)}]
    }
    machine = colluders[0].fingerprint
    assert sorted(device.evidence["matches"], key=lambda match: match["field"]) == [
        {"field": "installation_id", "value": machine["installation_id"], "bidders": list(named)},
        {"field": "mac_address", "value": machine["mac_addresses"][0], "bidders": list(named)},
        {
            "field": "machine_id_sha256",
            "value": machine["machine_id_sha256"],
            "bidders": list(named),
        },
    ]
    assert device.source == "招标投标法实施条例 第四十条（一）"

    alerts = sorted(Alert.objects.filter(tender_id=str(tender.pk)), key=lambda alert: alert.kind)
    assert [(alert.kind, alert.severity) for alert in alerts] == [
        (rules.ARITHMETIC_PRICES, "yellow"),
        (rules.IDENTICAL_FILE, "red"),
        (rules.SAME_DEVICE, "red"),
    ]
    for alert in alerts:
        assert [bidder["uscc"] for bidder in alert.evidence["bidders"]] == [
            seeded.bidder.uscc
            for seeded in sorted(colluders, key=lambda seeded: str(seeded.bidder.pk))
        ]
        assert (alert.object_type, alert.object_id) == ("trading.tender", str(tender.pk))


@pytest.mark.django_db
def test_a_collusion_alert_is_sealed_the_log_shows_only_its_kind():
    bids, colluders = colluding_scenario(random.Random(SEED))
    tender = seed_opened_tender(bids)

    collusion_screen(tender_id=tender.pk)

    alert = Alert.objects.get(kind=rules.SAME_DEVICE)
    event = Event.objects.get(action="alert.raised", object_id=str(alert.pk))
    assert (event.actor, event.actor_label, event.client_ip) == (None, "sealed", None)
    assert set(event.payload) == {"kind", "severity", "sealed_identity_sha256"}
    assert (event.payload["kind"], event.payload["severity"]) == (rules.SAME_DEVICE, "red")
    identity = event.sealed_identity
    assert identity.tender_id == str(tender.pk)
    assert identity.fields["evidence"] == alert.evidence
    assert colluders[0].bidder.uscc not in str(event.payload)


@pytest.mark.django_db
def test_five_honest_tenders_raise_no_collusion_alert():
    rng = random.Random(SEED)
    tenders = [seed_opened_tender([honest_bid(rng) for _ in range(8)]) for _ in range(5)]
    texts_rng = random.Random(SEED + 1)

    screenings = [
        collusion_screen(
            tender_id=tender.pk,
            texts={str(bid.pk): synthetic.technical_text(texts_rng) for bid in tender.bids.all()},
        )
        for tender in tenders
    ]

    assert [screening.findings for screening in screenings] == [[]] * 5
    assert [screening.bids_screened for screening in screenings] == [8] * 5
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_upload_decryption_and_download_addresses_are_read_from_where_they_are_recorded():
    rng = random.Random(SEED)
    bids = [honest_bid(rng) for _ in range(6)]
    # A and B decrypted from one office; B and C obtained the documents from one address; D
    # first tried to upload from E's address, then bid from another.
    bids[1].decryption_address = bids[0].decryption_address
    bids[1].download_address = bids[2].download_address = "58.40.1.7"
    bids[3].earlier_upload_address = bids[4].upload_address
    tender = seed_opened_tender(bids)

    screening = collusion_screen(tender_id=tender.pk)

    bidder = [str(seeded.bidder.pk) for seeded in bids]
    assert [(finding.rule, finding.evidence) for finding in screening.findings] == [
        (
            rules.SAME_DECRYPTION_ADDRESS,
            {"matches": [{"address": bids[0].decryption_address, "bidders": sorted(bidder[:2])}]},
        ),
        (
            rules.SAME_DOWNLOAD_ADDRESS,
            {"matches": [{"address": "58.40.1.7", "bidders": sorted(bidder[1:3])}]},
        ),
        (
            rules.SAME_UPLOAD_ADDRESS,
            {"matches": [{"address": bids[4].upload_address, "bidders": sorted(bidder[3:5])}]},
        ),
    ]


@pytest.mark.django_db
def test_a_second_run_raises_nothing_new():
    bids, _colluders = colluding_scenario(random.Random(SEED))
    tender = seed_opened_tender(bids)
    collusion_screen(tender_id=tender.pk)

    again = collusion_screen(tender_id=tender.pk)

    assert len(again.findings) == 3
    assert again.alerts_raised == []
    assert Alert.objects.filter(tender_id=str(tender.pk)).count() == 3


@pytest.mark.django_db
def test_copied_technical_offers_supplied_by_the_caller_are_found():
    rng = random.Random(SEED)
    bids = [honest_bid(rng) for _ in range(6)]
    tender = seed_opened_tender(bids)
    texts = {str(seeded.bid.pk): synthetic.technical_text(rng) for seeded in bids}
    original = texts[str(bids[1].bid.pk)]
    texts[str(bids[4].bid.pk)] = synthetic.copied_text(rng, original, changed=0.1)

    screening = collusion_screen(tender_id=tender.pk, texts=texts)

    [finding] = screening.findings
    assert finding.rule == rules.SIMILAR_TEXT
    assert finding.bidders == tuple(sorted((str(bids[1].bidder.pk), str(bids[4].bidder.pk))))
    [pair] = finding.evidence["pairs"]
    assert 0.8 <= pair["jaccard_similarity"] <= 0.95
    assert abs(pair["estimated_similarity"] - pair["jaccard_similarity"]) <= 0.1


@pytest.mark.django_db
def test_the_screen_reads_with_a_fixed_number_of_queries():
    rng = random.Random(SEED)
    small = seed_opened_tender([honest_bid(rng) for _ in range(4)])
    large = seed_opened_tender([honest_bid(rng) for _ in range(24)])

    counts = []
    for tender in (small, large):
        with CaptureQueriesContext(connection) as queries:
            collusion_screen(tender_id=tender.pk)
        counts.append(len(queries))

    # Tender, opening, bids, uploads, key events, downloads, documents; the lock and the
    # alerts already raised, between a savepoint and its release.
    assert counts == [11, 11]


@pytest.mark.django_db
def test_a_supervisor_may_run_the_screen_and_nobody_else():
    bids, _colluders = colluding_scenario(random.Random(SEED))
    tender = seed_opened_tender(bids)
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user

    with pytest.raises(PermissionDenied, match="Only a supervisor"):
        collusion_screen(tender_id=tender.pk, acting=Acting(user=tenderee))
    with pytest.raises(PermissionDenied):
        collusion_screen(tender_id=tender.pk, acting=Acting(user=UserFactory(is_superuser=True)))
    assert not Alert.objects.exists()

    screening = collusion_screen(
        tender_id=tender.pk, acting=Acting(user=supervisor, client_ip="10.0.0.9")
    )

    assert len(screening.alerts_raised) == 3
    event = Event.objects.filter(action="alert.raised").first()
    assert (event.sealed_identity.actor, event.sealed_identity.client_ip) == (
        supervisor,
        "10.0.0.9",
    )


@pytest.mark.django_db
def test_a_tender_whose_prices_were_not_read_is_refused():
    bids, _colluders = colluding_scenario(random.Random(SEED))
    tender = seed_opened_tender(bids, state=OpeningState.DECRYPTING)

    with pytest.raises(Refusal) as refused:
        collusion_screen(tender_id=tender.pk)

    assert (refused.value.code, refused.value.status) == ("prices_not_read", 409)
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_a_text_for_a_bid_of_another_tender_is_refused():
    rng = random.Random(SEED)
    tender = seed_opened_tender([honest_bid(rng) for _ in range(3)])
    other = seed_opened_tender([honest_bid(rng) for _ in range(3)])
    stranger = str(other.bids.first().pk)

    with pytest.raises(Refusal) as refused:
        collusion_screen(tender_id=tender.pk, texts={stranger: "技术方案"})

    assert (refused.value.code, refused.value.field) == ("text_of_unknown_bid", "texts")
    assert stranger in refused.value.message
