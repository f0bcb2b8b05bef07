"""OCDS 1.1 releases of tenders: one release per public notice (docs/notices.md has the mapping).

`release_build` is pure: it reads the tender (with its project, tenderee and agent already
loaded) and the notice's body, and returns a JSON-ready dict. It writes nothing, queries
nothing beyond the relations the caller loaded, and reads no clock: the caller passes the
release's id and date, so the same input always gives the same release (and the same bytes to
sign).

Money is integer fen in the platform and a JSON number of yuan in OCDS (`amount`, two decimals
at most, currency CNY). Floats represent fen / 100 exactly enough to print back the same two
decimals for any amount below 10^13 yuan.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from trading.models import NoticeKind, Tender, TenderState

OCDS_VERSION = "1.1"
DEFAULT_OCID_PREFIX = "ocds-xxxxxx"
SHANGHAI = ZoneInfo("Asia/Shanghai")
USCC_SCHEME = "CN-USCC"
BID_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json"
)

# releaseTag codelist (closed). A failed tender and an opening record update the tender stage.
KIND_TAGS: dict[str, list[str]] = {
    NoticeKind.TENDER_NOTICE: ["tender"],
    NoticeKind.AMENDMENT: ["tenderAmendment"],
    NoticeKind.FAILED_TENDER: ["tenderUpdate"],
    NoticeKind.OPENING_RECORD: ["tenderUpdate"],
    NoticeKind.PRICE_OPENING: ["tenderUpdate"],
    NoticeKind.CANDIDATE_PUBLICITY: ["award"],
    NoticeKind.AWARD_ANNOUNCEMENT: ["award"],
    NoticeKind.TERMINATION: ["tenderCancellation"],
}

# tenderStatus codelist (closed): planning, planned, active, cancelled, unsuccessful, complete,
# withdrawn. Evaluation and candidate publicity are still the tender process (active); OCDS has
# no "suspended", and a suspension is temporary, so a suspended tender stays active. An archived
# tender keeps no trace of how it ended: complete (a failed or cancelled one said so before).
STATE_STATUS: dict[str, str] = {
    TenderState.DRAFT: "planning",
    TenderState.PUBLISHED: "active",
    TenderState.BIDDING_CLOSED: "active",
    TenderState.OPENING: "active",
    TenderState.OPENED: "active",
    TenderState.EVALUATING: "active",
    TenderState.PUBLICIZING: "active",
    TenderState.SUSPENDED: "active",
    TenderState.AWARDED: "complete",
    TenderState.CONTRACTED: "complete",
    TenderState.ARCHIVED: "complete",
    TenderState.FAILED: "unsuccessful",
    TenderState.CANCELLED: "cancelled",
}
# What a notice announces wins over the state it is published in (a service may publish the
# notice just before its transition saves the state).
KIND_STATUS: dict[str, str] = {
    NoticeKind.TENDER_NOTICE: "active",
    NoticeKind.AMENDMENT: "active",
    NoticeKind.FAILED_TENDER: "unsuccessful",
    NoticeKind.AWARD_ANNOUNCEMENT: "complete",
    NoticeKind.TERMINATION: "cancelled",
}

# method codelist (closed): 公开招标 open, 邀请招标 selective (only invited suppliers bid).
METHOD_CODES = {"open": "open", "invited": "selective"}
METHOD_DETAILS = {"open": "公开招标", "invited": "邀请招标"}
# awardCriteria codelist (open, 1.1): 综合评估法 rated criteria, 经评审的最低投标价法 price only.
AWARD_CRITERIA = {
    "comprehensive_scoring": ("ratedCriteria", "综合评估法"),
    "lowest_evaluated_price": ("priceOnly", "经评审的最低投标价法"),
}


BUDGET_DESCRIPTIONS = {"works": "估算价", "government_procurement": "预算金额"}


class ReleaseInvalid(ValueError):
    """The notice body cannot be expressed as a release; names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def ocid_prefix() -> str:
    return getattr(settings, "OCDS_OCID_PREFIX", DEFAULT_OCID_PREFIX)


def ocid_of(tender: Tender) -> str:
    return f"{ocid_prefix()}-{tender.pk}"


