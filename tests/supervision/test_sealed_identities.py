"""Supervisors, and only they, read who obtained the documents or bid before the deadline;
each read is logged (办法 第21条, DESIGN §3)."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from monitoring.models import Event
from supervision.services import sealed_identities_read
from tests.factories import (
    MembershipFactory,
    TenderDocumentFactory,
    TenderFactory,
    UserFactory,
    days_from_now,
)
from trading.documents import document_obtain
from trading.models import Tender
from trading.objections import objection_raise
from trading.services import Acting, tender_publish


@pytest.fixture
def tender():
    tender = TenderFactory()
    tender.tenderee = MembershipFactory(
        role=Role.TENDEREE, organisation=tender.project.tenderee
    ).user
    tender_publish(acting=Acting(user=tender.tenderee), tender_id=tender.pk)
    Tender.objects.filter(pk=tender.pk).update(documents_from=days_from_now(-0.01))
    document = TenderDocumentFactory(tender=tender, uploaded_by=tender.tenderee)
    tender.bidder = MembershipFactory(role=Role.BIDDER, user=UserFactory(username="liuyang"))
    document_obtain(
        acting=Acting(user=tender.bidder.user, client_ip="10.4.4.4"), document_id=document.pk
    )
    objection_raise(
        acting=Acting(user=tender.bidder.user, client_ip="10.4.4.5"),
        tender_id=tender.pk,
        text="异议",
    )
    return tender


@pytest.mark.django_db
def test_a_supervisor_reads_who_obtained_and_objected_and_the_read_is_logged(tender):
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user

    entries = sealed_identities_read(
        acting=Acting(user=supervisor, client_ip="10.0.0.9"), tender_id=tender.pk
    )

    uscc = tender.bidder.organisation.uscc
    assert [
        (entry.action, entry.actor_label, entry.client_ip, entry.fields["organisation"])
        for entry in entries
    ] == [
        ("document.obtained", "liuyang", "10.4.4.4", uscc),
        ("objection.raised", "liuyang", "10.4.4.5", uscc),
    ]
    read = Event.objects.get(action="sealed_identities.read")
    assert (read.actor, read.role, read.client_ip, read.object_id, read.payload) == (
        supervisor,
        "supervisor",
        "10.0.0.9",
        str(tender.pk),
        {},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["tenderee", "bidder", "operator"])
def test_nobody_else_reads_the_sealed_identities(tender, who):
    user = {
        "tenderee": lambda: tender.tenderee,
        "bidder": lambda: tender.bidder.user,
        "operator": lambda: UserFactory(is_staff=True, is_superuser=True),
    }[who]()
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        sealed_identities_read(acting=Acting(user=user), tender_id=tender.pk)
    assert not Event.objects.filter(action="sealed_identities.read").exists()
