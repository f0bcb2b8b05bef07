"""A notice becomes an OCDS 1.1 release: the fields the schema requires, and our mapping.

The required-field check is written from the OCDS 1.1 release schema: a release requires ocid,
id, date, tag and initiationType; tender, award and contract blocks each require id (a contract
also awardID); an organisation reference has id and name; a value has amount and currency;
tag, tender.status, award.status, contract.status, procurementMethod, mainProcurementCategory,
initiationType and party roles come from their codelists.
"""

import datetime as dt
import re
import uuid

import pytest

from tests.factories import OrganisationFactory, ProjectFactory, TenderFactory
from trading.models import NoticeKind, Tender, TenderState
from trading.ocds import ReleaseInvalid, release_build

RELEASE_TAGS = {
    "planning",
    "planningUpdate",
    "tender",
    "tenderAmendment",
    "tenderUpdate",
    "tenderCancellation",
    "award",
    "awardUpdate",
    "awardCancellation",
    "contract",
    "contractUpdate",
    "contractAmendment",
    "implementation",
    "implementationUpdate",
    "contractTermination",
    "compiled",
}
TENDER_STATUSES = {
    "planning",
    "planned",
    "active",
    "cancelled",
    "unsuccessful",
    "complete",
    "withdrawn",
}
AWARD_STATUSES = {"pending", "active", "cancelled", "unsuccessful"}
CONTRACT_STATUSES = {"pending", "active", "cancelled", "terminated"}
METHODS = {"open", "selective", "limited", "direct"}
CATEGORIES = {"goods", "works", "services"}
PARTY_ROLES = {
    "buyer",
    "procuringEntity",
    "supplier",
    "tenderer",
    "funder",
    "enquirer",
    "payer",
    "payee",
    "reviewBody",
    "interestedParty",
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
PUBLISHED = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing


def schema_problems(release: dict) -> list[str]:
    """What the OCDS 1.1 release schema would refuse in the parts this platform writes."""
    problems = []

    def need(container: dict, key: str, where: str) -> None:
        if key not in container or container[key] in (None, "", []):
            problems.append(f"{where}.{key} is required")

    for key in ("ocid", "id", "date", "tag", "initiationType"):
        need(release, key, "release")
    if not RFC3339.match(str(release.get("date"))):
        problems.append("release.date is not an RFC 3339 date-time")
    if not set(release.get("tag", [])) <= RELEASE_TAGS:
        problems.append(f"release.tag {release.get('tag')} outside the releaseTag codelist")
    if release.get("initiationType") != "tender":
        problems.append("release.initiationType must be 'tender'")

    def check_value(value: dict, where: str) -> None:
        if not isinstance(value.get("amount"), int | float):
            problems.append(f"{where}.amount must be a number")
        if value.get("currency") != "CNY":
            problems.append(f"{where}.currency must be CNY")

    def check_reference(reference: dict, where: str) -> None:
        need(reference, "id", where)
        need(reference, "name", where)
        if reference.get("id") not in party_ids:
            problems.append(f"{where}.id names no party")

    parties = release.get("parties", [])
    party_ids = {party.get("id") for party in parties}
    for index, party in enumerate(parties):
        need(party, "id", f"parties[{index}]")
        need(party, "name", f"parties[{index}]")
        if not set(party.get("roles", [])) <= PARTY_ROLES:
            problems.append(f"parties[{index}].roles outside the partyRole codelist")
        identifier = party.get("identifier", {})
        need(identifier, "scheme", f"parties[{index}].identifier")
        need(identifier, "id", f"parties[{index}].identifier")
    if "buyer" in release:
        check_reference(release["buyer"], "buyer")
    tender = release.get("tender")
    if tender is not None:
        need(tender, "id", "tender")
        if tender.get("status") not in TENDER_STATUSES:
            problems.append(f"tender.status {tender.get('status')} outside the codelist")
        if tender.get("procurementMethod") not in METHODS:
            problems.append("tender.procurementMethod outside the method codelist")
        if tender.get("mainProcurementCategory") not in CATEGORIES:
            problems.append("tender.mainProcurementCategory outside the codelist")
        check_value(tender.get("value", {}), "tender.value")
        check_reference(tender.get("procuringEntity", {}), "tender.procuringEntity")
        for period in ("tenderPeriod", "enquiryPeriod"):
            for key, moment in tender.get(period, {}).items():
                if not RFC3339.match(moment):
                    problems.append(f"tender.{period}.{key} is not an RFC 3339 date-time")
    award_ids = set()
    for index, award in enumerate(release.get("awards", [])):
        need(award, "id", f"awards[{index}]")
        award_ids.add(award.get("id"))
        if award.get("status") not in AWARD_STATUSES:
            problems.append(f"awards[{index}].status outside the awardStatus codelist")
        for number, supplier in enumerate(award.get("suppliers", [])):
            check_reference(supplier, f"awards[{index}].suppliers[{number}]")
        if "value" in award:
            check_value(award["value"], f"awards[{index}].value")
    for index, contract in enumerate(release.get("contracts", [])):
        need(contract, "id", f"contracts[{index}]")
        need(contract, "awardID", f"contracts[{index}]")
        if contract.get("awardID") not in award_ids:
            problems.append(f"contracts[{index}].awardID names no award of the release")
        if contract.get("status") not in CONTRACT_STATUSES:
            problems.append(f"contracts[{index}].status outside the contractStatus codelist")
        check_value(contract.get("value", {}), f"contracts[{index}].value")
    return problems


def built_tender(**fields) -> Tender:
    """An unsaved tender (the builder is pure: it needs no database)."""
    agent = fields.pop("agent", None)
    project = ProjectFactory.build(
        tenderee=OrganisationFactory.build(name="示范市教育局", uscc="11110108MB0000001X"),
        agent=agent,
    )
    fields.setdefault("state", TenderState.PUBLISHED)
    fields.setdefault("published_at", PUBLISHED)
    return TenderFactory.build(project=project, **fields)


def build(tender: Tender, kind: str, body: dict | None = None, release_id: str = "r-1") -> dict:
    return release_build(tender=tender, kind=kind, release_id=release_id, date=PUBLISHED, body=body)


CANDIDATES = [
    {
        "rank": 1,
        "name": "北京示例建设工程有限公司",
        "uscc": "91110000100000016D",
        "price_fen": 11_500_000_00,
    },
    {
        "rank": 2,
        "name": "天津样本路桥有限公司",
        "uscc": "91120000200000027E",
        "price_fen": 11_650_000_50,
    },
]
AWARDED = {
    "name": "北京示例建设工程有限公司",
    "uscc": "91110000100000016D",
    "price_fen": 11_500_000_00,
    "decided_at": "2026-05-06T10:00:00+08:00",
}


def test_a_tender_notice_release_has_every_field_the_ocds_1_1_schema_requires(settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    tender = built_tender(
        documents_from=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
        documents_until=dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC),
        bid_deadline=dt.datetime(2026, 3, 27, 1, 30, tzinfo=dt.UTC),
        clarification_cutoff=dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC),
    )
    release = build(tender, NoticeKind.TENDER_NOTICE, {"text": "现对该项目进行公开招标。"})
    assert schema_problems(release) == []
    assert release["ocid"] == f"ocds-a1b2c3-{tender.pk}"
    assert release["id"] == "r-1"
    assert release["date"] == "2026-03-02T09:30:00+08:00"
    assert release["tag"] == ["tender"]
    assert release["initiationType"] == "tender"
    assert release["language"] == "zh"
    assert release["tender"] == {
        "id": str(tender.pk),
        "title": tender.title,
        "description": "现对该项目进行公开招标。",
        "status": "active",
        "value": {"amount": 12000000.0, "currency": "CNY"},
        "procurementMethod": "open",
        "procurementMethodDetails": "公开招标",
        "mainProcurementCategory": "works",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": "综合评估法",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": "2026-03-02T09:30:00+08:00",
            "endDate": "2026-03-27T09:30:00+08:00",
        },
        "enquiryPeriod": {
            "startDate": "2026-03-02T10:00:00+08:00",
            "endDate": "2026-03-11T17:00:00+08:00",
        },
        "documents": [
            {
                "id": f"{tender.pk}-tender-documents",
                "documentType": "biddingDocuments",
                "title": "招标文件",
                "datePublished": "2026-03-02T10:00:00+08:00",
                "description": "发售期 2026-03-02T10:00:00+08:00 至 2026-03-09T17:00:00+08:00",
            }
        ],
        "procuringEntity": {"id": "CN-USCC-11110108MB0000001X", "name": "示范市教育局"},
    }