def ocds_datetime(moment: datetime | None) -> str | None:
    """RFC 3339 in Asia/Shanghai, to the second (the platform shows times in Shanghai)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("OCDS dates must be aware datetimes")
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def ocds_value(fen: int) -> dict[str, Any]:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ReleaseInvalid("price_fen", f"must be an integer number of fen, not {fen!r}")
    return {"amount": round(fen / 100, 2), "currency": "CNY"}


def party_id(uscc: str) -> str:
    return f"{USCC_SCHEME}-{uscc}"


def _party(name: str, uscc: str, roles: list[str]) -> dict[str, Any]:
    return {
        "id": party_id(uscc),
        "name": name,
        "identifier": {"scheme": USCC_SCHEME, "id": uscc, "legalName": name},
        "roles": roles,
    }


def _reference(name: str, uscc: str) -> dict[str, str]:
    return {"id": party_id(uscc), "name": name}


def _organisation(entry: Any, field: str) -> tuple[str, str]:
    if not isinstance(entry, dict) or not entry.get("name") or not entry.get("uscc"):
        raise ReleaseInvalid(field, "needs a name and a uscc")
    return str(entry["name"]), str(entry["uscc"])


class _Parties:
    """Parties in first-seen order; an organisation seen twice keeps one entry, roles merged."""

    def __init__(self) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}

    def add(self, name: str, uscc: str, roles: list[str]) -> dict[str, str]:
        party = self._by_id.setdefault(party_id(uscc), _party(name, uscc, []))
        party["roles"].extend(role for role in roles if role not in party["roles"])
        return _reference(name, uscc)

    def as_list(self) -> list[dict[str, Any]]:
        return list(self._by_id.values())


def _tender_block(tender: Tender, kind: str, body: dict[str, Any], date: str) -> dict[str, Any]:
    criteria, criteria_details = AWARD_CRITERIA.get(
        tender.evaluation_method, ("ratedCriteria", tender.evaluation_method)
    )
    block: dict[str, Any] = {
        "id": str(tender.pk),
        "title": tender.title,
        "status": KIND_STATUS.get(kind) or STATE_STATUS[tender.state],
        "value": ocds_value(tender.ceiling_price_fen),
        "procurementMethod": METHOD_CODES[tender.method],
        "procurementMethodDetails": METHOD_DETAILS[tender.method],
        "mainProcurementCategory": tender.category,
        "awardCriteria": criteria,
        "awardCriteriaDetails": criteria_details,
        "submissionMethod": ["electronicSubmission"],
    }
    description = body.get("text") or body.get("reason")
    if description:
        block["description"] = str(description)
    # Every date is one of the tender's own fields (docs/notices.md lists them). 投标截止时间 =
    # tenderPeriod.endDate; bids are accepted from publication on. Questions are about the
    # documents, so they can be asked from their first issue to the clarification cut-off.
    tender_period = {
        "startDate": ocds_datetime(tender.published_at),
        "endDate": ocds_datetime(tender.bid_deadline),
    }
    enquiry_period = {
        "startDate": ocds_datetime(tender.documents_from),
        "endDate": ocds_datetime(tender.clarification_cutoff),
    }
    for name, period in (("tenderPeriod", tender_period), ("enquiryPeriod", enquiry_period)):
        period = {key: value for key, value in period.items() if value is not None}
        if period:
            block[name] = period
    if tender.documents_from is not None:
        # OCDS 1.1 has no availability period: the first issue is the documents' datePublished,
        # the sale period (招标文件发售期) is said in words with the same two instants.
        documents: dict[str, Any] = {
            "id": f"{tender.pk}-tender-documents",
            "documentType": "biddingDocuments",
            "title": "招标文件",
            "datePublished": ocds_datetime(tender.documents_from),
        }
        if tender.documents_until is not None:
            documents["description"] = (
                f"发售期 {ocds_datetime(tender.documents_from)} 至 "
                f"{ocds_datetime(tender.documents_until)}"
            )
        block["documents"] = [documents]
    if kind == NoticeKind.AMENDMENT:
        amendment: dict[str, Any] = {"id": f"{tender.pk}-amendment-{date}", "date": date}
        if body.get("reason"):
            amendment["rationale"] = str(body["reason"])
        if body.get("changes"):
            amendment["description"] = str(body["changes"])
        block["amendments"] = [amendment]
    return block


def _bids_block(tender: Tender, body: dict[str, Any], parties: _Parties) -> dict:
    """The opening record (开标记录, 唱标) as the OCDS bid extension's `bids.details`."""
    details = []
    for index, bid in enumerate(body.get("bids", []), start=1):
        name, uscc = _organisation(bid, f"bids[{index - 1}]")
        detail: dict[str, Any] = {
            "id": str(bid.get("id") or f"{tender.pk}-bid-{index}"),
            "status": str(bid.get("status", "valid")),
            "tenderers": [parties.add(name, uscc, ["tenderer"])],
        }
        # bids.details[].date is when the bid was received, not when the record was published.
        received = _parse(bid.get("received_at"), f"bids[{index - 1}].received_at")
        if received is not None:
            detail["date"] = ocds_datetime(received)
        if "price_fen" in bid:
            detail["value"] = ocds_value(bid["price_fen"])
        details.append(detail)
    return {
        "statistics": [{"id": "1", "measure": "bids", "value": len(details)}],
        "details": details,
    }


def _candidate_awards(
    tender: Tender, body: dict[str, Any], parties: _Parties
) -> list[dict[str, Any]]:
    """中标候选人公示: one pending award per candidate, in rank order; no `date`, as no award
    decision is made yet (OCDS award.date is the decision's)."""
    candidates = body.get("candidates")
    if not isinstance(candidates, list) or not candidates:
        raise ReleaseInvalid("candidates", "a candidate publicity needs at least one candidate")
    awards = []
    for index, candidate in enumerate(candidates):
        name, uscc = _organisation(candidate, f"candidates[{index}]")
        rank = int(candidate.get("rank", index + 1))
        award: dict[str, Any] = {
            "id": f"{tender.pk}-candidate-{rank}",
            "title": f"第{rank}中标候选人",
            "status": "pending",
            "suppliers": [parties.add(name, uscc, ["tenderer", "supplier"])],
        }
        if "price_fen" in candidate:
            award["value"] = ocds_value(candidate["price_fen"])
        awards.append(award)
    return awards


