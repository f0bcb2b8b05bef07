"""The report for people: an HTML page and a PDF, both drawn from the signed document (the
canonical JSON the members signed), so that what is read is what was signed. Money in yuan
with two decimals; the PDF uses the Adobe CID font STSong-Light, which every PDF reader has,
so no font file ships with the platform."""

import io
import json
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from evaluation.models import BidOutcome, EvaluationReport, SeatKind
from evaluation.session.scheme import scored_criteria
from trading.law.rejection_grounds import REJECTION_GROUNDS

FONT = "STSong-Light"
GROUND_TEXTS: dict[str, Any] = {
    **{ground.code: ground.text for ground in REJECTION_GROUNDS},
    "abnormally_low_price": _lazy("The price is abnormally low and was not explained"),
    "technical_below_pass_mark": _lazy("The technical score is below the pass mark"),
}


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}.{cents:02d}"


def report_view(report: EvaluationReport) -> dict[str, Any]:
    """The document with what people read added: yuan amounts, member names per score table,
    and each signature's line."""
    document = json.loads(bytes(report.document))
    names = {member["seat"]: member["name"] for member in document["panel"]}
    criteria = {item.code: item.name for item in scored_criteria(report.session.tender)}
    for member in document["panel"]:
        member["kind_label"] = _label(SeatKind, member["kind"])
    for bid in document["bids"]:
        bid["price_yuan"] = yuan(bid["price_fen"])
        bid["outcome_label"] = _label(BidOutcome, bid["outcome"])
        for ground in bid["rejection_grounds"]:
            ground["text"] = GROUND_TEXTS.get(ground["ground"], ground["ground"])
    for candidate in document["candidates"]:
        candidate["price_yuan"] = yuan(candidate["price_fen"])
    return {
        "document": document,
        "digest": report.document_sha256,
        "state": report.state,
        "score_tables": [
            {
                "member": names.get(seat, seat),
                "scores": [
                    {
                        **entry,
                        "criterion_name": criteria.get(entry["criterion"], entry["criterion"]),
                    }
                    for entry in entries
                ],
            }
            for seat, entries in document["scores"].items()
        ],
        "signatures": [
            {
                "member": names.get(str(entry.seat_id), str(entry.seat_id)),
                "agrees": entry.agrees,
                "dissent": entry.dissent,
                "refused_without_reason": entry.refused_without_reason,
                "signed": bool(entry.signature),
                "signed_at": entry.signed_at,
            }
            for entry in report.signatures.order_by("signed_at")
        ],
    }


def _label(choices: type[models.TextChoices], value: str) -> str:
    """What a person reads for a stored code: its translated label (the code if unknown)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def report_html(report: EvaluationReport, request: HttpRequest | None = None) -> str:
    return render_to_string("evaluation/report.html", report_view(report), request=request)


def _table(rows: list[list[str]], style: ParagraphStyle) -> Table:
    table = Table([[Paragraph(str(cell), style) for cell in row] for row in rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def report_pdf(report: EvaluationReport) -> bytes:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    view = report_view(report)
    document = view["document"]
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
    story: list[Any] = [
        Paragraph(_("Evaluation report") + f" · {document['tender']['title']}", title),
        Paragraph(f"SHA-256 {view['digest']}", body),
        Spacer(1, 6),
        Paragraph(_("Panel"), heading),
        _table(
            [[_("Member"), _("Kind"), _("Specialty")]]
            + [[item["name"], item["kind_label"], item["specialty"]] for item in document["panel"]],
            body,
        ),
        Paragraph(_("Bids"), heading),
        _table(
            [[_("Code"), _("Bidder"), _("Price (yuan)"), _("Outcome"), _("Score"), _("Rank")]]
            + [
                [
                    bid["code"],
                    bid["bidder"],
                    bid["price_yuan"],
                    bid["outcome_label"]
                    + "".join(f" {g['text']}" for g in bid["rejection_grounds"]),
                    bid["total_score"] or "—",
                    bid["rank"] or "—",
                ]
                for bid in document["bids"]
            ],
            body,
        ),
        Paragraph(_("Candidates"), heading),
        _table(
            [[_("Rank"), _("Bidder"), _("Price (yuan)"), _("Score")]]
            + [
                [item["rank"], item["name"], item["price_yuan"], item["score"] or "—"]
                for item in document["candidates"]
            ],
            body,
        ),
    ]
    for table in view["score_tables"]:
        story.append(Paragraph(_("Scores of %(member)s") % {"member": table["member"]}, heading))
        story.append(
            _table(
                [[_("Bid"), _("Criterion"), _("Points"), _("Review")]]
                + [
                    [entry["bid"], entry["criterion_name"], entry["points"], entry["flag_reason"]]
                    for entry in table["scores"]
                ],
                body,
            )
        )
    story.append(Paragraph(_("Signatures and dissent"), heading))
    story.append(
        _table(
            [[_("Member"), _("Agrees"), _("Dissent")]]
            + [
                [item["member"], _("yes") if item["agrees"] else _("no"), item["dissent"]]
                for item in view["signatures"]
            ],
            body,
        )
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=document["tender"]["title"]).build(story)
    return buffer.getvalue()
