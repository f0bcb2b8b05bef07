"""Evidence shared across bidders: addresses, machines, files and price sheets."""

import ipaddress

from supervision.collusion.inputs import EMPTY_SHA256, BidEvidence, device_identifiers
from supervision.collusion.rules import (
    IDENTICAL_FILE,
    IDENTICAL_PRICE,
    IDENTICAL_PRICE_SHEET,
    SAME_DECRYPTION_ADDRESS,
    SAME_DEVICE,
    SAME_UPLOAD_ADDRESS,
)
from supervision.collusion.shared import (
    address_findings,
    device_findings,
    file_findings,
    price_sheet_findings,
)

MACHINE = {
    "machine_id_sha256": "a" * 64,
    "mac_addresses": ["3c:52:82:01:02:03", "02:42:ac:11:00:02"],
    "hostname_sha256": "b" * 64,
    "installation_id": "6f1c7f5e-0d7a-4c1e-9d8e-1f2a3b4c5d6e",
    "operating_system": "Windows 10",
}


def bid(number: int, bidder: str, **fields) -> BidEvidence:
    return BidEvidence(bid_id=f"bid-{number}", bidder_id=bidder, **fields)


def test_two_bidders_uploading_from_one_address_are_linked_and_a_third_through_another():
    bids = [
        bid(1, "A", upload_addresses=frozenset({"58.1.1.1"})),
        bid(2, "B", upload_addresses=frozenset({"58.1.1.1", "61.2.2.2"})),
        bid(3, "C", upload_addresses=frozenset({"61.2.2.2"})),
        bid(4, "D", upload_addresses=frozenset({"70.3.3.3"})),
    ]

    [finding] = address_findings(bids)

    assert (finding.rule, finding.bidders, finding.severity) == (
        SAME_UPLOAD_ADDRESS,
        ("A", "B", "C"),
        "yellow",
    )
    assert finding.evidence == {
        "matches": [
            {"address": "58.1.1.1", "bidders": ["A", "B"]},
            {"address": "61.2.2.2", "bidders": ["B", "C"]},
        ]
    }


def test_one_bidder_twice_from_one_address_is_no_match():
    bids = [
        bid(1, "A", decryption_addresses=frozenset({"58.1.1.1"})),
        bid(2, "A", decryption_addresses=frozenset({"58.1.1.1"})),
    ]
    assert address_findings(bids) == []


def test_a_shared_network_given_as_honest_is_not_compared():
    bids = [
        bid(1, "A", decryption_addresses=frozenset({"10.8.0.5"})),
        bid(2, "B", decryption_addresses=frozenset({"10.8.0.5"})),
    ]
    assert [f.rule for f in address_findings(bids)] == [SAME_DECRYPTION_ADDRESS]
    assert address_findings(bids, shared_networks=[ipaddress.ip_network("10.8.0.0/16")]) == []


def test_a_machine_is_its_machine_id_installation_and_burnt_in_mac_not_a_virtual_one():
    assert device_identifiers(MACHINE) == {
        ("machine_id_sha256", "a" * 64),
        ("installation_id", MACHINE["installation_id"]),
        ("mac_address", "3c:52:82:01:02:03"),
    }
    # Docker's 02:42:… adapter and the host name are on many unrelated machines.
    docker_only = {"mac_addresses": ["02:42:ac:11:00:02"], "hostname_sha256": "b" * 64}
    assert device_identifiers(docker_only) == set()


def test_the_same_network_card_in_two_bids_names_both_bidders():
    other = {"machine_id_sha256": "c" * 64, "mac_addresses": ["3C:52:82:01:02:03"]}
    bids = [
        bid(1, "A", device_fingerprints=(MACHINE,)),
        bid(2, "B", device_fingerprints=({}, other)),
        bid(3, "C", device_fingerprints=({"mac_addresses": ["02:42:ac:11:00:02"]},)),
    ]

    [finding] = device_findings(bids)

    assert (finding.rule, finding.bidders, finding.severity) == (SAME_DEVICE, ("A", "B"), "red")
    assert finding.evidence == {
        "matches": [{"field": "mac_address", "value": "3c:52:82:01:02:03", "bidders": ["A", "B"]}]
    }


def test_an_identical_file_is_found_but_not_an_empty_one_nor_the_tenders_own():
    template = "d" * 64
    bids = [
        bid(1, "A", file_digests=frozenset({"1" * 64, EMPTY_SHA256, template})),
        bid(2, "B", file_digests=frozenset({"1" * 64, EMPTY_SHA256, template})),
        bid(3, "C", file_digests=frozenset({"3" * 64, EMPTY_SHA256, template})),
    ]

    [finding] = file_findings(bids, common_digests=frozenset({template}))

    assert (finding.rule, finding.bidders) == (IDENTICAL_FILE, ("A", "B"))
    assert finding.evidence == {"matches": [{"sha256": "1" * 64, "bidders": ["A", "B"]}]}


def test_identical_price_sheets_and_apart_from_them_identical_prices():
    sheet = {"total_price_fen": 9_876_543_21, "duration_days": 180, "quality": "合格", "other": {}}
    bids = [
        bid(1, "A", price_fen=9_876_543_21, price_sheet=sheet),
        bid(2, "B", price_fen=9_876_543_21, price_sheet=dict(sheet)),
        bid(3, "C", price_fen=9_000_000_00, price_sheet={**sheet, "total_price_fen": 9_000_000_00}),
        bid(
            4,
            "D",
            price_fen=9_000_000_00,
            price_sheet={**sheet, "total_price_fen": 9_000_000_00, "duration_days": 170},
        ),
    ]

    findings = price_sheet_findings(bids)

    assert [(f.rule, f.bidders, f.severity) for f in findings] == [
        (IDENTICAL_PRICE_SHEET, ("A", "B"), "red"),
        (IDENTICAL_PRICE, ("C", "D"), "yellow"),
    ]
    assert findings[0].evidence == {"matches": [{"price_sheet": sheet, "bidders": ["A", "B"]}]}
    assert findings[1].evidence == {"matches": [{"price_fen": 9_000_000_00, "bidders": ["C", "D"]}]}
