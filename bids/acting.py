"""Who acts for a bidder: a person of a bidder organisation, in a session opened with the
organisation's certificate (used by submission and by the opening hall)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework.request import Request

from accounts.models import Organisation, Role, RoleMembership, User, UserCertificate
from bids.errors import BidRefused
from monitoring.services import Actor, client_ip_of

CERTIFICATE_SESSION_KEY = "certificate_sha256"  # set by accounts.api at certificate login


@dataclass(frozen=True)
class BidderActing:
    """A person acting for a bidder organisation, in a session opened with its certificate."""

    user: User
    organisation: Organisation
    certificate_sha256: str
    client_ip: str | None = None
    user_agent: str = ""

    def as_actor(self) -> Actor:
        return Actor(user=self.user, role=Role.BIDDER, client_ip=self.client_ip)


def bidder_acting(
    *, user: User, certificate_sha256: str | None, client_ip: str | None = None,
    user_agent: str = "",
) -> BidderActing:
    """The bidder organisation a certificate-login session acts for, or BidRefused (403).

    The organisation is the one named by the login certificate (its USCC), and the user must
    hold the bidder role for it.
    """
    if not certificate_sha256:
        raise BidRefused(
            "certificate_login_required",
            _("Submitting a bid needs a session opened with the bidder's certificate "
              "(POST /api/v1/auth/challenge, then /api/v1/auth/certificate-login)."),
            status=403,
        )
    certificate = UserCertificate.objects.filter(
        user=user, certificate_sha256=certificate_sha256
    ).first()
    if certificate is None or not certificate.uscc:
        raise BidRefused(
            "certificate_login_required",
            _("The session's certificate is not an organisation certificate bound to this "
              "user."),
            status=403,
        )
    membership = (
        RoleMembership.objects.select_related("organisation")
        .filter(user=user, role=Role.BIDDER, organisation__uscc=certificate.uscc)
        .first()
    )
    if membership is None:
        raise BidRefused(
            "not_a_bidder",
            _("%(user)s does not act as a bidder for the organisation %(uscc)s named by the "
              "login certificate.") % {"user": user.get_username(), "uscc": certificate.uscc},
            status=403,
        )
    return BidderActing(
        user=user, organisation=membership.organisation, certificate_sha256=certificate_sha256,
        client_ip=client_ip, user_agent=user_agent[:500],
    )


def acting_bidder(request: Request) -> BidderActing:
    return bidder_acting(
        user=request.user,
        certificate_sha256=request.session.get(CERTIFICATE_SESSION_KEY),
        client_ip=client_ip_of(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