def test_without_a_setting_the_ocid_prefix_is_the_ocds_placeholder(settings):
    if hasattr(settings, "OCDS_OCID_PREFIX"):
        del settings.OCDS_OCID_PREFIX
    tender = built_tender()
    assert build(tender, NoticeKind.TENDER_NOTICE)["ocid"] == f"ocds-xxxxxx-{tender.pk}"


def test_the_tenderee_is_buyer_and_procuring_entity_when_there_is_no_agent():
    release = build(built_tender(), NoticeKind.TENDER_NOTICE)
    assert release["buyer"] == {"id": "CN-USCC-11110108MB0000001X", "name": "示范市教育局"}
    assert release["parties"] == [
        {
            "id": "CN-USCC-11110108MB0000001X",
            "name": "示范市教育局",
            "identifier": {
                "scheme": "CN-USCC",
                "id": "11110108MB0000001X",
                "legalName": "示范市教育局",
            },
            "roles": ["buyer", "procuringEntity"],
        }
    ]


def test_an_agent_is_the_procuring_entity_and_the_tenderee_only_the_buyer():
    agent = OrganisationFactory.build(name="示范招标代理有限公司", uscc="91110108MA00000012")
    release = build(built_tender(agent=agent), NoticeKind.TENDER_NOTICE)
    assert [(party["id"], party["roles"]) for party in release["parties"]] == [
        ("CN-USCC-11110108MB0000001X", ["buyer"]),
        ("CN-USCC-91110108MA00000012", ["procuringEntity"]),
    ]
    assert release["tender"]["procuringEntity"] == {
        "id": "CN-USCC-91110108MA00000012",
        "name": "示范招标代理有限公司",
    }
    assert release["buyer"]["id"] == "CN-USCC-11110108MB0000001X"


