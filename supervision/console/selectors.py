"""What the console reads: the tender list (a fixed number of queries per page, keyset-paginated
so that a page deep into 100k tenders costs what the first does) and a tender's events.

Unchecked: the callers (views, API, services of this package) check the reader is a
supervisor first.
"""

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import CharField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from bids.models import (
    Bid,
    BidDecryption,
    BidUpload,
    OpeningObjection,
    OpeningSession,
    OpeningSignIn,
)
from config.errors import Refusal
from evaluation.models import (
    BidEvaluation,
    EvaluationReport,
    EvaluationSession,
    Panel,
    PanelDraw,
    PanelSeat,
)
from monitoring.clock import database_now
from monitoring.models import SEVERITY_RANK, Alert, AlertSeverity, AlertState, Event, SealedIdentity
from supervision.console.due import (
    CANDIDATE_OBJECTION_DUE,
    DOCUMENT_OBJECTION_DUE,
    Due,
    next_due,
)
from trading.models import (
    AwardLetter,
    CandidateObjection,
    Contract,
    DocumentObjection,
    Notice,
    ObjectionState,
    Tender,
    TenderDocument,
    TenderState,
)

PAGE_SIZE = 50
OPEN_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


def alerts_citing(tender_ids: list[str]) -> Q:
    """The alerts about these tenders: their own, and those across tenders (a collusion
    pattern's, with no tender of its own) whose evidence cites one of them."""
    condition = Q(tender_id__in=tender_ids)
    for tender_id in tender_ids:
        condition |= Q(tender_id="", evidence__tenders__contains=[{"tender": tender_id}])
    return condition


def cited_tenders(alert: Alert) -> list[str]:
    """The tender an alert is about, or, for one across tenders, every tender it cites."""
    if alert.tender_id:
        return [alert.tender_id]
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    return [
        str(cited["tender"])
        for cited in evidence.get("tenders", [])
        if isinstance(cited, dict) and "tender" in cited
    ]


@dataclass(frozen=True)
class ConsoleRow:
    tender: Tender
    due: Due | None
    due_severity: str  # "", "yellow" or "red" at the page's moment
    alerts: list[Alert]  # open or acknowledged, the worst first


@dataclass(frozen=True)
class ConsolePage:
    rows: list[ConsoleRow]
    next_cursor: str  # empty on the last page
    now: dt.datetime
    state: str


def console_cursor(tender: Tender) -> str:
    """Where the list goes on after `tender`: what `?after=` takes."""
    assert tender.published_at is not None
    raw = f"{tender.published_at.isoformat()}|{tender.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> Q:
    """The rows after the cursor in the list's order (newest publication first, then id)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, identifier = raw.split("|")
        published_at = dt.datetime.fromisoformat(moment)
        tender_id = uuid.UUID(identifier)
        if published_at.tzinfo is None:
            raise ValueError
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Refusal(
            "cursor_invalid",
            _("after: not a position in the list; follow the page's own link"),
            field="after",
        ) from None
    # The first condition is implied by the others; it is the bound the index scan starts from
    # (PostgreSQL cannot start a scan from an OR), so page 2000 costs what page 2 does.
    return Q(published_at__lte=published_at) & (
        Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=tender_id)
    )


def _open_answer_due(model: type[DocumentObjection] | type[CandidateObjection]) -> Subquery:
    return Subquery(
        model.objects.filter(tender=OuterRef("pk"), state=ObjectionState.RAISED)
        .values("tender")
        .annotate(first=Min("answer_due"))
        .values("first")[:1]
    )


def console_tender_queryset() -> QuerySet[Tender]:
    """Published tenders with everything `next_due` reads, in one query. A draft is its
    authors' work in progress: nothing is due and nobody else has seen it."""
    return (
        Tender.objects.filter(published_at__isnull=False)
        .select_related(
            "project",
            "project__tenderee",
            "opening",
            "evaluation",
            "evaluation__report",
            "candidate_publicity",
            "award_decision",
            "contract",
        )
        # What the list never shows: large documents, signatures and lines.
        .defer(
            "scoring_scheme",
            "qualification_requirements",
            "required_files",
            "opening_committee",
            "opening__lines",
            "opening__record_document",
            "opening__record_signature",
            "opening__record_timestamp_token",
            "evaluation__report__document",
            "evaluation__report__candidates",
        )
        .annotate(
            **{
                DOCUMENT_OBJECTION_DUE: _open_answer_due(DocumentObjection),
                CANDIDATE_OBJECTION_DUE: _open_answer_due(CandidateObjection),
            }
        )
    )


