"""Complaints (投诉): a bidder files one after its objection, within the period; a supervisor
accepts or refuses it, investigates, upholds or dismisses it, each step a signed decision
(招标投标法实施条例 第六十条、第六十一条)."""

import datetime as dt
import hashlib
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.acting import Acting
from accounts.models import Role
from bids.models import OpeningObjection, OpeningSession
from monitoring.clock import database_now
from monitoring.models import Event, SealedIdentity
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from signing.errors import SigningError
from signing.timestamps import verify_timestamp
from supervision.complaints.documents import DocumentInvalid, signed_verify
from supervision.complaints.errors import ComplaintRefused
from supervision.complaints.selectors import complaints_seen
from supervision.complaints.services import complaint_decide, complaint_file
from supervision.models import Complaint, ComplaintDecision, ComplaintState
from tests.factories import MembershipFactory, UserFactory
from tests.supervision.complaint_stories import (
    answered,
    bidder_acting,
    clock_at,
    events_of,
    objection_to_documents,
    published_tender,
    shanghai,
)
from trading.models import CandidateObjection, DocumentObjection

# A Monday in a week without holidays: the stories' dates are worked out by hand below.
MONDAY = shanghai(2027, 3, 1, 10, 0)


def utc(moment):
    """A moment as the signed documents and events write it."""
    return moment.astimezone(dt.UTC).isoformat()


@pytest.fixture
def plain_calendar(settings):
    settings.TRADING_HOLIDAYS, settings.TRADING_MAKEUP_WORKDAYS = [], []


def file_about_documents(story, objection, **extra):
    return complaint_file(
        acting=story.bidder,
        tender_id=story.tender.pk,
        matter="tender_documents",
        text="资格条件要求本省业绩，排斥外地投标人；请求责令修改招标文件",
        objection_id=objection.pk if objection is not None else None,
        **extra,
    )