@pytest.mark.parametrize(
    ("fen", "amount"),
    [
        (1_234_567_89, 1234567.89),
        (1, 0.01),
        (10, 0.1),
        (12_000_000_00, 12000000.0),
        (99_999_999_999_99, 99999999999.99),
    ],
)
def test_money_is_yuan_from_integer_fen_to_the_cent(fen, amount):
    release = build(built_tender(ceiling_price_fen=fen), NoticeKind.TENDER_NOTICE)
    assert release["tender"]["value"] == {"amount": amount, "currency": "CNY"}
    assert f"{release['tender']['value']['amount']:.2f}" == f"{fen // 100}.{fen % 100:02d}"


@pytest.mark.parametrize(
    ("kind", "state", "tag", "status"),
    [
        (NoticeKind.TENDER_NOTICE, TenderState.PUBLISHED, ["tender"], "active"),
        (NoticeKind.AMENDMENT, TenderState.PUBLISHED, ["tenderAmendment"], "active"),
        (NoticeKind.OPENING_RECORD, TenderState.OPENED, ["tenderUpdate"], "active"),
        (NoticeKind.FAILED_TENDER, TenderState.FAILED, ["tenderUpdate"], "unsuccessful"),
        # announced before the transition saves the state: the kind decides
        (NoticeKind.FAILED_TENDER, TenderState.OPENED, ["tenderUpdate"], "unsuccessful"),
        (NoticeKind.CANDIDATE_PUBLICITY, TenderState.PUBLICIZING, ["award"], "active"),
        (NoticeKind.AWARD_ANNOUNCEMENT, TenderState.AWARDED, ["award"], "complete"),
        (NoticeKind.TERMINATION, TenderState.CANCELLED, ["tenderCancellation"], "cancelled"),
        (NoticeKind.TERMINATION, TenderState.PUBLISHED, ["tenderCancellation"], "cancelled"),
    ],
)
def test_each_notice_kind_has_its_release_tag_and_tender_status(kind, state, tag, status):
    body = {
        NoticeKind.CANDIDATE_PUBLICITY: {"candidates": CANDIDATES},
        NoticeKind.AWARD_ANNOUNCEMENT: {"awarded": AWARDED},
    }.get(kind, {})
    release = build(built_tender(state=state), kind, body)
    assert schema_problems(release) == []
    assert release["tag"] == tag
    assert release["tender"]["status"] == status


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (TenderState.DRAFT, "planning"),
        (TenderState.BIDDING_CLOSED, "active"),
        (TenderState.EVALUATING, "active"),
        (TenderState.SUSPENDED, "active"),
        (TenderState.CONTRACTED, "complete"),
        (TenderState.ARCHIVED, "complete"),
        (TenderState.FAILED, "unsuccessful"),
        (TenderState.CANCELLED, "cancelled"),
    ],
)
def test_tender_states_map_to_the_ocds_tender_status_codelist(state, status):
    assert build(built_tender(state=state), NoticeKind.OPENING_RECORD)["tender"]["status"] == status


