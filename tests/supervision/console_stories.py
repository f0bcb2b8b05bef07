"""The cast of console and alert-rule stories, told on rows: a supervisor, tenders in the states
the rules read (awarded, evaluated, objected to), and a clock the story sets.

The clock: the rules read the database's now (monitoring.clock.database_now), which the run's
offset shifts (tests/clock.py). `clock_at` moves that offset, and the Python clock with it
(time-machine), so that a story happens at moments it names, to the second."""

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine

from accounts.acting import Acting
from accounts.models import Role, User
from evaluation.models import (
    EvaluationReport,
    EvaluationSession,
    Panel,
    PanelSeat,
    PanelState,
    ReportState,
    SeatState,
)
from monitoring.clock import database_now
from tests.evaluation.factories import PanelFactory, PanelSeatFactory
from tests.factories import MembershipFactory, OrganisationFactory, TenderFactory
from trading.law.working_days import SHANGHAI
from trading.models import Award, Candidate, Notice, NoticeKind, Tender, TenderState

_notices = itertools.count(10_000_000)


def supervisor(username: str = "jiandu") -> Acting:
    user: User = MembershipFactory(
        role=Role.SUPERVISOR, organisation=None, user__username=username
    ).user
    return Acting(user=user, client_ip="10.9.0.1")


def shanghai(text: str) -> dt.datetime:
    """A moment written as in Shanghai: "2026-03-02 10:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@contextmanager
def clock_at(settings, moment: dt.datetime) -> Iterator[None]:
    """The database clock and the Python clock at `moment` (to the second) inside the block."""
    before = settings.PLATFORM_CLOCK_OFFSET_SECONDS
    settings.PLATFORM_CLOCK_OFFSET_SECONDS = before + round(
        (moment - database_now()).total_seconds()
    )
    try:
        with time_machine.travel(moment, tick=True):
            yield
    finally:
        settings.PLATFORM_CLOCK_OFFSET_SECONDS = before


def published_tender(state: str = TenderState.PUBLISHED, **fields) -> Tender:
    published_at = fields.pop("published_at", shanghai("2026-01-05 09:00"))
    return TenderFactory(state=state, published_at=published_at, **fields)


def notice(tender: Tender, kind: str, at: dt.datetime) -> Notice:
    return Notice.objects.create(
        sequence=next(_notices),
        tender=tender,
        kind=kind,
        title=kind,
        body={},
        published_at=at,
        release={},
        release_sha256="0" * 64,
        platform_signature=b"",
        timestamp_token=b"",
    )


def awarded_tender(*, award_notice_at: dt.datetime, contract_due: dt.datetime, **fields) -> Tender:
    """A tender awarded at `award_notice_at`, its contract due before `contract_due`."""
    tender = published_tender(TenderState.AWARDED, **fields)
    winner = OrganisationFactory()
    candidate = Candidate.objects.create(
        tender=tender, rank=1, organisation=winner, price_fen=9_000_000_00
    )
    Award.objects.create(
        tender=tender,
        candidate=candidate,
        winner=winner,
        price_fen=candidate.price_fen,
        decided_by=MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user,
        decided_at=award_notice_at,
        announcement=notice(tender, NoticeKind.AWARD_ANNOUNCEMENT, award_notice_at),
        award_notice_at=award_notice_at,
        contract_due=contract_due,
    )
    return tender


def reported_tender(*, signed_at: dt.datetime, **fields) -> Tender:
    """A tender in evaluation whose report was signed at `signed_at`."""
    tender = published_tender(TenderState.EVALUATING, **fields)
    panel = complete_panel(tender)
    session = EvaluationSession.objects.create(
        tender=tender,
        panel=panel,
        starts_at=signed_at - dt.timedelta(hours=8),
        ends_at=signed_at + dt.timedelta(hours=1),
        convened_at=signed_at - dt.timedelta(hours=8),
        reported_at=signed_at,
    )
    EvaluationSession.objects.filter(pk=session.pk).update(state="reported")
    report = EvaluationReport.objects.create(
        session=session,
        document=b"{}",
        document_sha256="0" * 64,
        candidates=[],
        generated_at=signed_at,
        signed_at=signed_at,
    )
    EvaluationReport.objects.filter(pk=report.pk).update(state=ReportState.SIGNED)
    return tender


def complete_panel(tender: Tender, members: int = 5) -> Panel:
    """A lawful panel of confirmed experts, complete."""
    panel = PanelFactory(tender=tender, size=members)
    PanelSeatFactory.create_batch(members, panel=panel)
    PanelSeat.objects.filter(panel=panel).update(state=SeatState.CONFIRMED)
    Panel.objects.filter(pk=panel.pk).update(state=PanelState.COMPLETE)
    return Panel.objects.get(pk=panel.pk)


def evaluating_tender(*, ends_at: dt.datetime, **fields) -> EvaluationSession:
    tender = published_tender(TenderState.EVALUATING, **fields)
    panel = complete_panel(tender)
    return EvaluationSession.objects.create(
        tender=tender,
        panel=panel,
        starts_at=ends_at - dt.timedelta(hours=8),
        ends_at=ends_at,
        convened_at=ends_at - dt.timedelta(hours=8),
    )


def new_id() -> str:
    return str(uuid.uuid4())