def console_tenders(*, state: str = "", after: str = "", page_size: int = PAGE_SIZE) -> ConsolePage:
    """One page of the console: three queries (the clock, the tenders, their open alerts)
    whatever the page size or the number of tenders."""
    now = database_now()
    tenders = console_tender_queryset()
    if state in TenderState.values:
        tenders = tenders.filter(state=state)
    else:
        state = ""
    if after:
        tenders = tenders.filter(_after(after))
    rows = list(tenders.order_by("-published_at", "-pk")[: page_size + 1])
    more, rows = len(rows) > page_size, rows[:page_size]
    alerts: dict[str, list[Alert]] = {str(tender.pk): [] for tender in rows}
    for alert in Alert.objects.filter(alerts_citing(list(alerts)), state__in=OPEN_STATES).order_by(
        "-raised_at", "-pk"
    ):
        for tender_id in cited_tenders(alert):
            if tender_id in alerts:
                alerts[tender_id].append(alert)
    page = []
    for tender in rows:
        found = next_due(tender)
        page.append(
            ConsoleRow(
                tender=tender,
                due=found,
                due_severity=found.severity(now) if found else "",
                alerts=sorted(
                    alerts[str(tender.pk)],
                    key=lambda alert: -SEVERITY_RANK[AlertSeverity(alert.severity)],
                ),
            )
        )
    return ConsolePage(
        rows=page, next_cursor=console_cursor(rows[-1]) if more else "", now=now, state=state
    )


def _text_ids(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(text_id=Cast("pk", output_field=CharField())).values("text_id")


def tender_objects(tender: Tender) -> dict[str, QuerySet | list[str]]:
    """Every object of the tender that events are written about, by object type: the ids as
    subqueries, so that the tender's events are one query."""
    tender_id = tender.pk
    return {
        "trading.tender": [str(tender_id)],
        "trading.project": [str(tender.project_id)],
        "trading.notice": _text_ids(Notice.objects.filter(tender_id=tender_id)),
        "trading.tenderdocument": _text_ids(TenderDocument.objects.filter(tender_id=tender_id)),
        "trading.documentobjection": _text_ids(
            DocumentObjection.objects.filter(tender_id=tender_id)
        ),
        "trading.candidateobjection": _text_ids(
            CandidateObjection.objects.filter(tender_id=tender_id)
        ),
        "trading.awardletter": _text_ids(AwardLetter.objects.filter(tender_id=tender_id)),
        "trading.contract": _text_ids(Contract.objects.filter(tender_id=tender_id)),
        "bids.bidupload": _text_ids(BidUpload.objects.filter(tender_id=tender_id)),
        "bids.bid": _text_ids(Bid.objects.filter(tender_id=tender_id)),
        "bids.openingsession": _text_ids(OpeningSession.objects.filter(tender_id=tender_id)),
        "bids.biddecryption": _text_ids(BidDecryption.objects.filter(session__tender_id=tender_id)),
        "bids.openingsignin": _text_ids(OpeningSignIn.objects.filter(session__tender_id=tender_id)),
        "bids.openingobjection": _text_ids(
            OpeningObjection.objects.filter(session__tender_id=tender_id)
        ),
        "evaluation.panel": _text_ids(Panel.objects.filter(tender_id=tender_id)),
        "evaluation.paneldraw": _text_ids(PanelDraw.objects.filter(panel__tender_id=tender_id)),
        "evaluation.panelseat": _text_ids(PanelSeat.objects.filter(panel__tender_id=tender_id)),
        "evaluation.evaluationsession": _text_ids(
            EvaluationSession.objects.filter(tender_id=tender_id)
        ),
        "evaluation.bidevaluation": _text_ids(
            BidEvaluation.objects.filter(session__tender_id=tender_id)
        ),
        "evaluation.evaluationreport": _text_ids(
            EvaluationReport.objects.filter(session__tender_id=tender_id)
        ),
        "monitoring.alert": _text_ids(Alert.objects.filter(alerts_citing([str(tender_id)]))),
    }


def tender_events(tender: Tender) -> QuerySet[Event]:
    """Every event of the tender and of its objects, and its sealed events (found through
    their sealed identities), in chain order: one query."""
    condition = Q(pk__in=SealedIdentity.objects.filter(tender_id=str(tender.pk)).values("event_id"))
    for object_type, identifiers in tender_objects(tender).items():
        condition |= Q(object_type=object_type, object_id__in=identifiers)
    return Event.objects.filter(condition).order_by("sequence")