def test_an_invited_tender_by_lowest_evaluated_price_is_selective_and_price_only():
    tender = built_tender(
        method="invited", category="goods", evaluation_method="lowest_evaluated_price"
    )
    block = build(tender, NoticeKind.TENDER_NOTICE)["tender"]
    assert (block["procurementMethod"], block["procurementMethodDetails"]) == (
        "selective",
        "邀请招标",
    )
    assert block["mainProcurementCategory"] == "goods"
    assert (block["awardCriteria"], block["awardCriteriaDetails"]) == (
        "priceOnly",
        "经评审的最低投标价法",
    )


def test_an_amendment_carries_its_rationale_and_changes():
    release = build(
        built_tender(),
        NoticeKind.AMENDMENT,
        {
            "reason": "图纸更正",
            "changes": "投标截止时间顺延至2026-04-10 09:30",
        },
    )
    assert release["tender"]["amendments"] == [
        {
            "id": f"{release['tender']['id']}-amendment-2026-03-02T09:30:00+08:00",
            "date": "2026-03-02T09:30:00+08:00",
            "rationale": "图纸更正",
            "description": "投标截止时间顺延至2026-04-10 09:30",
        }
    ]
    assert release["tender"]["description"] == "图纸更正"


def test_an_opening_record_lists_each_bid_and_its_price():
    release = build(
        built_tender(state=TenderState.OPENED),
        NoticeKind.OPENING_RECORD,
        {
            "bids": [
                dict(CANDIDATES[0], status="valid", received_at="2026-03-20T14:00:05+08:00"),
                dict(CANDIDATES[1], status="valid", received_at="2026-03-26T08:59:30+08:00"),
            ],
        },
    )
    assert schema_problems(release) == []
    tender_id = release["tender"]["id"]
    first = {"id": "CN-USCC-91110000100000016D", "name": "北京示例建设工程有限公司"}
    second = {"id": "CN-USCC-91120000200000027E", "name": "天津样本路桥有限公司"}
    assert release["bids"] == {
        "statistics": [{"id": "1", "measure": "bids", "value": 2}],
        "details": [
            {
                "id": f"{tender_id}-bid-1",
                "date": "2026-03-20T14:00:05+08:00",
                "status": "valid",
                "tenderers": [first],
                "value": {"amount": 11500000.0, "currency": "CNY"},
            },
            {
                "id": f"{tender_id}-bid-2",
                "date": "2026-03-26T08:59:30+08:00",
                "status": "valid",
                "tenderers": [second],
                "value": {"amount": 11650000.5, "currency": "CNY"},
            },
        ],
    }
    assert [party["roles"] for party in release["parties"]][1:] == [["tenderer"], ["tenderer"]]