@pytest.mark.django_db
def test_a_bidder_files_a_complaint_once_its_objection_is_answered(settings, plain_calendar):
    with clock_at(settings, MONDAY):
        story = published_tender()
        objection = answered(story, objection_to_documents(story))
    with clock_at(settings, shanghai(2027, 3, 3, 9, 30)):  # Wednesday
        complaint = file_about_documents(story, objection)

    assert complaint.state == ComplaintState.FILED
    assert complaint.document_objection_id == objection.pk
    assert complaint.organisation == story.bidder.organisation
    # The objection's answer period (3 days from Monday) is left out of the 10 days: they count
    # from Thursday 03-04, the 10th day is Sunday 03-14, rolled to Monday 03-15.
    assert complaint.window_due == shanghai(2027, 3, 16, 0, 0)
    # Accepted or refused within 3 working days of Wednesday: Thursday, Friday, Monday.
    assert complaint.acceptance_due == shanghai(2027, 3, 9, 0, 0)
    assert complaint.decision_due is None  # counted from the acceptance (条例 第六十一条)
    receipt = json.loads(bytes(complaint.receipt_document))
    assert (receipt["purpose"], receipt["complaint"], receipt["prior_objection"]) == (
        "complaint-receipt",
        str(complaint.pk),
        str(objection.pk),
    )
    assert receipt["complainant"] == {
        "name": story.bidder.organisation.name,
        "uscc": story.bidder.organisation.uscc,
    }
    assert receipt["rules"]["window"]["source"] == "招标投标法实施条例 第六十条"
    # Filed before the bid deadline: who complained is sealed, as an objection's author is.
    filed = Event.objects.get(action="complaint.filed")
    assert (filed.actor, filed.actor_label, filed.role, filed.to_state) == (
        None,
        "sealed",
        "bidder",
        "filed",
    )
    assert "organisation" not in filed.payload and "tender" not in filed.payload
    identity = SealedIdentity.objects.get(event=filed)
    assert (identity.tender_id, identity.fields) == (
        str(story.tender.pk),
        {"organisation": story.bidder.organisation.uscc},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("objection_named", ["none", "another organisation's", "another tender's"])
def test_a_complaint_about_the_documents_without_its_prior_objection_is_refused(
    settings, plain_calendar, objection_named
):
    with clock_at(settings, MONDAY):
        story = published_tender()
        other = published_tender()
        objection = {
            "none": lambda: None,
            "another organisation's": lambda: answered(
                story, objection_to_documents(story, bidder_acting())
            ),
            "another tender's": lambda: answered(
                other, objection_to_documents(other, story.bidder)
            ),
        }[objection_named]()
    with (
        clock_at(settings, shanghai(2027, 3, 3, 9, 30)),
        pytest.raises(ComplaintRefused) as refused,
    ):
        file_about_documents(story, objection)

    assert (refused.value.code, refused.value.field, refused.value.status) == (
        "prior_objection_required",
        "objection",
        400,
    )
    assert refused.value.message == (
        "a complaint about The tender documents follows an objection your organisation raised "
        "with the tenderee on the same matter of this tender (招标投标法实施条例 第六十条): name "
        "that objection"
    )
    assert not Complaint.objects.exists()
    assert not Event.objects.filter(action="complaint.filed").exists()


@pytest.mark.django_db
def test_a_complaint_waits_for_the_answer_or_the_end_of_the_answer_period(settings, plain_calendar):
    with clock_at(settings, MONDAY):
        story = published_tender()
        objection = objection_to_documents(story)  # not answered
    # The last day of the answer period.
    with (
        clock_at(settings, shanghai(2027, 3, 4, 23, 0)),
        pytest.raises(ComplaintRefused) as refused,
    ):
        file_about_documents(story, objection)
    with clock_at(settings, shanghai(2027, 3, 5, 0, 30)):  # the answer is overdue
        complaint = file_about_documents(story, objection)

    assert (refused.value.code, refused.value.status) == ("objection_awaiting_answer", 409)
    assert "until the end of 2027-03-04" in refused.value.message
    assert complaint.state == ComplaintState.FILED
    assert complaint.window_due == shanghai(2027, 3, 16, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filed_at", "allowed"),
    [(shanghai(2027, 3, 15, 23, 50), True), (shanghai(2027, 3, 16, 0, 10), False)],
)
def test_a_complaint_past_its_period_is_refused_naming_the_day(
    settings, plain_calendar, filed_at, allowed
):
    with clock_at(settings, MONDAY):
        story = published_tender()
        objection = answered(story, objection_to_documents(story))
    with clock_at(settings, filed_at):
        if allowed:
            assert file_about_documents(story, objection).state == ComplaintState.FILED
            return
        with pytest.raises(ComplaintRefused) as refused:
            file_about_documents(story, objection)

    assert (refused.value.code, refused.value.status) == ("complaint_period_over", 409)
    assert refused.value.message == (
        "the complaint is late: it was due by the end of 2027-03-15 (Asia/Shanghai), 10 days "
        "after 2027-03-04 (招标投标法实施条例 第六十条)"
    )
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_another_matter_needs_no_objection_and_counts_from_when_it_was_known(
    settings, plain_calendar
):
    with clock_at(settings, shanghai(2027, 3, 12, 10, 0)):
        story = published_tender()
        with pytest.raises(ComplaintRefused, match="say when you knew") as unknown:
            complaint_file(
                acting=story.bidder,
                tender_id=story.tender.pk,
                matter="other",
                text="招标人要求投标人提供无关证明",
            )
        # Known Monday 03-01: 10 days end on Thursday 03-11.
        with pytest.raises(ComplaintRefused, match="by the end of 2027-03-11") as late:
            complaint_file(
                acting=story.bidder,
                tender_id=story.tender.pk,
                matter="other",
                text="招标人要求投标人提供无关证明",
                known_at=MONDAY,
            )
        complaint = complaint_file(
            acting=story.bidder,
            tender_id=story.tender.pk,
            matter="other",
            text="招标人要求投标人提供无关证明",
            known_at=shanghai(2027, 3, 2, 16, 0),
        )

    assert (unknown.value.code, late.value.code) == ("known_at_required", "complaint_period_over")
    assert complaint.window_due == shanghai(2027, 3, 13, 0, 0)
    assert complaint.prior_objection_id is None


@pytest.mark.django_db
def test_only_a_bidder_acting_for_its_organisation_files(settings, plain_calendar):
    with clock_at(settings, MONDAY):
        story = published_tender()
        acting_for_none = Acting(user=story.bidder.user, role=Role.BIDDER)
        tenderee_as_bidder = Acting(
            user=story.tenderee.user,
            organisation=story.tender.project.tenderee,
            role=Role.BIDDER,
        )
        for acting in (acting_for_none, tenderee_as_bidder, story.supervisor):
            with pytest.raises(PermissionDenied, match="filed by a bidder acting for"):
                complaint_file(
                    acting=acting,
                    tender_id=story.tender.pk,
                    matter="other",
                    text="投诉",
                    known_at=MONDAY,
                )
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_a_second_complaint_on_one_objection_is_refused_until_the_first_is_refused(
    settings, plain_calendar
):
    with clock_at(settings, MONDAY):
        story = published_tender()
        objection = answered(story, objection_to_documents(story))
    with clock_at(settings, shanghai(2027, 3, 3, 9, 30)):
        first = file_about_documents(story, objection)
        with pytest.raises(ComplaintRefused, match="is already Filed") as twice:
            file_about_documents(story, objection)
        complaint_decide(
            acting=story.supervisor,
            complaint_id=first.pk,
            step="refuse",
            reason="投诉书未附有效证明材料",
        )
        again = file_about_documents(story, objection)

    assert twice.value.code == "complaint_exists"
    assert again.document_objection_id == first.document_objection_id == objection.pk


@pytest.fixture
def filed(settings, plain_calendar):
    with clock_at(settings, MONDAY):
        story = published_tender()
        objection = answered(story, objection_to_documents(story))
    with clock_at(settings, shanghai(2027, 3, 3, 9, 30)):
        story.complaint = file_about_documents(story, objection)
    # The stories go on on Thursday, within the acceptance period, unless they set their own.
    with clock_at(settings, shanghai(2027, 3, 4, 10, 0)):
        yield story


@pytest.mark.django_db
def test_each_step_is_a_decision_on_its_clock_with_one_event(settings, filed):
    steps = [
        ("accept", shanghai(2027, 3, 8, 15, 0), "投诉符合受理条件"),
        ("investigate", shanghai(2027, 3, 9, 9, 0), "调取招标文件及异议答复"),
        ("uphold", shanghai(2027, 4, 1, 10, 0), "资格条件排斥外地投标人，责令修改"),
    ]
    decisions = []
    for step, moment, reason in steps:
        with clock_at(settings, moment):
            decisions.append(
                complaint_decide(
                    acting=filed.supervisor,
                    complaint_id=filed.complaint.pk,
                    step=step,
                    reason=reason,
                )
            )

    accepted = json.loads(bytes(decisions[0].document))
    assert accepted["due"] == utc(shanghai(2027, 3, 9, 0, 0))
    assert accepted["rule"]["source"] == "招标投标法实施条例 第六十一条"
    # 30 working days from Monday 03-08: the 30th is Monday 04-19.
    assert accepted["decision_due"] == utc(shanghai(2027, 4, 20, 0, 0))
    assert [(item.step, item.late) for item in decisions] == [
        ("accepted", False),
        ("investigating", False),
        ("upheld", False),
    ]
    complaint = Complaint.objects.get(pk=filed.complaint.pk)
    assert (complaint.state, complaint.decision_due) == (
        ComplaintState.UPHELD,
        shanghai(2027, 4, 20, 0, 0),
    )
    assert events_of(complaint.pk) == [
        ("complaint.filed", "bidder", "", "filed"),
        ("complaint.accepted", "supervisor", "filed", "accepted"),
        ("complaint.investigation_started", "supervisor", "accepted", "investigating"),
        ("complaint.upheld", "supervisor", "investigating", "upheld"),
    ]
    upheld = Event.objects.get(action="complaint.upheld")
    assert upheld.payload == {
        "decision": str(decisions[2].pk),
        "reason": "资格条件排斥外地投标人，责令修改",
        "due": utc(shanghai(2027, 4, 20, 0, 0)),
        "late": False,
        "document_sha256": decisions[2].document_sha256,
    }


@pytest.fixture
def filed_now():
    """A complaint filed at the run's own time: the test CA's revocation lists are fresh for a
    week, so signatures are verified near the moment they are made."""
    story = published_tender()
    objection = answered(story, objection_to_documents(story))
    story.complaint = file_about_documents(story, objection)
    return story


@pytest.mark.django_db
def test_the_receipt_and_each_decision_are_signed_by_the_platform_and_verify(filed_now):
    complaint = filed_now.complaint
    steps = [
        ("accept", "投诉符合受理条件"),
        ("investigate", "调查"),
        ("dismiss", "投诉缺乏事实依据"),
    ]
    decisions = [
        complaint_decide(
            acting=filed_now.supervisor, complaint_id=complaint.pk, step=step, reason=reason
        )
        for step, reason in steps
    ]

    trust = platform_trust_store()
    receipt = signed_verify(
        document=bytes(complaint.receipt_document),
        signature=bytes(complaint.receipt_signature),
        timestamp_token=bytes(complaint.receipt_timestamp_token),
    )
    assert receipt.signature.identity.kind == "service"
    for decision, (step, reason) in zip(decisions, steps, strict=True):
        document = bytes(decision.document)
        stamp = verify_timestamp(bytes(decision.timestamp_token), document, trust=trust)
        signature = verify_detached(
            bytes(decision.platform_signature), document, trust=trust, at=stamp.generated_at
        )
        assert signature.identity.kind == "service"
        assert hashlib.sha256(document).hexdigest() == decision.document_sha256
        content = json.loads(document)
        assert (content["purpose"], content["id"], content["complaint"]) == (
            "complaint-decision",
            str(decision.pk),
            str(complaint.pk),
        )
        assert (content["step"], content["reason"], content["late"]) == (step, reason, False)
        assert (
            content["receipt_sha256"]
            == hashlib.sha256(bytes(complaint.receipt_document)).hexdigest()
        )
        assert content["complainant"]["uscc"] == filed_now.bidder.organisation.uscc


@pytest.mark.django_db
def test_a_changed_decision_no_longer_verifies(filed_now):
    decision = complaint_decide(
        acting=filed_now.supervisor,
        complaint_id=filed_now.complaint.pk,
        step="accept",
        reason="受理",
    )
    changed = bytes(decision.document).replace("受理".encode(), "驳回".encode())

    with pytest.raises(SigningError):
        verify_timestamp(bytes(decision.timestamp_token), changed, trust=platform_trust_store())
    with pytest.raises(DocumentInvalid, match="does not match"):
        signed_verify(
            document=changed,
            signature=bytes(decision.platform_signature),
            timestamp_token=bytes(decision.timestamp_token),
        )


@pytest.mark.django_db
def test_a_decision_in_a_state_that_does_not_allow_it_is_refused(settings, filed):
    with pytest.raises(ComplaintRefused) as too_early:
        complaint_decide(
            acting=filed.supervisor, complaint_id=filed.complaint.pk, step="uphold", reason="成立"
        )
    complaint_decide(
        acting=filed.supervisor, complaint_id=filed.complaint.pk, step="refuse", reason="超期"
    )
    with pytest.raises(ComplaintRefused) as after_the_end:
        complaint_decide(
            acting=filed.supervisor, complaint_id=filed.complaint.pk, step="accept", reason="受理"
        )

    assert (too_early.value.code, too_early.value.status) == ("conflict", 409)
    assert too_early.value.message == (
        f"complaint {filed.complaint.pk} is Filed: the decisions open now are accept, refuse, "
        "not uphold"
    )
    assert after_the_end.value.message == (
        f"complaint {filed.complaint.pk} is Refused: the decisions open now are none (it is "
        "decided), not accept"
    )
    assert list(ComplaintDecision.objects.values_list("step", flat=True)) == ["refused"]
    assert [action for action, *_ in events_of(filed.complaint.pk)] == [
        "complaint.filed",
        "complaint.refused",
    ]


@pytest.mark.django_db
def test_a_decision_after_its_due_date_is_made_and_marked_late(settings, filed):
    # Acceptance was due by the end of Monday 03-08.
    with clock_at(settings, shanghai(2027, 3, 9, 8, 0)):
        decision = complaint_decide(
            acting=filed.supervisor, complaint_id=filed.complaint.pk, step="accept", reason="受理"
        )

    assert (decision.step, decision.late, decision.due) == (
        "accepted",
        True,
        shanghai(2027, 3, 9, 0, 0),
    )
    assert json.loads(bytes(decision.document))["late"] is True
    assert Event.objects.get(action="complaint.accepted").payload["late"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["tenderee", "complainant", "operator", "bidder"])
def test_only_a_supervisor_decides(filed, who):
    user = {
        "tenderee": lambda: filed.tenderee.user,
        "complainant": lambda: filed.bidder.user,
        "operator": lambda: UserFactory(is_staff=True, is_superuser=True),
        "bidder": lambda: MembershipFactory(role=Role.BIDDER).user,
    }[who]()
    with pytest.raises(PermissionDenied, match="only a supervisor decides on complaints"):
        complaint_decide(
            acting=Acting(user=user), complaint_id=filed.complaint.pk, step="accept", reason="受理"
        )
    assert Complaint.objects.get().state == ComplaintState.FILED
    assert not ComplaintDecision.objects.exists()
    assert not Event.objects.filter(action__startswith="complaint.accept").exists()


@pytest.mark.django_db
def test_a_decision_without_a_reason_is_refused(filed):
    with pytest.raises(ComplaintRefused, match="a decision gives its reason") as refused:
        complaint_decide(
            acting=filed.supervisor, complaint_id=filed.complaint.pk, step="accept", reason="  "
        )
    assert refused.value.field == "reason"
    assert not ComplaintDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("complaints", [1, 6])
def test_the_complaint_list_costs_the_same_queries_whatever_its_length(
    django_assert_num_queries, complaints
):
    story = published_tender()
    for _ in range(complaints):
        objection = answered(story, objection_to_documents(story, bidder_acting()))
        complaint = complaint_file(
            acting=Acting(
                user=objection.raised_by, organisation=objection.organisation, role=Role.BIDDER
            ),
            tender_id=story.tender.pk,
            matter="tender_documents",
            text="投诉",
            objection_id=objection.pk,
        )
        complaint_decide(
            acting=story.supervisor, complaint_id=complaint.pk, step="accept", reason="受理"
        )

    # The reader's roles, the clock, the complaints, their decisions, their attachments.
    with django_assert_num_queries(5):
        seen = complaints_seen(user=story.tenderee.user)
    assert [(item.state, item.complainant, len(item.decisions)) for item in seen] == [
        ("accepted", None, 1)
    ] * complaints


@pytest.mark.django_db(transaction=True)
def test_two_filings_on_one_objection_at_once_make_one_complaint():
    story = published_tender()
    objection = answered(story, objection_to_documents(story))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def file() -> None:
        start.wait()
        try:
            file_about_documents(story, objection)
            outcomes.append("filed")
        except ComplaintRefused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=file) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["complaint_exists", "filed"]
    assert Complaint.objects.count() == 1
    assert Event.objects.filter(action="complaint.filed").count() == 1


