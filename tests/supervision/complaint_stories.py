"""What the complaint and suspension stories start from: a published works tender with its
tenderee, a bidder acting for its organisation, a supervisor, an objection, and a clock the
story sets."""

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import time_machine

from accounts.acting import Acting
from accounts.models import Organisation, Role
from monitoring.clock import database_now
from monitoring.models import Event
from tests.factories import MembershipFactory, TenderDocumentFactory, TenderFactory
from trading.models import DocumentDownload, DocumentObjection, Tender
from trading.objections import objection_answer, objection_raise
from trading.services import tender_publish

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2027: National Day 10-01…10-07 off, Sunday 09-26 and Saturday 10-09 worked (调休), as the
# State Council's notice sets each year; the stories set these in their settings.
NATIONAL_DAY_HOLIDAYS = [f"2027-10-0{day}" for day in range(1, 8)]
NATIONAL_DAY_MAKEUP_WORKDAYS = ["2027-09-26", "2027-10-09"]


def shanghai(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@contextmanager
def clock_at(settings, moment: dt.datetime):
    """Both clocks the platform reads at `moment`, ticking: the database clock the services read
    (its offset, monitoring.clock.database_now) and the Python clock (time-machine). The object
    store keeps the wall clock: a story under this clock stores no file."""
    before = settings.PLATFORM_CLOCK_OFFSET_SECONDS
    settings.PLATFORM_CLOCK_OFFSET_SECONDS = before + round(
        (moment - database_now()).total_seconds()
    )
    try:
        with time_machine.travel(moment, tick=True):
            yield
    finally:
        settings.PLATFORM_CLOCK_OFFSET_SECONDS = before


@dataclass
class Story:
    tender: Tender
    tenderee: Acting
    bidder: Acting
    supervisor: Acting


def bidder_acting(organisation: Organisation | None = None) -> Acting:
    """A bidder acting for its organisation, as bids.acting.bidder_acting builds it from a
    certificate login."""
    given = {"organisation": organisation} if organisation is not None else {}
    membership = MembershipFactory(role=Role.BIDDER, **given)
    return Acting(
        user=membership.user,
        organisation=membership.organisation,
        role=Role.BIDDER,
        client_ip="10.8.8.8",
    )


def supervisor_acting() -> Acting:
    user = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    return Acting(user=user, client_ip="10.0.0.9")


def published_tender(**terms) -> Story:
    """A works tender published now, its documents offered since a moment ago."""
    tender = TenderFactory(**terms)
    tenderee = Acting(
        user=MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    )
    tender_publish(acting=tenderee, tender_id=tender.pk)
    Tender.objects.filter(pk=tender.pk).update(
        documents_from=database_now() - dt.timedelta(minutes=5)
    )
    tender.refresh_from_db()
    tender.document = TenderDocumentFactory(tender=tender, uploaded_by=tenderee.user)
    return Story(
        tender=tender,
        tenderee=tenderee,
        bidder=bidder_acting(),
        supervisor=supervisor_acting(),
    )


def objection_to_documents(story: Story, bidder: Acting | None = None) -> DocumentObjection:
    """The bidder obtains the documents and objects to them (条例 第二十二条)."""
    bidder = bidder or story.bidder
    DocumentDownload.objects.create(
        tender=story.tender,
        document=story.tender.document,
        organisation=bidder.organisation,
        user=bidder.user,
        downloaded_at=database_now(),
    )
    return objection_raise(
        acting=Acting(user=bidder.user), tender_id=story.tender.pk, text="资格条件排斥潜在投标人"
    )


def answered(story: Story, objection: DocumentObjection) -> DocumentObjection:
    return objection_answer(
        acting=story.tenderee, objection_id=objection.pk, answer="资格条件符合法律规定，不予修改"
    )


def events_of(object_id: object) -> list[tuple[str, str, str, str]]:
    return list(
        Event.objects.filter(object_id=str(object_id))
        .order_by("sequence")
        .values_list("action", "role", "from_state", "to_state")
    )
