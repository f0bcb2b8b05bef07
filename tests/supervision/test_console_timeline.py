"""A tender's timeline and drill-downs, read-only; a supervisor's read of something still secret
is itself an event (办法 第二十一条; 条例 第四十六条), a read of what is public is not."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Role
from bids.models import BidUpload, OpeningSession
from evaluation.models import EvaluationSession, Panel, PanelState
from monitoring.models import Event
from supervision.console.services import (
    bid_evidence_read,
    panel_read,
    scores_read,
    tender_timeline_read,
)
from tests.evaluation.factories import ExpertFactory
from tests.evaluation.stories import opened_tender
from tests.factories import (
    MembershipFactory,
    TenderDocumentFactory,
    TenderFactory,
    UserFactory,
    days_from_now,
)
from tests.supervision.console_stories import supervisor
from tests.supervision.test_rules_experts import scored_evaluation
from trading.documents import document_obtain
from trading.models import Tender, TenderState
from trading.objections import objection_raise
from trading.services import Acting, tender_publish


def reads(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action))


@pytest.fixture
def tender_with_sealed_events():
    """A published tender whose documents a bidder obtained, then objected to: two sealed
    events (who obtained and who objected is secret until the deadline)."""
    tender = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    tender_publish(acting=Acting(user=tenderee, client_ip="10.2.0.1"), tender_id=tender.pk)
    Tender.objects.filter(pk=tender.pk).update(documents_from=days_from_now(-0.01))
    document = TenderDocumentFactory(tender=tender, uploaded_by=tenderee)
    bidder = MembershipFactory(role=Role.BIDDER, user=UserFactory(username="wangwu"))
    document_obtain(acting=Acting(user=bidder.user, client_ip="10.4.4.4"), document_id=document.pk)
    objection_raise(
        acting=Acting(user=bidder.user, client_ip="10.4.4.5"), tender_id=tender.pk, text="异议"
    )
    tender.bidder = bidder
    return tender


@pytest.mark.django_db
def test_the_timeline_shows_every_event_in_shanghai_time_and_keeps_sealed_ones_sealed(
    tender_with_sealed_events,
):
    tender = tender_with_sealed_events
    timeline = tender_timeline_read(acting=supervisor(), tender_id=tender.pk)

    actions = [entry.action for entry in timeline.entries]
    # An objection to the documents suspends the works procedure until answered (条例 第二十二条).
    assert actions[-3:] == ["document.obtained", "objection.raised", "tender.suspended"]
    assert "tender.published" in actions and "notice.published" in actions
    published = next(entry for entry in timeline.entries if entry.action == "tender.published")
    assert (published.role, published.client_ip, published.from_state, published.to_state) == (
        "tenderee",
        "10.2.0.1",
        "draft",
        "published",
    )
    assert published.occurred_at_shanghai.endswith("+08:00")
    assert dt.datetime.fromisoformat(published.occurred_at_shanghai) == published.occurred_at
    sealed = [entry for entry in timeline.entries if entry.sealed]
    assert [(entry.actor_label, entry.client_ip, entry.identity) for entry in sealed] == [
        ("sealed", None, None),
        ("sealed", None, None),
    ]
    assert (timeline.secret, timeline.sealed_events, timeline.zone) == (True, 2, "Asia/Shanghai")
    assert reads("sealed_identities.read") == []


@pytest.mark.django_db
def test_revealing_sealed_identities_before_the_deadline_is_logged(tender_with_sealed_events):
    tender = tender_with_sealed_events
    reader = supervisor()
    timeline = tender_timeline_read(acting=reader, tender_id=tender.pk, reveal_sealed=True)

    sealed = [entry for entry in timeline.entries if entry.sealed]
    assert [(entry.identity.actor_label, entry.identity.client_ip) for entry in sealed] == [
        ("wangwu", "10.4.4.4"),
        ("wangwu", "10.4.4.5"),
    ]
    assert sealed[0].identity.fields["organisation"] == tender.bidder.organisation.uscc
    [read] = reads("sealed_identities.read")
    assert (read.actor, read.role, read.object_id, read.payload) == (
        reader.user,
        "supervisor",
        str(tender.pk),
        {},
    )
    # The read itself is on the timeline, where every supervisor sees who looked.
    assert timeline.entries[-1].action == "sealed_identities.read"


@pytest.mark.django_db
def test_after_the_award_sealed_identities_are_shown_without_a_read_event(
    tender_with_sealed_events,
):
    tender = tender_with_sealed_events
    Tender.objects.filter(pk=tender.pk).update(state=TenderState.AWARDED)
    timeline = tender_timeline_read(acting=supervisor(), tender_id=tender.pk)
    assert timeline.secret is False
    assert [entry.identity.actor_label for entry in timeline.entries if entry.sealed] == [
        "wangwu",
        "wangwu",
    ]
    assert reads("sealed_identities.read") == []


@pytest.mark.django_db
def test_the_bids_evidence_names_addresses_devices_and_digests():
    story = opened_tender([10_000_000_00, 10_200_000_00, 9_800_000_00])
    BidUpload.objects.filter(pk=story.bids[0].upload_id).update(
        client_ip="10.7.7.7",
        user_agent="bidtool/1.4",
        device_fingerprint={"mac": "00:16:3e:aa:bb:cc", "disk": "WD-123"},
    )
    evidence = bid_evidence_read(acting=supervisor(), tender_id=story.tender.pk)

    first = next(bid for bid in evidence.bids if bid.id == story.bids[0].pk)
    assert (first.upload_client_ip, first.device_fingerprint, first.ciphertext_sha256) == (
        "10.7.7.7",
        {"mac": "00:16:3e:aa:bb:cc", "disk": "WD-123"},
        "c" * 64,
    )
    assert first.decryption.state == "decrypted"
    assert len(evidence.uploads) == 3
    # The tender is opened: its bidders are public, so the read is no event.
    assert (evidence.secret, reads("bid_evidence.read")) == (False, [])


@pytest.mark.django_db
def test_reading_the_bids_evidence_before_the_opening_is_logged():
    story = opened_tender()
    Tender.objects.filter(pk=story.tender.pk).update(state=TenderState.PUBLISHED)
    OpeningSession.objects.filter(tender=story.tender).delete()
    reader = supervisor()
    evidence = bid_evidence_read(acting=reader, tender_id=story.tender.pk)
    assert evidence.secret is True
    [read] = reads("bid_evidence.read")
    assert (read.actor, read.object_id, read.payload) == (reader.user, str(story.tender.pk), {})


@pytest.mark.django_db
def test_the_panel_before_it_is_revealed_is_a_logged_read_and_after_it_is_not():
    story = opened_tender()
    reader = supervisor()
    record = panel_read(acting=reader, tender_id=story.tender.pk)
    assert (record.secret, len(record.seats)) == (True, 5)
    assert {seat.state for seat in record.seats} == {"confirmed"}
    assert len(reads("panel.read")) == 1

    Panel.objects.filter(pk=story.panel.pk).update(state=PanelState.REVEALED)
    assert panel_read(acting=reader, tender_id=story.tender.pk).secret is False
    assert len(reads("panel.read")) == 1


@pytest.mark.django_db
def test_the_score_matrix_has_each_members_points_on_each_bid():
    expert = ExpertFactory()
    session = scored_evaluation(expert, expert_points=10)
    record = scores_read(acting=supervisor(), tender_id=session.tender_id)
    [matrix] = record.matrices
    assert matrix.criterion == "c1"
    assert len(matrix.members) == 5 and len(matrix.rows) == 5
    column = matrix.members.index(expert.user.get_username())
    for row in matrix.rows:
        assert [cell.points for cell in row.cells].count(Decimal(10)) == 1
        assert row.cells[column].points == Decimal(10)
        assert row.mean == Decimal("26.00")
    # The panel of this story is revealed: no event.
    assert record.secret is False and reads("scores.read") == []
    assert EvaluationSession.objects.filter(pk=session.pk).exists()
