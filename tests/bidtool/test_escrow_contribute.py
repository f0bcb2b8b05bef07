"""The opening committee makes the tender's escrow key with bidtool, before publication: each
member deals its part on its own machine; the platform adds the public parts when the tender is
published, and refuses to publish while a part is missing. No process of the platform, and no
single member, ever holds the escrow private key."""
# The `workspace` fixture is imported; tests name it as a parameter.
# ruff: noqa: F811

import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client

from accounts.models import Role
from accounts.services import certificate_bind
from bidtool import cli as bidtool
from monitoring.models import Event
from monitoring.services import PLATFORM
from signing.envelope.escrow_parts import combine_public_parts
from signing.envelope.format import key_id
from tests.bids.conftest import certificate_login
from tests.bidtool.test_opening import keyholder, workspace  # noqa: F401 - a fixture
from tests.factories import MembershipFactory, TenderFactory, UserFactory
from trading.models import Tender, TenderEscrowPart, TenderState
from trading.services import Acting, TenderInvalid, tender_publish


@pytest.fixture
def committee_draft(bid_settings, certificate_authority):
    draft = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    members = []
    for number in range(1, 4):
        credential = certificate_authority.issue_person(
            name=f"开标委员{number}", person_id=f"11010119800101{number:04d}", key_type="ec-p256"
        )
        user = UserFactory(username=f"member-{number}-{draft.pk.hex[:6]}")
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        members.append((user, credential))
    Tender.objects.filter(pk=draft.pk).update(
        opening_committee={"members": [str(user.pk) for user, _ in members], "threshold": 2}
    )
    return draft, tenderee.user, members


@pytest.mark.django_db(transaction=True)
def test_each_member_deals_its_part_with_bidtool_and_publication_adds_them(
    live_server, workspace, committee_draft, capsys
):
    draft, tenderee, members = committee_draft
    server, tender_id = live_server.url, str(draft.pk)

    for number, (_user, credential) in enumerate(members, start=1):
        options = keyholder(workspace, f"member{number}", credential)
        assert bidtool.main(["login", "--server", server, *options]) == 0
        capsys.readouterr()
        command = ["escrow", "contribute", "--server", server, "--tender", tender_id, *options]
        assert bidtool.main(command) == 0
        assert capsys.readouterr().out.startswith(f"Escrow part of member {number} kept (key ")
        if number == 2:
            # Two parts of three: the tender cannot be published yet.
            with pytest.raises(TenderInvalid) as refused:
                tender_publish(acting=Acting(user=tenderee), tender_id=draft.pk)
            assert refused.value.problems["opening_committee"] == (
                "committee members 3 have not dealt their escrow parts to the committee as it "
                "is now (bidtool escrow contribute)"
            )

    published = tender_publish(acting=Acting(user=tenderee), tender_id=draft.pk)

    assert published.state == TenderState.PUBLISHED
    parts = [
        serialization.load_pem_public_key(stored.public_key_pem.encode())
        for stored in TenderEscrowPart.objects.filter(tender=draft).order_by("member_number")
    ]
    escrow = published.escrow
    assert escrow.key_id == key_id(combine_public_parts(parts))
    assert escrow.key_id not in {key_id(part) for part in parts}
    assert [len(record["parts"]) for record in escrow.shares] == [3, 3, 3]
    assert Event.objects.filter(action="tender.escrow_part_contributed").count() == 3
    created = Event.objects.get(action="tender.escrow_created")
    assert created.payload["parts"] == {
        str(number): key_id(part) for number, part in enumerate(parts, start=1)
    }


@pytest.mark.django_db
def test_a_part_is_refused_from_someone_off_the_committee_or_after_publication(
    committee_draft, certificate_authority
):
    draft, _tenderee, members = committee_draft
    path = f"/api/v1/tenders/{draft.pk}/escrow-part"
    outsider_credential = certificate_authority.issue_person(
        name="局外人", person_id="110101197001010000", key_type="ec-p256"
    )
    outsider = UserFactory(username="outsider")
    certificate_bind(user=outsider, certificate=outsider_credential.certificate, actor=PLATFORM)
    outsider_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    certificate_login(outsider_client, outsider_credential)

    # A draft is hidden from whoever may not know it exists (docs/hardening.md, "Permission
    # matrix"): the outsider is told what an unknown tender would tell it.
    refused = outsider_client.get(path)
    unknown = outsider_client.get(f"/api/v1/tenders/{uuid.uuid4()}/escrow-part")
    assert refused.status_code == 404
    assert refused.json() == unknown.json()

    member, credential = members[0]
    password_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_client.force_login(member)  # no certificate in this session
    unproven = password_client.get(path)
    assert unproven.status_code == 403
    assert unproven.json()["error"] == "certificate_login_required"

    member_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    certificate_login(member_client, credential)
    assert member_client.get(path).json()["contributed"] == []
    Tender.objects.filter(pk=draft.pk).update(state=TenderState.PUBLISHED)
    late = member_client.get(path)
    assert late.status_code == 409
    assert late.json()["error"] == "escrow_closed"
    assert not TenderEscrowPart.objects.exists()
