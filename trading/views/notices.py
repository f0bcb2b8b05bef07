"""Public notice pages: a notice with its digest and proofs, the proofs themselves, and the list
of a tender's notices (a fragment the tender page includes). One query per request."""

from dataclasses import dataclass
from typing import Any

from asn1crypto import cms as asn1_cms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config import times
from signing.canonical import canonical_json
from signing.timestamps import TimeStampResponse
from trading.models import Notice
from trading.notices import notice_get_public, notice_list_for_tender
from trading.selectors import tender_get_public


def yuan(fen: Any) -> str:
    """Integer fen as yuan with thousands separators and two decimals (no float rounding)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return str(fen)
    return times.yuan(fen)


def status_label(status: str) -> str:
    """A bid's status in an opening record, in the reader's language (the signed body keeps the
    code; a code is never shown to a person)."""
    labels = {
        "valid": _("Valid"),
        "invalid": _("Invalid"),
        "decrypted": _("Decrypted"),
        "decrypt_failed": _("Decryption failed"),
        "withdrawn": _("Withdrawn"),
        # 双信封: a bid whose price envelope stays closed at the second opening.
        "disqualified": _("Did not pass the technical evaluation"),
    }
    return str(labels.get(status, status))


@dataclass(frozen=True)
class NoticeParty:
    """A bidder, candidate or the awarded supplier as a notice names it; money in yuan."""

    rank: str
    name: str
    uscc: str
    price: str
    status: str


@dataclass(frozen=True)
class NoticeContract:
    value: str  # yuan
    signed_at: str


@dataclass(frozen=True)
class NoticeContent:
    """What the page shows of a notice's body (each notice kind fills some of it)."""

    text: str
    reason: str
    changes: str
    bids: list[NoticeParty]
    candidates: list[NoticeParty]
    awarded: NoticeParty | None
    contract: NoticeContract | None


def _organisations(entries: Any, price_key: str = "price_fen") -> list[NoticeParty]:
    rows = []
    for index, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
        if not isinstance(entry, dict):
            continue
        rows.append(
            NoticeParty(
                rank=str(entry.get("rank", index)),
                name=str(entry.get("name", "")),
                uscc=str(entry.get("uscc", "")),
                price=yuan(entry[price_key]) if price_key in entry else "",
                status=status_label(str(entry.get("status", ""))),
            )
        )
    return rows


def notice_content(body: dict[str, Any]) -> NoticeContent:
    """What the page shows of a notice's body (the signed JSON), money already in yuan."""
    awarded = body.get("awarded") if isinstance(body.get("awarded"), dict) else None
    contract = body.get("contract") if isinstance(body.get("contract"), dict) else None
    return NoticeContent(
        text=str(body.get("text", "")),
        reason=str(body.get("reason", "")),
        changes=str(body.get("changes", "")),
        bids=_organisations(body.get("bids")),
        candidates=_organisations(body.get("candidates")),
        awarded=_organisations([awarded])[0] if awarded else None,
        contract=NoticeContract(
            value=yuan(contract.get("value_fen")),
            signed_at=str(contract.get("signed_at") or ""),
        )
        if contract
        else None,
    )


def notice_detail(request: HttpRequest, notice_id: str) -> HttpResponse:
    notice = notice_get_public(notice_id=notice_id)
    if notice is None:
        raise Http404
    return render(
        request,
        "trading/notice_detail.html",
        {
            "notice": notice,
            "tender": notice.tender,
            "content": notice_content(notice.body),
        },
    )


def _stored(notice_id: str, field: str) -> Any:
    value = Notice.objects.filter(pk=notice_id).values_list(field, flat=True).first()
    if value is None:
        raise Http404
    return value


def _download(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def notice_release(request: HttpRequest, notice_id: str) -> HttpResponse:
    """The signed bytes: the canonical JSON of the release (what openssl verifies against)."""
    release = _stored(notice_id, "release")
    return _download(
        canonical_json(release), "application/json; charset=utf-8", f"notice-{notice_id}.json"
    )


def notice_signature(request: HttpRequest, notice_id: str) -> HttpResponse:
    """The platform's detached CMS signature (DER) over release.json."""
    signature = bytes(_stored(notice_id, "platform_signature"))
    return _download(signature, "application/pkcs7-signature", f"notice-{notice_id}.p7s")


def notice_timestamp(request: HttpRequest, notice_id: str) -> HttpResponse:
    """The RFC 3161 token over release.json, as a granted TimeStampResp (`openssl ts -reply`)."""
    token = bytes(_stored(notice_id, "timestamp_token"))
    reply = TimeStampResponse(
        {
            "status": {"status": "granted"},
            "time_stamp_token": asn1_cms.ContentInfo.load(token),
        }
    ).dump()
    return _download(reply, "application/timestamp-reply", f"notice-{notice_id}.tsr")


def tender_notices(request: HttpRequest, tender_id: str) -> HttpResponse:
    """The tender's notices in publication order: a page of its own, or the fragment the tender
    page refreshes (asked for by HTMX)."""
    context = {
        "notices": list(notice_list_for_tender(tender_id=tender_id)),
        "empty_message": _("No notice has been published for this tender yet."),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "trading/notice_list.html", context)  # one query
    tender = tender_get_public(tender_id=tender_id)
    if tender is None:
        raise Http404
    return render(request, "trading/tender_notices.html", {**context, "tender": tender})
