"""Use cases of the expert pool (专家库): operators register, suspend, reinstate and blacklist
experts; an expert keeps its own profile and declares its conflicts (回避). Each writes one
event in its transaction; the admin and the pages only call these."""

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role, User
from accounts.selectors import user_has_role
from evaluation.models import ConflictKind, Expert, ExpertConflict, ExpertTitle
from evaluation.pool.checks import (
    PoolRefused,
    checked_region,
    checked_specialties,
    checked_uscc,
)
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition

NAME_LENGTH = 200
PERSON_LENGTH = 100


def _operator(acting: Acting) -> None:
    if not user_has_role(user=acting.user, role=Role.OPERATOR):
        raise PermissionDenied(_("Only an operator manages the expert pool."))


def _employer(employer_uscc: str, employer_name: str) -> tuple[str, str]:
    uscc = checked_uscc(employer_uscc, field="employer_uscc")
    name = (employer_name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise PoolRefused(
            message=_("Name the employer (at most %(length)d characters).")
            % {"length": NAME_LENGTH},
            field="employer_name",
        )
    return uscc, name


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise PoolRefused(message=_("Give the reason."), field="reason")
    return reason.strip()


@transaction.atomic
def expert_register(
    *,
    acting: Acting,
    user_id: UUID,
    specialties: list[str],
    region: str,
    employer_uscc: str,
    employer_name: str,
    title: str,
) -> Expert:
    """Admit a person holding the expert role to the pool, active."""
    _operator(acting)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise PoolRefused(message=_("No user has this id."), field="user")
    if not user_has_role(user=user, role=Role.EXPERT):
        raise PoolRefused(
            message=_("%(user)s does not hold the expert role: grant it first.")
            % {"user": user.get_username()},
            field="user",
        )
    if Expert.objects.filter(user=user).exists():
        raise PoolRefused(
            message=_("%(user)s is in the pool already.") % {"user": user.get_username()},
            field="user",
        )
    codes = checked_specialties(specialties)
    region = checked_region(region)
    uscc, name = _employer(employer_uscc, employer_name)
    if title not in ExpertTitle.values:
        raise PoolRefused(
            message=_("The title must be one of %(titles)s.")
            % {"titles": ", ".join(ExpertTitle.values)},
            field="title",
        )
    expert = Expert.objects.create(
        user=user,
        specialties=codes,
        region=region,
        employer_uscc=uscc,
        employer_name=name,
        title=title,
        created_at=database_now(),
    )
    record_event(
        actor=acting.as_actor(Role.OPERATOR),
        action="expert.registered",
        object_type="evaluation.expert",
        object_id=str(expert.pk),
        to_state=expert.state,
        payload={
            "user": str(user.pk),
            "specialties": codes,
            "region": region,
            "employer_uscc": uscc,
            "title": title,
        },
    )
    return expert


def _operator_transition(
    *, acting: Acting, expert_id: UUID, transition: str, action: str, reason: str
) -> Expert:
    _operator(acting)
    reason = _reason(reason)
    expert = Expert.objects.filter(pk=expert_id).first()
    if expert is None:
        raise PoolRefused(message=_("No expert has this id."), field="expert", status=404)
    return apply_transition(
        expert,
        transition,
        actor=acting.as_actor(Role.OPERATOR),
        action=action,
        arguments=[reason],
        changed_fields=["state_reason"],
        payload={"reason": reason},
    )


@transaction.atomic
def expert_suspend(*, acting: Acting, expert_id: UUID, reason: str) -> Expert:
    """An active expert is drawn no more until reinstated (a leave, an inquiry)."""
    return _operator_transition(
        acting=acting,
        expert_id=expert_id,
        transition="suspend",
        action="expert.suspended",
        reason=reason,
    )


@transaction.atomic
def expert_reinstate(*, acting: Acting, expert_id: UUID, reason: str) -> Expert:
    return _operator_transition(
        acting=acting,
        expert_id=expert_id,
        transition="reinstate",
        action="expert.reinstated",
        reason=reason,
    )


@transaction.atomic
def expert_blacklist(*, acting: Acting, expert_id: UUID, reason: str) -> Expert:
    """For good: an expert punished for a bidding offence is never drawn again (条例 第四十六条)."""
    return _operator_transition(
        acting=acting,
        expert_id=expert_id,
        transition="blacklist",
        action="expert.blacklisted",
        reason=reason,
    )


def _own_profile(acting: Acting, *, lock: bool = False) -> Expert:
    experts = Expert.objects.select_for_update() if lock else Expert.objects.all()
    expert = experts.filter(user=acting.user).first()
    if expert is None:
        raise PermissionDenied(_("You are not in the expert pool."))
    return expert


@transaction.atomic
def expert_profile_update(
    *,
    acting: Acting,
    specialties: list[str],
    region: str,
    employer_uscc: str,
    employer_name: str,
) -> Expert:
    """The expert's own specialties, region and employer; the event keeps the old and the new."""
    expert = _own_profile(acting, lock=True)
    codes = checked_specialties(specialties)
    region = checked_region(region)
    uscc, name = _employer(employer_uscc, employer_name)
    before = _profile(expert)
    expert.specialties, expert.region = codes, region
    expert.employer_uscc, expert.employer_name = uscc, name
    after = _profile(expert)
    if before == after:
        return expert
    expert.save(update_fields=["specialties", "region", "employer_uscc", "employer_name"])
    record_event(
        actor=acting.as_actor(Role.EXPERT),
        action="expert.profile_updated",
        object_type="evaluation.expert",
        object_id=str(expert.pk),
        payload={"before": before, "after": after},
    )
    return expert


def _profile(expert: Expert) -> dict[str, Any]:
    return {
        "specialties": list(expert.specialties),
        "region": expert.region,
        "employer_uscc": expert.employer_uscc,
        "employer_name": expert.employer_name,
    }


@transaction.atomic
def expert_conflict_declare(
    *, acting: Acting, kind: str, uscc: str, person_name: str = "", reason: str
) -> ExpertConflict:
    """An organisation the expert must not judge, or a person (a relative, a former colleague)
    with the organisation that person works for: the expert is not drawn where that
    organisation bids, tenders or acts as agent."""
    expert = _own_profile(acting, lock=True)
    if kind not in ConflictKind.values:
        raise PoolRefused(
            message=_("The kind must be organisation or person."),
            field="kind",
        )
    uscc = checked_uscc(uscc, field="uscc")
    person_name = (person_name or "").strip()
    if kind == ConflictKind.PERSON and not person_name:
        raise PoolRefused(message=_("Name the person."), field="person_name")
    if kind == ConflictKind.ORGANISATION:
        person_name = ""
    if len(person_name) > PERSON_LENGTH:
        raise PoolRefused(
            message=_("The name has more than %(length)d characters.") % {"length": PERSON_LENGTH},
            field="person_name",
        )
    reason = _reason(reason)
    conflict = ExpertConflict.objects.create(
        expert=expert,
        kind=kind,
        uscc=uscc,
        person_name=person_name,
        reason=reason,
        declared_at=database_now(),
    )
    record_event(
        actor=acting.as_actor(Role.EXPERT),
        action="expert.conflict_declared",
        object_type="evaluation.expert",
        object_id=str(expert.pk),
        payload={
            "conflict": str(conflict.pk),
            "kind": kind,
            "uscc": uscc,
            "person_name": person_name,
            "reason": reason,
        },
    )
    return conflict


@transaction.atomic
def expert_conflict_withdraw(*, acting: Acting, conflict_id: UUID) -> None:
    """The declaration is removed; the event keeps what it said."""
    expert = _own_profile(acting, lock=True)
    conflict = ExpertConflict.objects.filter(pk=conflict_id, expert=expert).first()
    if conflict is None:
        raise PoolRefused(
            message=_("You declared no conflict with this id."), field="conflict", status=404
        )
    record_event(
        actor=acting.as_actor(Role.EXPERT),
        action="expert.conflict_withdrawn",
        object_type="evaluation.expert",
        object_id=str(expert.pk),
        payload={
            "conflict": str(conflict.pk),
            "kind": conflict.kind,
            "uscc": conflict.uscc,
            "person_name": conflict.person_name,
        },
    )
    conflict.delete()
