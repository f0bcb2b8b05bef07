"""Who acts: the one identity every service that acts for a person takes, and the one helper
that builds it from a request (docs/architecture.md, "Who acts")."""

from dataclasses import dataclass, replace

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from monitoring.services import Actor, client_ip_of

# The session key under which certificate login (accounts.api.login) keeps the SHA-256 of the
# certificate the session was opened with.
CERTIFICATE_SESSION_KEY = "certificate_sha256"

USER_AGENT_LENGTH = 500  # kept as evidence; a header longer than this is cut


@dataclass(frozen=True)
class Acting:
    """A person acting, from an address, in a session; for an organisation in a role when the
    session fixes them (a bidder's certificate login), else each service works the role out
    from what it acts on (the tenderee or agent of a project)."""

    user: User
    organisation: Organisation | None = None
    role: str = ""
    client_ip: str | None = None
    session_key: str | None = None
    certificate_sha256: str = ""
    user_agent: str = ""

    def as_actor(self, role: str | None = None) -> Actor:
        """The actor an event records: this person in `role` (by default the session's)."""
        return Actor(
            user=self.user, role=self.role if role is None else role, client_ip=self.client_ip
        )

    @property
    def acted_for(self) -> Organisation:
        """The organisation this identity acts for, where a service acts only for one (a bidder
        built by bids.acting.bidder_acting always has it): an error of the caller otherwise."""
        if self.organisation is None:
            raise ValueError("This acting identity acts for no organisation.")
        return self.organisation

    def acting_for(self, *, organisation: Organisation, role: str) -> "Acting":
        """The same person and session acting for `organisation` in `role`: the caller has
        checked that it may (bids: the organisation the login certificate names)."""
        return replace(self, organisation=organisation, role=role)


def logged_in_user(request: HttpRequest) -> User:
    """The request's user, in a view that requires login (login_required, DRF's
    IsAuthenticated): an anonymous one reaching here is refused, never acted as."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(_("Log in first: only a logged-in user can do this."))
    return user


def acting_from_request(request: HttpRequest) -> Acting:
    """Who acts in this request: its logged-in user (`logged_in_user`), the client's address
    behind the trusted proxies, the session and its login certificate. A view open to anyone
    that only needs the address takes `monitoring.services.client_ip_of`."""
    session = getattr(request, "session", None)
    return Acting(
        user=logged_in_user(request),
        client_ip=client_ip_of(request),
        session_key=session.session_key if session is not None else None,
        certificate_sha256=session.get(CERTIFICATE_SESSION_KEY, "") if session is not None else "",
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
    )