def test_candidate_publicity_is_one_pending_award_per_candidate_in_rank_order():
    release = build(
        built_tender(state=TenderState.PUBLICIZING),
        NoticeKind.CANDIDATE_PUBLICITY,
        {"candidates": CANDIDATES},
    )
    tender_id = release["tender"]["id"]
    assert release["awards"] == [
        {
            "id": f"{tender_id}-candidate-1",
            "title": "第1中标候选人",
            "status": "pending",
            "suppliers": [{"id": "CN-USCC-91110000100000016D", "name": "北京示例建设工程有限公司"}],
            "value": {"amount": 11500000.0, "currency": "CNY"},
        },
        {
            "id": f"{tender_id}-candidate-2",
            "title": "第2中标候选人",
            "status": "pending",
            "suppliers": [{"id": "CN-USCC-91120000200000027E", "name": "天津样本路桥有限公司"}],
            "value": {"amount": 11650000.5, "currency": "CNY"},
        },
    ]
    assert "contracts" not in release
    assert release["parties"][1]["roles"] == ["tenderer", "supplier"]


def test_an_award_announcement_with_a_signed_contract_carries_award_and_contract():
    release = build(
        built_tender(state=TenderState.AWARDED),
        NoticeKind.AWARD_ANNOUNCEMENT,
        {
            "awarded": AWARDED,
            "contract": {"value_fen": 11_500_000_00, "signed_at": "2026-05-20T15:00:00+08:00"},
        },
    )
    assert schema_problems(release) == []
    tender_id = release["tender"]["id"]
    assert release["tag"] == ["award", "contract"]
    assert release["awards"] == [
        {
            "id": f"{tender_id}-award",
            "title": release["tender"]["title"],
            "status": "active",
            "date": "2026-05-06T10:00:00+08:00",
            "suppliers": [{"id": "CN-USCC-91110000100000016D", "name": "北京示例建设工程有限公司"}],
            "value": {"amount": 11500000.0, "currency": "CNY"},
        }
    ]
    assert release["contracts"] == [
        {
            "id": f"{tender_id}-contract",
            "awardID": f"{tender_id}-award",
            "title": release["tender"]["title"],
            "status": "active",
            "value": {"amount": 11500000.0, "currency": "CNY"},
            "dateSigned": "2026-05-20T15:00:00+08:00",
        }
    ]


def test_a_body_that_cannot_be_a_release_is_refused_naming_the_field():
    tender = built_tender()
    with pytest.raises(ReleaseInvalid) as missing:
        build(tender, NoticeKind.CANDIDATE_PUBLICITY, {"candidates": []})
    assert missing.value.field == "candidates"
    with pytest.raises(ReleaseInvalid) as nameless:
        build(tender, NoticeKind.AWARD_ANNOUNCEMENT, {"awarded": {"uscc": "91110000100000016D"}})
    assert nameless.value.field == "awarded"
    with pytest.raises(ReleaseInvalid) as floating:
        build(tender, NoticeKind.AWARD_ANNOUNCEMENT, {"awarded": dict(AWARDED, price_fen=1.5)})
    assert floating.value.field == "price_fen"
    with pytest.raises(ReleaseInvalid) as unknown:
        build(tender, "press_release")
    assert unknown.value.field == "kind"


