from accounts.models import Role, RoleMembership, User


def user_memberships(*, user: User) -> list[RoleMembership]:
    return list(user.memberships.select_related("organisation").order_by("role"))


def user_has_role(*, user: User, role: Role, organisation_id: object = None) -> bool:
    memberships = RoleMembership.objects.filter(user=user, role=role)
    if organisation_id is not None:
        memberships = memberships.filter(organisation_id=organisation_id)
    return memberships.exists()
