"""Organisations, persons and their roles, registered through services that log each change."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.demo import DEMO_PASSWORD, load_demo_identities
from accounts.models import Organisation, Role, RoleMembership, User
from accounts.services import IdentityError, organisation_register, role_grant, user_register
from accounts.uscc import UsccError
from monitoring.chain import find_broken_link
from monitoring.models import Event
from monitoring.services import Actor
from tests.factories import OrganisationFactory, UserFactory

OPERATOR = Actor(role="operator", client_ip="192.0.2.10")


@pytest.mark.django_db
def test_an_operator_registers_a_bidder_organisation_and_it_is_logged():
    organisation = organisation_register(
        name="华为技术有限公司", uscc="914403001922038216", actor=OPERATOR
    )
    event = Event.objects.get()
    assert event.action == "organisation.registered"
    assert event.object_id == str(organisation.pk)
    assert event.payload == {"name": "华为技术有限公司", "uscc": "914403001922038216"}
    assert event.client_ip == "192.0.2.10"


@pytest.mark.django_db
def test_a_wrong_code_registers_nothing():
    with pytest.raises(UsccError, match="check character \\(character 18\\) is wrong"):
        organisation_register(name="某公司", uscc="914403001922038217", actor=OPERATOR)
    assert Organisation.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_the_model_validator_names_the_wrong_code():
    organisation = Organisation(name="某公司", uscc="91440300192203821")
    with pytest.raises(ValidationError) as refused:
        organisation.full_clean()
    assert "must have 18 characters, not 17" in str(refused.value.message_dict["uscc"])


@pytest.mark.django_db
def test_a_code_registered_twice_is_refused():
    OrganisationFactory(uscc="914403001922038216")
    with pytest.raises(IdentityError, match="914403001922038216 exists"):
        organisation_register(name="冒名公司", uscc="914403001922038216", actor=OPERATOR)


@pytest.mark.django_db
def test_a_bidder_role_needs_an_organisation_and_an_expert_role_refuses_one():
    person = UserFactory()
    with pytest.raises(IdentityError, match="held for an organisation"):
        role_grant(user=person, role=Role.BIDDER, actor=OPERATOR)
    with pytest.raises(IdentityError, match="held by a person"):
        role_grant(
            user=person, role=Role.EXPERT, organisation=OrganisationFactory(), actor=OPERATOR
        )
    assert RoleMembership.objects.count() == 0


@pytest.mark.django_db
def test_the_database_refuses_a_membership_that_breaks_the_role_rule():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleMembership.objects.create(
            user=UserFactory(), role=Role.SUPERVISOR, organisation=OrganisationFactory()
        )


@pytest.mark.django_db
def test_a_role_granted_twice_is_one_membership_and_one_event():
    person, organisation = UserFactory(), OrganisationFactory()
    first = role_grant(user=person, role=Role.BIDDER, organisation=organisation, actor=OPERATOR)
    second = role_grant(user=person, role=Role.BIDDER, organisation=organisation, actor=OPERATOR)
    assert first == second
    assert Event.objects.filter(action="role.granted").count() == 1


@pytest.mark.django_db
def test_a_taken_user_name_is_refused():
    UserFactory(username="zhangwei")
    with pytest.raises(IdentityError, match="zhangwei is taken"):
        user_register(username="zhangwei", password="x" * 12, full_name="张伟", actor=OPERATOR)


@pytest.mark.django_db
def test_the_demo_identities_load_twice_without_duplicates():
    first = load_demo_identities()
    events_after_first = Event.objects.count()
    second = load_demo_identities()

    assert first == second
    assert Event.objects.count() == events_after_first
    assert RoleMembership.objects.filter(role=Role.BIDDER).count() == 5
    assert RoleMembership.objects.filter(role=Role.EXPERT).count() >= 15
    assert RoleMembership.objects.filter(role=Role.TENDEREE).count() == 1
    assert RoleMembership.objects.filter(role=Role.AGENT).count() == 1
    assert RoleMembership.objects.filter(role=Role.SUPERVISOR).count() == 1
    operator = User.objects.get(username="operator")
    assert operator.is_superuser and operator.check_password(DEMO_PASSWORD)
    for organisation in Organisation.objects.all():
        organisation.full_clean()  # every demo USCC passes its check digits
    assert find_broken_link() == (events_after_first, None)


@pytest.mark.django_db
def test_a_person_logs_in_with_a_password_and_sees_their_roles(client):
    load_demo_identities()
    response = client.post(
        "/accounts/login/", {"username": "bidder1", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == "bidder1"
    page = response.content.decode()
    assert "华夏建工集团有限公司" in page


@pytest.mark.django_db
def test_a_wrong_password_is_refused(client):
    UserFactory(username="zhangwei")
    response = client.post("/accounts/login/", {"username": "zhangwei", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["user"].is_anonymous
    assert response.context["form"].errors["__all__"]


@pytest.mark.django_db
def test_demo_signers_get_certificates_they_can_log_in_with(client, settings, tmp_path):
    from accounts.demo_certificates import demo_certificates_issue
    from accounts.models import UserCertificate
    from signing.credentials import load_pkcs12
    from tests.accounts.test_certificate_login import answer

    settings.VAR_DIR = tmp_path
    settings.SIGNING_CA_DIR = tmp_path / "ca"
    load_demo_identities()

    folder = demo_certificates_issue()
    demo_certificates_issue()  # a second run issues nothing more

    files = sorted(path.name for path in folder.glob("*.p12"))
    # Five bidders, sixteen experts, the tenderee and the agent (who sign tender documents).
    assert len(files) == 5 + 16 + 2
    assert {"tenderee.p12", "agent.p12"} <= set(files)
    assert UserCertificate.objects.count() == 23
    credential = load_pkcs12((folder / "bidder3.p12").read_bytes(), DEMO_PASSWORD.encode())
    response = answer(client, credential, username="bidder3")
    assert response.status_code == 200, response.json()
