"""The pool's pages, API and admin: each only calls the pool's services."""

import pytest

from accounts.models import Role
from evaluation.models import Expert, ExpertConflict
from monitoring.models import Event
from tests.evaluation.factories import ExpertFactory, ExpertUserFactory
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = MembershipFactory(role=Role.OPERATOR, organisation=None).user
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    client.operator = operator
    return client


def test_the_expert_declares_a_conflict_on_its_profile_page(client):
    expert = ExpertFactory()
    organisation = OrganisationFactory()
    client.force_login(expert.user)

    response = client.post(
        "/evaluation/profile/",
        {"form": "conflict", "kind": "organisation", "uscc": organisation.uscc, "reason": "曾任职"},
    )

    assert response.status_code == 302
    conflict = ExpertConflict.objects.get(expert=expert)
    assert (conflict.uscc, conflict.reason) == (organisation.uscc, "曾任职")
    page = client.get("/evaluation/profile/").content.decode()
    assert organisation.uscc in page


def test_a_bad_credit_code_on_the_profile_page_is_shown_beside_its_field(client):
    expert = ExpertFactory()
    client.force_login(expert.user)

    response = client.post(
        "/evaluation/profile/",
        {
            "form": "profile",
            "specialties": "A010101, a020202",
            "region": "110108",
            "employer_name": "示范大学",
            "employer_uscc": "123",
        },
    )

    assert response.status_code == 200
    form = response.context["profile_form"]
    assert "employer_uscc" in form.errors
    expert.refresh_from_db()
    assert expert.employer_name != "示范大学"


def test_the_profile_page_specialties_are_read_as_codes(client):
    expert = ExpertFactory()
    client.force_login(expert.user)

    client.post(
        "/evaluation/profile/",
        {
            "form": "profile",
            "specialties": "A010101，a020202",
            "region": "110108",
            "employer_name": "示范大学",
            "employer_uscc": expert.employer_uscc,
        },
    )

    expert.refresh_from_db()
    assert expert.specialties == ["A010101", "A020202"]


def test_someone_outside_the_pool_gets_no_profile_page(client):
    client.force_login(UserFactory())
    assert client.get("/evaluation/profile/").status_code == 403


def test_the_expert_edits_its_profile_over_the_api(client):
    expert = ExpertFactory()
    client.force_login(expert.user)

    response = client.put(
        "/api/v1/experts/me",
        {
            "specialties": ["A010201"],
            "region": "310101",
            "employer_uscc": expert.employer_uscc,
            "employer_name": "示范大学",
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    assert (response.json()["specialties"], response.json()["region"]) == (["A010201"], "310101")
    assert Event.objects.filter(action="expert.profile_updated").count() == 1


def test_a_malformed_conflict_over_the_api_names_its_field(client):
    client.force_login(ExpertFactory().user)

    response = client.post(
        "/api/v1/experts/me/conflicts",
        {"kind": "organisation", "uscc": "91110108MA0000001", "reason": "曾任职"},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid", "uscc")
    assert "18 characters" in body["message"]


def test_an_operator_registers_and_suspends_over_the_api(client):
    operator = MembershipFactory(role=Role.OPERATOR, organisation=None).user
    client.force_login(operator)
    user = ExpertUserFactory()

    created = client.post(
        "/api/v1/experts",
        {
            "user": str(user.pk),
            "specialties": ["A010101"],
            "region": "110108",
            "employer_uscc": OrganisationFactory.build().uscc,
            "employer_name": "示范大学",
            "title": "senior",
        },
        content_type="application/json",
    )
    suspended = client.post(
        f"/api/v1/experts/{created.json()['id']}/suspend",
        {"reason": "休假"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert (suspended.status_code, suspended.json()["state"]) == (200, "suspended")


def test_an_expert_cannot_register_itself_over_the_api(client):
    user = ExpertUserFactory()
    client.force_login(user)
    response = client.post(
        "/api/v1/experts",
        {
            "user": str(user.pk),
            "specialties": ["A010101"],
            "region": "110108",
            "employer_uscc": OrganisationFactory.build().uscc,
            "employer_name": "示范大学",
            "title": "senior",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Expert.objects.exists()


def test_the_admin_registers_an_expert_through_the_service(operator_client):
    user = ExpertUserFactory()
    form = operator_client.get("/admin/evaluation/expert/add/").content.decode()

    response = operator_client.post(
        "/admin/evaluation/expert/add/",
        {
            "user": str(user.pk),
            "specialties": "A010101, A030101",
            "region": "110108",
            "employer_name": "示范大学",
            "employer_uscc": OrganisationFactory.build().uscc,
            "title": "senior",
        },
    )

    expert = Expert.objects.get(user=user)
    assert str(user) in form  # offered: holds the expert role, not in the pool yet
    assert response.status_code == 302
    assert expert.specialties == ["A010101", "A030101"]
    event = Event.objects.get(action="expert.registered")
    assert (event.actor, event.role) == (operator_client.operator, "operator")


def test_the_admin_suspends_the_selected_experts_with_a_reason(operator_client):
    experts = ExpertFactory.create_batch(2)
    selected = [str(expert.pk) for expert in experts]

    asked = operator_client.post(
        "/admin/evaluation/expert/",
        {"action": "suspend", "_selected_action": selected},
    )
    done = operator_client.post(
        "/admin/evaluation/expert/",
        {"action": "suspend", "_selected_action": selected, "apply": "1", "reason": "年度考核"},
    )

    assert asked.status_code == 200
    assert "reason" in asked.content.decode()
    assert done.status_code == 302
    assert set(Expert.objects.values_list("state", "state_reason")) == {("suspended", "年度考核")}
    assert Event.objects.filter(action="expert.suspended").count() == 2


def test_the_admin_changes_no_expert_field_directly(operator_client):
    expert = ExpertFactory(region="110108")

    operator_client.post(
        f"/admin/evaluation/expert/{expert.pk}/change/",
        {"region": "999999", "state": "blacklisted"},
    )

    expert.refresh_from_db()
    assert (expert.region, expert.state) == ("110108", "active")
    assert operator_client.get(f"/admin/evaluation/expert/{expert.pk}/delete/").status_code == 403


def test_the_demo_pool_loads_once():
    from io import StringIO

    from django.core.management import call_command

    from accounts.demo import load_demo_identities
    from evaluation.demo import load_demo_pool

    load_demo_identities()
    first = load_demo_pool()
    out = StringIO()
    call_command("load_demo_pool", stdout=out)  # what `make run` calls (config/run.py)
    again = load_demo_pool()

    assert len(first) == 16
    assert out.getvalue().startswith("demo expert pool: 16 experts (A010101 × 8, A010201 × 6")
    assert [expert.pk for expert in again] == [expert.pk for expert in first]
    assert Event.objects.filter(action="expert.registered").count() == 16
    assert {code for expert in first for code in expert.specialties} == {
        "A010101",
        "A010201",
        "A010301",
        "A030101",
    }
