"""Roles are granted only through the service that logs the grant; a supervisor only on the
server (`manage.py grant_supervisor`), never in the admin."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from accounts.models import Role, RoleMembership
from accounts.services import SERVER, role_grant
from monitoring.models import Event
from monitoring.services import Actor
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_an_operator_grants_a_bidder_role_in_the_admin_and_it_is_logged(client, operator):
    person, organisation = UserFactory(username="zhangwei"), OrganisationFactory()

    response = client.post(
        f"/admin/accounts/user/{person.pk}/grant-role/",
        {"role": "bidder", "organisation": organisation.pk},
    )

    assert response.status_code == 302
    membership = RoleMembership.objects.get(user=person)
    assert (membership.role, membership.organisation) == (Role.BIDDER, organisation)
    event = Event.objects.get(action="role.granted")
    assert (event.actor, event.role, event.client_ip, event.object_id) == (
        operator,
        "operator",
        "127.0.0.1",
        str(person.pk),
    )
    assert event.payload == {"role": "bidder", "organisation": str(organisation.pk)}


@pytest.mark.django_db
def test_the_admin_does_not_offer_the_supervisor_role(client, operator):
    person = UserFactory()
    page = client.get(f"/admin/accounts/user/{person.pk}/grant-role/")
    assert 'value="supervisor"' not in page.content.decode()

    response = client.post(f"/admin/accounts/user/{person.pk}/grant-role/", {"role": "supervisor"})

    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not RoleMembership.objects.filter(user=person).exists()
    assert not Event.objects.filter(action="role.granted").exists()


@pytest.mark.django_db
def test_memberships_cannot_be_written_in_the_user_admin(client, operator):
    person = MembershipFactory(role=Role.EXPERT, organisation=None).user
    page = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()
    # The membership is shown, with no form to add, change or delete one.
    assert "Expert" in page or "专家" in page
    assert "memberships-__prefix__" not in page
    assert 'name="memberships-0-role"' not in page
    assert 'name="memberships-0-DELETE"' not in page
    assert f"/admin/accounts/user/{person.pk}/grant-role/" in page


@pytest.mark.django_db
def test_the_service_refuses_the_supervisor_role_to_anyone_but_the_server():
    person = UserFactory()
    for actor in (Actor(user=UserFactory(), role="operator"), Actor(role="platform")):
        with pytest.raises(PermissionDenied, match=r"manage\.py grant_supervisor"):
            role_grant(user=person, role=Role.SUPERVISOR, actor=actor, reason="任命文件")
    assert not RoleMembership.objects.filter(user=person).exists()


@pytest.mark.django_db
def test_a_supervisor_is_appointed_on_the_server_naming_the_document(capsys):
    person = UserFactory(username="kongming")

    call_command("grant_supervisor", "kongming", "--appointed-by", "示范市财政局 任命〔2026〕3号")

    assert RoleMembership.objects.filter(user=person, role=Role.SUPERVISOR).exists()
    event = Event.objects.get(action="role.granted")
    assert (event.actor, event.actor_label, event.role) == (None, "platform", SERVER.role)
    assert event.payload["role"] == "supervisor"
    assert event.payload["reason"].startswith("示范市财政局 任命〔2026〕3号 (granted by ")
    assert "kongming is a supervisor" in capsys.readouterr().out