def test_the_builder_is_pure_the_same_input_gives_the_same_release():
    tender = built_tender()
    release_id = str(uuid.uuid4())
    first = build(tender, NoticeKind.TENDER_NOTICE, {"text": "x"}, release_id=release_id)
    again = build(tender, NoticeKind.TENDER_NOTICE, {"text": "x"}, release_id=release_id)
    assert first == again
    assert first["id"] == release_id


# Every date of a release and the field of the tender (or of the notice) it must equal.
SCHEDULE = {
    "published_at": dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC),
    "documents_from": dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
    "documents_until": dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC),
    "clarification_cutoff": dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC),
    "bid_deadline": dt.datetime(2026, 3, 27, 1, 30, tzinfo=dt.UTC),
}
NOTICE_DATE = dt.datetime(2026, 5, 20, 8, 0, tzinfo=dt.UTC)
RECEIVED = ["2026-03-20T14:00:05+08:00", "2026-03-26T08:59:30+08:00"]
SIGNED = "2026-05-20T15:00:00+08:00"


def dates_in(value, path: str = "") -> dict[str, str]:
    """Every RFC 3339 date-time anywhere in a release, by its path."""
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= dates_in(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= dates_in(item, f"{path}[{index}]")
    elif isinstance(value, str) and RFC3339.match(value):
        found[path] = value
    return found


def shanghai(moment: dt.datetime | str) -> str:
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds")


@pytest.mark.parametrize(
    ("kind", "state", "body", "own"),
    [
        (NoticeKind.TENDER_NOTICE, TenderState.PUBLISHED, {"text": "招标公告"}, {}),
        (
            NoticeKind.AMENDMENT,
            TenderState.PUBLISHED,
            {"reason": "图纸更正"},
            {"tender.amendments[0].date": NOTICE_DATE},
        ),
        (
            NoticeKind.OPENING_RECORD,
            TenderState.OPENED,
            {
                "bids": [
                    dict(CANDIDATES[0], received_at=RECEIVED[0]),
                    dict(CANDIDATES[1], received_at=RECEIVED[1]),
                ]
            },
            {"bids.details[0].date": RECEIVED[0], "bids.details[1].date": RECEIVED[1]},
        ),
        (NoticeKind.CANDIDATE_PUBLICITY, TenderState.PUBLICIZING, {"candidates": CANDIDATES}, {}),
        (
            NoticeKind.AWARD_ANNOUNCEMENT,
            TenderState.CONTRACTED,
            {
                "awarded": AWARDED,
                "contract": {"value_fen": 11_500_000_00, "signed_at": SIGNED},
            },
            {"awards[0].date": AWARDED["decided_at"], "contracts[0].dateSigned": SIGNED},
        ),
        (NoticeKind.TERMINATION, TenderState.CANCELLED, {"reason": "资金未落实"}, {}),
    ],
)
def test_every_date_in_a_release_is_the_tenders_own(kind, state, body, own):
    tender = built_tender(state=state, **SCHEDULE)
    release = release_build(tender=tender, kind=kind, release_id="r-1", date=NOTICE_DATE, body=body)
    expected = {
        "date": NOTICE_DATE,
        "tender.tenderPeriod.startDate": tender.published_at,
        "tender.tenderPeriod.endDate": tender.bid_deadline,
        "tender.enquiryPeriod.startDate": tender.documents_from,
        "tender.enquiryPeriod.endDate": tender.clarification_cutoff,
        "tender.documents[0].datePublished": tender.documents_from,
        **own,
    }
    assert dates_in(release) == {path: shanghai(moment) for path, moment in expected.items()}
    availability = release["tender"]["documents"][0]["description"]
    assert availability == (
        f"发售期 {shanghai(tender.documents_from)} 至 {shanghai(tender.documents_until)}"
    )
