"""The console's tender list: every published tender with its state, its next legal due date and
its open alerts, in a fixed number of queries whatever the number of tenders, page by page."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client

from bids.models import OpeningSession
from config.errors import Refusal
from monitoring.alerts import alert_raise
from monitoring.models import Alert, AlertState
from supervision.console.due import next_due
from supervision.console.selectors import console_tenders
from tests.supervision.console_stories import (
    awarded_tender,
    clock_at,
    evaluating_tender,
    notice,
    published_tender,
    reported_tender,
    shanghai,
    supervisor,
)
from trading.models import (
    CandidatePublicity,
    Contract,
    DocumentObjection,
    NoticeKind,
    Tender,
    TenderState,
)


def raise_alert(tender: Tender, kind: str, severity: str) -> Alert:
    with transaction.atomic():
        return alert_raise(
            kind=kind,
            severity=severity,
            object_type="trading.tender",
            object_id=str(tender.pk),
            tender_id=str(tender.pk),
            message=f"{kind} on {tender.title}",
        )


def every_kind_of_tender() -> list[Tender]:
    """One tender in each state the console shows a due date for, and their alerts."""
    tenders = [
        published_tender(bid_deadline=shanghai("2026-04-20 09:30")),
        published_tender(TenderState.BIDDING_CLOSED, bid_deadline=shanghai("2026-04-01 09:30")),
        reported_tender(signed_at=shanghai("2026-03-02 15:00")),
        evaluating_tender(ends_at=shanghai("2026-04-02 18:00")).tender,
        awarded_tender(
            award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
        ),
        published_tender(TenderState.FAILED),
    ]
    raise_alert(tenders[0], "schedule", "red")
    raise_alert(tenders[4], "contract_signing", "yellow")
    return tenders


@pytest.mark.django_db
def test_the_console_page_costs_the_same_queries_for_2_or_12_tenders(
    settings, django_assert_num_queries
):
    client = Client()
    client.force_login(supervisor().user)
    every_kind_of_tender()[:2]
    with clock_at(settings, shanghai("2026-04-01 12:00")):
        client.get("/supervision/")  # the session's first request touches more
        # session, user, supervisor role, clock, tenders, their alerts, and the navigation's
        # roles (templates/base.html)
        with django_assert_num_queries(7):
            small = client.get("/supervision/")
        every_kind_of_tender()
        with django_assert_num_queries(7):
            large = client.get("/supervision/")
    assert small.status_code == large.status_code == 200
    assert len(large.context["page"].rows) == 12


@pytest.mark.django_db
def test_each_row_has_its_state_next_due_date_and_open_alerts_worst_first(settings):
    tenders = every_kind_of_tender()
    raise_alert(tenders[4], "bid_security_refund", "red")
    resolved = raise_alert(tenders[4], "objection_answer", "red")
    Alert.objects.filter(pk=resolved.pk).update(state=AlertState.RESOLVED)
    with clock_at(settings, shanghai("2026-04-01 12:00")):
        page = console_tenders()
    rows = {row.tender.pk: row for row in page.rows}
    expected = [
        ("bid_deadline", shanghai("2026-04-20 09:30"), "招标投标法 第二十四条", ""),
        ("opening", shanghai("2026-04-01 09:30"), "招标投标法 第三十四条", "red"),
        ("publicity_start", shanghai("2026-03-06 00:00"), "招标投标法实施条例 第五十四条", "red"),
        ("evaluation_report", shanghai("2026-04-02 18:00"), "招标投标法实施条例 第四十八条", ""),
        ("contract_signing", shanghai("2026-04-02 00:00"), "招标投标法 第四十六条", "yellow"),
    ]
    for tender, (code, at, source, severity) in zip(tenders, expected, strict=False):
        row = rows[tender.pk]
        assert (row.due.code, row.due.at, row.due.source, row.due_severity) == (
            code,
            at,
            source,
            severity,
        ), tender.state
    assert rows[tenders[5].pk].due is None
    assert [(alert.kind, alert.severity) for alert in rows[tenders[4].pk].alerts] == [
        ("bid_security_refund", "red"),
        ("contract_signing", "yellow"),
    ]
    assert [alert.kind for alert in rows[tenders[0].pk].alerts] == ["schedule"]


@pytest.mark.django_db
def test_an_objection_waiting_for_its_answer_comes_before_the_deadline():
    tender = published_tender(bid_deadline=shanghai("2026-04-20 09:30"))
    DocumentObjection.objects.create(
        tender=tender,
        organisation=tender.project.tenderee,
        raised_by=supervisor("author").user,
        text="异议",
        raised_at=shanghai("2026-03-02 10:00"),
        answer_due=shanghai("2026-03-06 00:00"),
    )
    due = next_due(Tender.objects.get(pk=tender.pk))
    assert (due.code, due.at, due.source) == (
        "objection_answer",
        shanghai("2026-03-06 00:00"),
        "招标投标法实施条例 第二十二条",
    )
    listed = console_tenders().rows[0]
    assert listed.due == due


@pytest.mark.django_db
def test_the_due_dates_of_the_opening_publicity_and_refunds():
    opening = published_tender(TenderState.OPENING, bid_deadline=shanghai("2026-04-01 09:30"))
    OpeningSession.objects.create(
        tender=opening,
        created_at=shanghai("2026-04-01 09:00"),
        state="decrypting",
        decryption_started_at=shanghai("2026-04-01 09:30"),
        decryption_ends_at=shanghai("2026-04-01 10:30"),
    )
    publicizing = reported_tender(signed_at=shanghai("2026-03-02 15:00"))
    Tender.objects.filter(pk=publicizing.pk).update(state=TenderState.PUBLICIZING)
    CandidatePublicity.objects.create(
        tender=publicizing,
        report_at=shanghai("2026-03-02 15:00"),
        published_at=shanghai("2026-03-03 10:00"),
        ends_at=shanghai("2026-03-07 00:00"),
        notice=notice(publicizing, NoticeKind.CANDIDATE_PUBLICITY, shanghai("2026-03-03 10:00")),
        published_by=supervisor("tenderee").user,
    )
    contracted = awarded_tender(
        award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
    )
    Contract.objects.create(
        tender=contracted,
        supplier=contracted.award_decision.winner,
        value_fen=1,
        signed_at=shanghai("2026-03-10 10:00"),
        registered_by=contracted.award_decision.decided_by,
        registered_at=shanghai("2026-03-10 10:00"),
    )
    Tender.objects.filter(pk=contracted.pk).update(state=TenderState.CONTRACTED)
    dues = {row.tender.pk: row.due for row in console_tenders().rows}
    assert (dues[opening.pk].code, dues[opening.pk].at) == (
        "decryption_window",
        shanghai("2026-04-01 10:30"),
    )
    assert (dues[publicizing.pk].code, dues[publicizing.pk].at) == (
        "publicity_end",
        shanghai("2026-03-07 00:00"),
    )
    # 条例 第五十七条: within 5 days of the contract; the 5th day, Sun 03-15, rolls to Mon.
    assert (dues[contracted.pk].code, dues[contracted.pk].at, dues[contracted.pk].source) == (
        "bid_security_refund",
        shanghai("2026-03-17 00:00"),
        "招标投标法实施条例 第五十七条",
    )


@pytest.mark.django_db
def test_the_list_pages_newest_first_by_keyset_and_leaves_drafts_out():
    base = shanghai("2026-03-02 09:00")
    tenders = [published_tender(published_at=base + dt.timedelta(hours=hour)) for hour in range(5)]
    published_tender(TenderState.DRAFT, published_at=None)
    seen, after = [], ""
    for _ in range(3):
        page = console_tenders(after=after, page_size=2)
        seen.append([row.tender.pk for row in page.rows])
        after = page.next_cursor
    assert seen == [
        [tenders[4].pk, tenders[3].pk],
        [tenders[2].pk, tenders[1].pk],
        [tenders[0].pk],
    ]
    assert after == ""
    assert [row.tender.pk for row in console_tenders(state="published").rows] == [
        tender.pk for tender in reversed(tenders)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["nonsense", "MjAyNi0wMy0wMg", "eHx5"])
def test_a_cursor_that_is_not_one_is_refused(cursor):
    with pytest.raises(Refusal) as refused:
        console_tenders(after=cursor)
    assert (refused.value.code, refused.value.field) == ("cursor_invalid", "after")
