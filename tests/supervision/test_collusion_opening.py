"""The screen over a real opening: bids sealed by bidtool's code, uploaded, decrypted by the
worker, so that what the screen reads is what the bids services stored. The cast of
tests/bids/opening.py seals every bid on one test machine (one fingerprint, one file), sends
them from one address and prices them 12 345 yuan apart: every sign at once."""

import pytest

from supervision.collusion import rules
from supervision.collusion.services import collusion_screen
from tests.bids.conftest import FINGERPRINT, bid_settings  # noqa: F401 (a fixture)
from tests.bids.opening import build_opening


@pytest.mark.django_db
def test_bids_sealed_on_one_machine_and_sent_from_one_address_are_found(
    bid_settings,  # noqa: F811
    certificate_authority,
):
    story = build_opening(certificate_authority, bidders=3)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted"] * 3

    screening = collusion_screen(tender_id=story.tender.pk)

    everyone = tuple(sorted(str(bid.bidder_id) for bid in story.tender.bids.all()))
    assert [(finding.rule, finding.bidders) for finding in screening.findings] == [
        (rules.ARITHMETIC_PRICES, everyone),
        (rules.IDENTICAL_FILE, everyone),
        (rules.SAME_DECRYPTION_ADDRESS, everyone),
        (rules.SAME_DEVICE, everyone),
        (rules.SAME_UPLOAD_ADDRESS, everyone),
    ]
    evidence = {finding.rule: finding.evidence for finding in screening.findings}
    assert evidence[rules.ARITHMETIC_PRICES]["step_fen"] == 12_345_00
    assert evidence[rules.SAME_UPLOAD_ADDRESS]["matches"][0]["address"] == "10.9.0.1"
    assert evidence[rules.SAME_DECRYPTION_ADDRESS]["matches"][0]["address"] == "10.9.0.1"
    # The signed manifest's fingerprint: its machine id and installation; its MAC is a locally
    # administered one, which many machines share, and is not compared.
    assert {
        (match["field"], match["value"]) for match in evidence[rules.SAME_DEVICE]["matches"]
    } == {
        ("machine_id_sha256", FINGERPRINT["machine_id_sha256"]),
        ("installation_id", FINGERPRINT["installation_id"]),
    }
    assert len(screening.alerts_raised) == 5
