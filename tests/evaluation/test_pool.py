"""The expert pool: operators register experts and change their state, with a reason and an
event each; an expert keeps its own profile and declares its conflicts."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from evaluation.models import Expert, ExpertConflict, ExpertState
from evaluation.pool.checks import PoolRefused
from evaluation.pool.services import (
    expert_blacklist,
    expert_conflict_declare,
    expert_conflict_withdraw,
    expert_profile_update,
    expert_register,
    expert_reinstate,
    expert_suspend,
)
from monitoring.models import Event
from monitoring.transitions import TransitionRefused
from tests.evaluation.factories import ExpertFactory, ExpertUserFactory
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from trading.services import Acting

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Acting:
    return Acting(user=MembershipFactory(role=Role.OPERATOR, organisation=None).user)


def register(operator, user, **overrides):
    arguments = {
        "acting": operator,
        "user_id": user.pk,
        "specialties": ["A010101", "A030101"],
        "region": "110108",
        "employer_uscc": OrganisationFactory.build().uscc,
        "employer_name": "示范市建筑设计研究院",
        "title": "senior",
        **overrides,
    }
    return expert_register(**arguments)


def test_an_operator_registers_a_person_holding_the_expert_role(operator):
    user = ExpertUserFactory()
    employer = OrganisationFactory.build().uscc

    expert = register(operator, user, employer_uscc=employer)

    assert (expert.user, expert.state, expert.specialties) == (
        user,
        ExpertState.ACTIVE,
        ["A010101", "A030101"],
    )
    event = Event.objects.get(action="expert.registered")
    assert (event.actor, event.role, event.object_id, event.to_state) == (
        operator.user,
        "operator",
        str(expert.pk),
        "active",
    )
    assert event.payload["employer_uscc"] == employer


def test_a_person_without_the_expert_role_is_not_registered(operator):
    user = UserFactory()
    with pytest.raises(PoolRefused) as caught:
        register(operator, user)
    assert caught.value.field == "user"
    assert "does not hold the expert role" in caught.value.message
    assert not Expert.objects.exists()


def test_an_employer_credit_code_with_a_wrong_check_character_is_refused(operator):
    valid = OrganisationFactory.build().uscc
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    with pytest.raises(PoolRefused) as caught:
        register(operator, ExpertUserFactory(), employer_uscc=wrong)
    assert caught.value.field == "employer_uscc"
    assert "The check character (character 18) is wrong" in caught.value.message
    assert not Expert.objects.exists()


def test_a_person_is_registered_once(operator):
    user = ExpertUserFactory()
    register(operator, user)
    with pytest.raises(PoolRefused) as caught:
        register(operator, user)
    assert "in the pool already" in caught.value.message


def test_only_an_operator_registers(operator):
    expert_user = ExpertUserFactory()
    with pytest.raises(PermissionDenied):
        register(Acting(user=expert_user), expert_user)
    assert not Event.objects.filter(action="expert.registered").exists()


def test_suspend_reinstate_and_blacklist_each_with_a_reason_and_an_event(operator):
    expert = ExpertFactory()

    expert_suspend(acting=operator, expert_id=expert.pk, reason="接受调查")
    expert_reinstate(acting=operator, expert_id=expert.pk, reason="调查结束，无违规")
    expert_blacklist(acting=operator, expert_id=expert.pk, reason="评标中收受财物，已处罚")

    expert.refresh_from_db()
    assert (expert.state, expert.state_reason) == ("blacklisted", "评标中收受财物，已处罚")
    events = Event.objects.filter(object_id=str(expert.pk)).order_by("sequence")
    assert [
        (event.action, event.from_state, event.to_state, event.payload) for event in events
    ] == [
        ("expert.suspended", "active", "suspended", {"reason": "接受调查"}),
        ("expert.reinstated", "suspended", "active", {"reason": "调查结束，无违规"}),
        ("expert.blacklisted", "active", "blacklisted", {"reason": "评标中收受财物，已处罚"}),
    ]


def test_a_state_change_without_a_reason_is_refused(operator):
    expert = ExpertFactory()
    with pytest.raises(PoolRefused) as caught:
        expert_suspend(acting=operator, expert_id=expert.pk, reason=" ")
    assert caught.value.field == "reason"
    expert.refresh_from_db()
    assert expert.state == "active"


def test_a_blacklisted_expert_is_not_reinstated(operator):
    expert = ExpertFactory(state="blacklisted")
    with pytest.raises(TransitionRefused):
        expert_reinstate(acting=operator, expert_id=expert.pk, reason="申诉")


def test_an_expert_cannot_change_its_own_state():
    expert = ExpertFactory(state="suspended")
    with pytest.raises(PermissionDenied):
        expert_reinstate(acting=Acting(user=expert.user), expert_id=expert.pk, reason="我自己")


def test_the_expert_updates_its_own_profile_and_the_event_keeps_before_and_after():
    expert = ExpertFactory(specialties=["A010101"], region="110108")
    new_employer = OrganisationFactory.build().uscc

    expert_profile_update(
        acting=Acting(user=expert.user),
        specialties=["A010201"],
        region="310101",
        employer_uscc=new_employer,
        employer_name="示范大学",
    )

    expert.refresh_from_db()
    assert (expert.specialties, expert.region, expert.employer_uscc) == (
        ["A010201"],
        "310101",
        new_employer,
    )
    event = Event.objects.get(action="expert.profile_updated")
    assert event.payload["before"]["specialties"] == ["A010101"]
    assert event.payload["after"] == {
        "specialties": ["A010201"],
        "region": "310101",
        "employer_uscc": new_employer,
        "employer_name": "示范大学",
    }


def test_a_profile_with_a_malformed_region_is_refused_and_unchanged():
    expert = ExpertFactory(region="110108")
    with pytest.raises(PoolRefused) as caught:
        expert_profile_update(
            acting=Acting(user=expert.user),
            specialties=["A010101"],
            region="北京",
            employer_uscc=expert.employer_uscc,
            employer_name=expert.employer_name,
        )
    assert caught.value.field == "region"
    expert.refresh_from_db()
    assert expert.region == "110108"


def test_the_expert_declares_and_withdraws_a_conflict_with_a_person():
    expert = ExpertFactory()
    acting = Acting(user=expert.user)
    organisation = OrganisationFactory()

    conflict = expert_conflict_declare(
        acting=acting,
        kind="person",
        uscc=organisation.uscc,
        person_name="李四",
        reason="配偶在该单位任项目经理",
    )
    expert_conflict_withdraw(acting=acting, conflict_id=conflict.pk)

    assert not ExpertConflict.objects.exists()
    declared, withdrawn = Event.objects.filter(object_id=str(expert.pk)).order_by("sequence")
    assert (declared.action, declared.payload["person_name"], declared.payload["uscc"]) == (
        "expert.conflict_declared",
        "李四",
        organisation.uscc,
    )
    assert (withdrawn.action, withdrawn.payload["conflict"]) == (
        "expert.conflict_withdrawn",
        str(conflict.pk),
    )


def test_a_person_conflict_names_the_person():
    expert = ExpertFactory()
    with pytest.raises(PoolRefused) as caught:
        expert_conflict_declare(
            acting=Acting(user=expert.user),
            kind="person",
            uscc=OrganisationFactory.build().uscc,
            reason="亲属",
        )
    assert caught.value.field == "person_name"


def test_an_expert_cannot_withdraw_another_experts_conflict():
    conflict = ExpertConflict.objects.create(
        expert=ExpertFactory(),
        kind="organisation",
        uscc=OrganisationFactory.build().uscc,
        reason="曾任职",
        declared_at="2026-01-01T00:00:00Z",
    )
    with pytest.raises(PoolRefused):
        expert_conflict_withdraw(acting=Acting(user=ExpertFactory().user), conflict_id=conflict.pk)
    assert ExpertConflict.objects.filter(pk=conflict.pk).exists()


def test_someone_outside_the_pool_has_no_profile_to_change():
    with pytest.raises(PermissionDenied):
        expert_conflict_declare(
            acting=Acting(user=UserFactory()),
            kind="organisation",
            uscc=OrganisationFactory.build().uscc,
            reason="-",
        )