def _award_and_contract(
    tender: Tender, body: dict[str, Any], date: str, parties: _Parties
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """中标结果公告: the active award to the awarded supplier, and the contract when signed."""
    awarded = body.get("awarded")
    name, uscc = _organisation(awarded, "awarded")
    award_id = f"{tender.pk}-award"
    award: dict[str, Any] = {
        "id": award_id,
        "title": tender.title,
        "status": "active",
        "date": ocds_datetime(_parse(awarded.get("decided_at"), "awarded.decided_at")) or date,
        "suppliers": [parties.add(name, uscc, ["tenderer", "supplier"])],
    }
    if "price_fen" in awarded:
        award["value"] = ocds_value(awarded["price_fen"])
    contracts = []
    contract = body.get("contract")
    if contract:
        if not isinstance(contract, dict) or "value_fen" not in contract:
            raise ReleaseInvalid("contract", "needs value_fen")
        signed = _parse(contract.get("signed_at"), "contract.signed_at")
        entry: dict[str, Any] = {
            "id": str(contract.get("id") or f"{tender.pk}-contract"),
            "awardID": award_id,
            "title": str(contract.get("title") or tender.title),
            "status": "active" if signed else "pending",
            "value": ocds_value(contract["value_fen"]),
        }
        if signed:
            entry["dateSigned"] = ocds_datetime(signed)
        contracts.append(entry)
    return [award], contracts


def _parse(value: Any, field: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ReleaseInvalid(field, f"is not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise ReleaseInvalid(field, "needs a time zone")
    return moment


def release_tags(kind: str, body: dict[str, Any]) -> list[str]:
    tags = list(KIND_TAGS[kind])
    if kind == NoticeKind.AWARD_ANNOUNCEMENT and body.get("contract"):
        tags.append("contract")
    return tags


def release_build(
    *,
    tender: Tender,
    kind: str,
    release_id: str,
    date: datetime,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The OCDS 1.1 release of `tender` announced by a notice of `kind`, dated `date`.

    `body` carries what the notice adds to the tender's own fields:
    - every kind: `text` (the notice's content) or `reason` → tender.description;
    - amendment: `reason` → amendments[0].rationale, `changes` → amendments[0].description;
    - opening_record, price_opening (双信封's second opening): `bids` [{name, uscc, price_fen?,
      status?, id?, received_at?}] → bids.details;
    - candidate_publicity: `candidates` [{rank, name, uscc, price_fen}] → pending awards;
    - award_announcement: `awarded` {name, uscc, price_fen, decided_at?} → active award,
      `contract` {value_fen, signed_at?, id?, title?} → contracts[0].
    """
    if kind not in KIND_TAGS:
        raise ReleaseInvalid("kind", f"unknown notice kind {kind!r}")
    body = body or {}
    released = ocds_datetime(date)
    project = tender.project
    parties = _Parties()
    tenderee_roles = ["buyer"] if project.agent_id else ["buyer", "procuringEntity"]
    buyer = parties.add(project.tenderee.name, project.tenderee.uscc, tenderee_roles)
    tender_block = _tender_block(tender, kind, body, released)
    procuring_entity = buyer
    if project.agent_id:
        procuring_entity = parties.add(project.agent.name, project.agent.uscc, ["procuringEntity"])
    tender_block["procuringEntity"] = procuring_entity
    release: dict[str, Any] = {
        "ocid": ocid_of(tender),
        "id": str(release_id),
        "date": released,
        "tag": release_tags(kind, body),
        "initiationType": "tender",
        "language": "zh",
        "buyer": buyer,
        "tender": tender_block,
    }
    if tender.estimated_price_fen is not None:
        # 估算价 / 预算金额: what the buyer set aside, OCDS's planning.budget.amount.
        release["planning"] = {
            "budget": {
                "id": f"{tender.pk}-budget",
                "description": BUDGET_DESCRIPTIONS.get(project.regime, "估算价"),
                "amount": ocds_value(tender.estimated_price_fen),
            }
        }
    if kind in (NoticeKind.OPENING_RECORD, NoticeKind.PRICE_OPENING):
        release["bids"] = _bids_block(tender, body, parties)
    elif kind == NoticeKind.CANDIDATE_PUBLICITY:
        release["awards"] = _candidate_awards(tender, body, parties)
    elif kind == NoticeKind.AWARD_ANNOUNCEMENT:
        awards, contracts = _award_and_contract(tender, body, released, parties)
        release["awards"] = awards
        if contracts:
            release["contracts"] = contracts
    release["parties"] = parties.as_list()
    return release


def release_extensions(releases: list[dict[str, Any]]) -> list[str]:
    """Extensions a package of these releases declares (the bid extension for opening records)."""
    return [BID_EXTENSION] if any("bids" in release for release in releases) else []
