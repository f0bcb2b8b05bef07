"""Filters and tags every page uses: times in Asia/Shanghai with the zone named, money in yuan,
and the roles the navigation offers (templates/base.html)."""

import datetime as dt

from django import template

from accounts.models import Role, RoleMembership
from config import times

register = template.Library()


@register.filter
def shanghai(moment: dt.datetime | str | None) -> str:
    return times.shanghai_time(moment)


@register.filter
def shanghai_seconds(moment: dt.datetime | str | None) -> str:
    return times.shanghai_time(moment, seconds=True)


@register.filter
def yuan(fen: int | str | None) -> str:
    return times.yuan(fen)


@register.simple_tag(takes_context=True)
def user_roles(context: template.Context) -> frozenset[str]:
    """The roles of the request's user (one query, kept on the request for the page's other
    uses): the navigation offers each role its own pages and nothing else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return frozenset()
    if not hasattr(request, "_platform_roles"):
        request._platform_roles = frozenset(
            RoleMembership.objects.filter(user=user).values_list("role", flat=True)
        )
    return request._platform_roles


@register.filter
def manages_tenders(roles: frozenset[str]) -> bool:
    return bool(roles & {Role.TENDEREE, Role.AGENT})
