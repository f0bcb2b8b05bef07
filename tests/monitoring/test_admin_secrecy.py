"""The admin tells an operator nothing about who obtained the documents or bid (办法 第21条)."""

import pytest

from accounts.models import Role
from monitoring.models import Event
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TenderDocumentFactory,
    TenderFactory,
    UserFactory,
    days_from_now,
)
from trading.documents import document_obtain
from trading.models import Tender
from trading.services import Acting, tender_publish


@pytest.fixture
def obtained():
    """A published tender whose documents one bidder obtained from 10.7.7.7."""
    tender = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    tender_publish(acting=Acting(user=tenderee), tender_id=tender.pk)
    Tender.objects.filter(pk=tender.pk).update(documents_from=days_from_now(-0.01))
    document = TenderDocumentFactory(tender=tender, uploaded_by=tenderee)
    organisation = OrganisationFactory(name="华夏建工集团有限公司")
    bidder = MembershipFactory(
        role=Role.BIDDER, organisation=organisation, user=UserFactory(username="zhangwei")
    ).user
    document_obtain(acting=Acting(user=bidder, client_ip="10.7.7.7"), document_id=document.pk)
    return tender, organisation, document


@pytest.mark.django_db
def test_an_operator_cannot_learn_from_the_event_admin_who_obtained_the_documents(client, obtained):
    tender, organisation, document = obtained
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    sealed = Event.objects.get(action="document.obtained")

    pages = {
        "list": client.get("/admin/monitoring/event/"),
        "search by tender": client.get("/admin/monitoring/event/", {"q": str(tender.pk)}),
        "search by action": client.get("/admin/monitoring/event/", {"q": "obtained"}),
        "filter by action": client.get("/admin/monitoring/event/", {"action": "document.obtained"}),
        "detail": client.get(f"/admin/monitoring/event/{sealed.pk}/change/", follow=True),
    }

    assert "tender.published" in pages["list"].content.decode()
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.content.decode()
        secrets = ["zhangwei", organisation.name, organisation.uscc, "10.7.7.7", str(document.pk)]
        if name != "filter by action":  # that page echoes the filter the operator typed
            secrets.append("document.obtained")
        for secret in secrets:
            assert secret not in page, (name, secret)
    assert pages["search by action"].context["cl"].result_count == 0
    assert pages["filter by action"].context["cl"].result_count == 0
    # The sealed identities have no admin page at all.
    assert client.get("/admin/monitoring/sealedidentity/").status_code == 404
