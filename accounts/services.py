"""Use cases of identities. Each writes its event in the same transaction."""

from django.db import transaction

from accounts.models import ORGANISATION_ROLES, Organisation, Role, RoleMembership, User
from accounts.uscc import validate_uscc
from monitoring.services import Actor, record_event


class IdentityError(ValueError):
    """A request about identities that cannot be carried out; the message says why."""


@transaction.atomic
def organisation_register(*, name: str, uscc: str, actor: Actor) -> Organisation:
    validate_uscc(uscc)  # raises UsccError naming what is wrong
    if Organisation.objects.filter(uscc=uscc).exists():
        raise IdentityError(f"an organisation with the unified social credit code {uscc} exists")
    organisation = Organisation.objects.create(name=name, uscc=uscc)
    record_event(
        actor=actor,
        action="organisation.registered",
        object_type="accounts.organisation",
        object_id=str(organisation.pk),
        payload={"name": name, "uscc": uscc},
    )
    return organisation


@transaction.atomic
def user_register(
    *, username: str, password: str, full_name: str, actor: Actor, is_staff: bool = False
) -> User:
    if User.objects.filter(username=username).exists():
        raise IdentityError(f"the user name {username} is taken")
    user = User.objects.create_user(
        username=username, password=password, full_name=full_name, is_staff=is_staff
    )
    record_event(
        actor=actor,
        action="user.registered",
        object_type="accounts.user",
        object_id=str(user.pk),
        payload={"username": username, "full_name": full_name, "is_staff": is_staff},
    )
    return user


@transaction.atomic
def role_grant(
    *, user: User, role: Role, actor: Actor, organisation: Organisation | None = None
) -> RoleMembership:
    if role in ORGANISATION_ROLES and organisation is None:
        raise IdentityError(f"the role {role.label} is held for an organisation: name one")
    if role not in ORGANISATION_ROLES and organisation is not None:
        raise IdentityError(f"the role {role.label} is held by a person, not an organisation")
    membership, created = RoleMembership.objects.get_or_create(
        user=user, role=role, organisation=organisation
    )
    if created:
        record_event(
            actor=actor,
            action="role.granted",
            object_type="accounts.user",
            object_id=str(user.pk),
            payload={
                "role": str(role),
                "organisation": str(organisation.pk) if organisation else None,
            },
        )
    return membership
