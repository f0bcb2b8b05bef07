"""A tender from draft to the opening hall: services are the only way to move it."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from accounts.models import Role
from monitoring.chain import find_broken_link
from monitoring.models import Event
from monitoring.transitions import TransitionRefused
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    TenderFactory,
    comprehensive_scoring_scheme,
    days_from_now,
    on_day_from_today,
)
from tests.trading.schedules import published_days_ago
from trading.law.working_days import local_date
from trading.models import Notice, NoticeKind, Tender, TenderState
from trading.services import (
    Acting,
    TenderInvalid,
    tender_amend_deadline,
    tender_cancel,
    tender_create_draft,
    tender_publish,
    tender_resume,
    tender_suspend,
    tender_sweep_due,
)


def tenderee_of(project) -> Acting:
    membership = MembershipFactory(role=Role.TENDEREE, organisation=project.tenderee)
    return Acting(user=membership.user, client_ip="10.0.0.8")


def supervisor() -> Acting:
    return Acting(user=MembershipFactory(role=Role.SUPERVISOR, organisation=None).user)


def tender_events(tender) -> list[tuple[str, str, str]]:
    return list(
        Event.objects.filter(object_id=str(tender.pk)).values_list(
            "action", "from_state", "to_state"
        )
    )


@pytest.mark.django_db
def test_a_tenderee_drafts_and_publishes_a_tender():
    project = ProjectFactory()
    acting = tenderee_of(project)
    draft = tender_create_draft(
        acting=acting,
        project=project,
        terms={
            "title": "教学楼新建工程施工",
            "category": "works",
            "method": "open",
            "ceiling_price_fen": 8_500_000_00,
            "estimated_price_fen": 9_000_000_00,
            "bid_security_fen": 180_000_00,
            "evaluation_method": "comprehensive_scoring",
            "scoring_scheme": comprehensive_scoring_scheme(),
            "documents_from": days_from_now(0.01),
            "documents_until": days_from_now(12),
            "clarification_cutoff": days_from_now(9),
            "bid_deadline": days_from_now(25),
        },
    )

    published = tender_publish(acting=acting, tender_id=draft.pk)

    assert published.state == TenderState.PUBLISHED
    assert published.published_at is not None
    assert tender_events(draft) == [
        ("tender.drafted", "", "draft"),
        ("tender.published", "draft", "published"),
    ]
    assert Event.objects.get(action="tender.published").client_ip == "10.0.0.8"
    assert find_broken_link()[1] is None


@pytest.mark.django_db
def test_a_schedule_shorter_than_the_law_is_refused_naming_rule_and_source():
    tender = TenderFactory(documents_from=days_from_now(0.01), bid_deadline=days_from_now(19))
    acting = tenderee_of(tender.project)

    with pytest.raises(TenderInvalid) as refused:
        tender_publish(acting=acting, tender_id=tender.pk)

    assert "bid_deadline" in refused.value.problems
    assert "招标投标法" in refused.value.problems["bid_deadline"]
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT
    assert Event.objects.filter(action="tender.published").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"ceiling_price_fen": 0}, "ceiling_price_fen", "greater than 0"),
        ({"ceiling_price_fen": 100.5}, "ceiling_price_fen", "whole number of fen"),
        (
            {
                "scoring_scheme": {
                    **comprehensive_scoring_scheme(),
                    "criteria": [{"name": "技术", "weight": 90, "minimum": 0, "maximum": 90}],
                }
            },
            "scoring_scheme",
            "must sum to 100, not 90",
        ),
        (
            {
                "scoring_scheme": {
                    **comprehensive_scoring_scheme(),
                    "criteria": [{"name": "技术", "weight": 100, "minimum": 50, "maximum": 10}],
                }
            },
            "scoring_scheme.criteria[0]",
            "upside down (50 > 10)",
        ),
        ({"minimum_valid_bids": 2}, "minimum_valid_bids", "at least 3"),
        ({"colour": "red"}, "colour", "is not a term of a tender"),
    ],
)
def test_bad_terms_are_refused_with_the_field_named_and_nothing_saved(terms, field, message):
    project = ProjectFactory()
    acting = tenderee_of(project)
    base = {
        "title": "道路工程",
        "category": "works",
        "method": "open",
        "ceiling_price_fen": 1_000_000,
        "evaluation_method": "comprehensive_scoring",
        "scoring_scheme": comprehensive_scoring_scheme(),
    }
    with pytest.raises(TenderInvalid) as refused:
        tender_create_draft(acting=acting, project=project, terms={**base, **terms})
    assert message in refused.value.problems[field]
    assert Tender.objects.count() == 0
    assert Event.objects.filter(action="tender.drafted").count() == 0


@pytest.mark.django_db
def test_a_bidder_cannot_publish_someone_elses_tender():
    tender = TenderFactory()
    bidder = MembershipFactory(role=Role.BIDDER).user
    # Told the tender does not exist (404), as for an unknown id, never a 403.
    with pytest.raises(Http404, match="neither the tenderee nor the agent"):
        tender_publish(acting=Acting(user=bidder), tender_id=tender.pk)
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


@pytest.mark.django_db
def test_the_state_cannot_be_set_by_hand():
    tender = TenderFactory()
    with pytest.raises(AttributeError):
        tender.state = TenderState.AWARDED


@pytest.mark.django_db
def test_a_tender_cannot_move_from_a_state_that_does_not_allow_it():
    tender = TenderFactory()
    acting = tenderee_of(tender.project)
    tender_cancel(acting=acting, tender_id=tender.pk, reason="项目取消")
    with pytest.raises(TransitionRefused, match="is cancelled: it cannot cancel"):
        tender_cancel(acting=acting, tender_id=tender.pk, reason="again")
    with pytest.raises(TransitionRefused, match="is cancelled: it cannot publish"):
        tender_publish(acting=acting, tender_id=tender.pk)


@pytest.mark.django_db
def test_a_supervisor_suspends_and_the_tender_resumes_where_it_was():
    tender = TenderFactory()
    tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)
    watcher = supervisor()

    suspended = tender_suspend(acting=watcher, tender_id=tender.pk, reason="投诉处理中")
    resumed = tender_resume(acting=watcher, tender_id=tender.pk, reason="投诉驳回")

    assert suspended.state == TenderState.SUSPENDED
    assert resumed.state == TenderState.PUBLISHED
    assert tender_events(tender)[-2:] == [
        ("tender.suspended", "published", "suspended"),
        ("tender.resumed", "suspended", "published"),
    ]


@pytest.mark.django_db
def test_a_tenderee_cannot_suspend():
    tender = TenderFactory()
    acting = tenderee_of(tender.project)
    tender_publish(acting=acting, tender_id=tender.pk)
    with pytest.raises(PermissionDenied, match="is not a supervisor"):
        tender_suspend(acting=acting, tender_id=tender.pk, reason="")


@pytest.mark.django_db
@pytest.mark.parametrize(("days_before", "moved"), [(16, False), (15, False), (14, True)])
def test_an_amendment_late_before_the_deadline_moves_it(days_before, moved):
    tender = TenderFactory()
    acting = tenderee_of(tender.project)
    tender_publish(acting=acting, tender_id=tender.pk)
    published_days_ago(tender, 10)  # so that 14 to 16 days from now keep the 20-day minimum
    requested = on_day_from_today(days_before)

    amended = tender_amend_deadline(
        acting=acting, tender_id=tender.pk, bid_deadline=requested, reason="澄清工程量清单"
    )

    assert (amended.bid_deadline > requested) is moved
    if not moved:
        assert amended.bid_deadline == requested
    event = Event.objects.get(action="tender.amended")
    assert event.payload["bid_deadline"] == amended.bid_deadline.isoformat()


@pytest.mark.django_db
def test_an_amendment_cannot_bring_the_deadline_within_20_days_of_the_first_issue():
    tender = TenderFactory(documents_from=days_from_now(0.01), bid_deadline=days_from_now(25))
    acting = tenderee_of(tender.project)
    tender_publish(acting=acting, tender_id=tender.pk)
    first_deadline = Tender.objects.get(pk=tender.pk).bid_deadline
    issued, deadline = Tender.objects.get(pk=tender.pk).documents_from, days_from_now(16)

    # 16 days: more than the 15 an amendment needs, fewer than the 20 from the first issue.
    with pytest.raises(TenderInvalid) as refused:
        tender_amend_deadline(
            acting=acting,
            tender_id=tender.pk,
            bid_deadline=deadline,
            reason="压缩工期",
        )

    assert set(refused.value.problems) == {"bid_deadline", "clarification_cutoff"}
    assert "招标投标法 第二十四条" in refused.value.problems["bid_deadline"]
    days = (local_date(deadline) - local_date(issued)).days
    assert f"it is {days} days" in refused.value.problems["bid_deadline"]
    assert Tender.objects.get(pk=tender.pk).bid_deadline == first_deadline
    assert not Event.objects.filter(action="tender.amended").exists()
    assert not Notice.objects.filter(tender=tender, kind=NoticeKind.AMENDMENT).exists()


@pytest.mark.django_db
def test_an_amendment_cannot_leave_the_clarification_cutoff_within_15_days_of_the_deadline():
    tender = TenderFactory(clarification_cutoff=days_from_now(9), bid_deadline=days_from_now(30))
    acting = tenderee_of(tender.project)
    tender_publish(acting=acting, tender_id=tender.pk)

    with pytest.raises(TenderInvalid) as refused:
        tender_amend_deadline(
            acting=acting,
            tender_id=tender.pk,
            bid_deadline=days_from_now(22),
            reason="提前开标",
        )

    assert set(refused.value.problems) == {"clarification_cutoff"}
    assert "招标投标法 第二十三条" in refused.value.problems["clarification_cutoff"]


def make_due(tender) -> None:
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=days_from_now(-0.001))


@pytest.mark.django_db
def test_the_chronograph_opens_the_hall_at_the_deadline_once():
    tender = TenderFactory()
    tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)
    make_due(tender)

    assert tender_sweep_due() == 2
    assert tender_sweep_due() == 0

    tender.refresh_from_db()
    assert tender.state == TenderState.OPENING
    assert tender_events(tender)[-2:] == [
        ("tender.bidding_closed", "published", "bidding_closed"),
        ("tender.opening_started", "bidding_closed", "opening"),
    ]


@pytest.mark.django_db
def test_the_chronograph_leaves_tenders_before_their_deadline():
    tender = TenderFactory()
    tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)
    assert tender_sweep_due() == 0
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_two_chronograph_runs_in_parallel_move_each_due_tender_once():
    tenders = [TenderFactory() for _ in range(12)]
    for tender in tenders:
        tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)
        make_due(tender)
    results: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            results.append(tender_sweep_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert connection.vendor == "postgresql"
    assert sum(results) == 2 * len(tenders)
    for tender in tenders:
        actions = [action for action, _, _ in tender_events(tender)]
        assert actions.count("tender.bidding_closed") == 1
        assert actions.count("tender.opening_started") == 1
    assert set(Tender.objects.values_list("state", flat=True)) == {TenderState.OPENING}
    assert find_broken_link()[1] is None


@pytest.mark.django_db
def test_the_chronograph_task_runs_the_tender_sweep():
    from monitoring.chronograph import run_chronograph

    tender = TenderFactory()
    tender_publish(acting=tenderee_of(tender.project), tender_id=tender.pk)
    make_due(tender)
    assert run_chronograph().transitions_made == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"category": "weapons"}, "category"),
        ({"method": "secret"}, "method"),
        ({"evaluation_method": "coin"}, "evaluation_method"),
        ({"scoring_scheme": ["not", "an", "object"]}, "scoring_scheme"),
        ({"opening_committee": "everyone"}, "opening_committee"),
        ({"sign_in_opens_minutes_before": -5}, "sign_in_opens_minutes_before"),
        ({"title": ""}, "title"),
    ],
)
def test_terms_of_the_wrong_kind_are_refused_not_crashed_on(terms, field):
    project = ProjectFactory()
    base = {
        "title": "道路工程",
        "category": "works",
        "method": "open",
        "ceiling_price_fen": 1_000_000,
        "evaluation_method": "comprehensive_scoring",
        "scoring_scheme": comprehensive_scoring_scheme(),
    }
    with pytest.raises(TenderInvalid) as refused:
        tender_create_draft(acting=tenderee_of(project), project=project, terms={**base, **terms})
    assert field in refused.value.problems
    assert Tender.objects.count() == 0
