"""Who may use the console: supervisors only (DESIGN §3), checked on the server for every page,
fragment and API call. Anyone else is refused (403): the console is a whole area of one role,
not an object of another organisation, so its existence is no secret."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from accounts.models import Role, User
from accounts.selectors import user_has_role


def is_supervisor(user: Any) -> bool:
    return isinstance(user, User) and user_has_role(user=user, role=Role.SUPERVISOR)


def require_supervisor(user: Any) -> None:
    if not is_supervisor(user):
        raise PermissionDenied(_("Only supervisors use the supervision console."))


def supervisor_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A page for supervisors: anonymous visitors are sent to log in, others refused (403)."""

    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_supervisor(request.user)
        return view(request, *args, **kwargs)

    return checked


class IsSupervisor(BasePermission):
    """The API's twin of `supervisor_required` (a session of a supervisor)."""

    message = gettext_lazy("Only supervisors use the supervision console.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_supervisor(request.user)