def objection_of_kind(story, kind: str):
    """An answered objection of each kind by the story's bidder (the hall's and the publicity's
    stories are told in bids and trading: the rows are made directly)."""
    now = database_now()
    common = {
        "organisation": story.bidder.organisation,
        "raised_by": story.bidder.user,
        "text": "异议",
        "raised_at": now - dt.timedelta(days=4),
        "answer_due": now - dt.timedelta(days=1),
    }
    if kind == "opening":
        session = OpeningSession.objects.create(tender=story.tender, created_at=now)
        return OpeningObjection.objects.create(session=session, **common)
    if kind == "evaluation_result":
        return CandidateObjection.objects.create(tender=story.tender, **common)
    return DocumentObjection.objects.create(tender=story.tender, **common)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["tender_documents", "opening", "evaluation_result"])
def test_each_matter_follows_an_objection_of_its_own_kind(kind):
    story = published_tender()
    objection = objection_of_kind(story, kind)
    others = [
        matter for matter in ("tender_documents", "opening", "evaluation_result") if matter != kind
    ]

    for matter in others:
        with pytest.raises(ComplaintRefused) as refused:
            complaint_file(
                acting=story.bidder,
                tender_id=story.tender.pk,
                matter=matter,
                text="投诉",
                objection_id=objection.pk,
            )
        assert refused.value.code == "prior_objection_required"
    complaint = complaint_file(
        acting=story.bidder,
        tender_id=story.tender.pk,
        matter=kind,
        text="投诉",
        objection_id=objection.pk,
    )

    assert complaint.prior_objection_id == objection.pk
    assert complaint.matter == kind
