"""Who acts for a bidder: the one `accounts.acting.Acting`, for a bidder organisation, in a
session opened with the organisation's certificate (used by submission and the opening hall)."""

from django.utils.translation import gettext as _
from rest_framework.request import Request

from accounts.acting import Acting, acting_from_request
from accounts.models import Role, RoleMembership, User, UserCertificate
from bids.errors import BidRefused


def bidder_acting(
    *,
    user: User,
    certificate_sha256: str | None,
    client_ip: str | None = None,
    user_agent: str = "",
) -> Acting:
    """The bidder organisation a certificate-login session acts for, or BidRefused (403).

    The organisation is the one named by the login certificate (its USCC), and the user must
    hold the bidder role for it.
    """
    if not certificate_sha256:
        raise BidRefused(
            "certificate_login_required",
            _(
                "Submitting a bid needs a session opened with the bidder's certificate "
                "(POST /api/v1/auth/challenge, then /api/v1/auth/certificate-login)."
            ),
            status=403,
        )
    certificate = UserCertificate.objects.filter(
        user=user, certificate_sha256=certificate_sha256
    ).first()
    if certificate is None or not certificate.uscc:
        raise BidRefused(
            "certificate_login_required",
            _("The session's certificate is not an organisation certificate bound to this user."),
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
            _(
                "%(user)s does not act as a bidder for the organisation %(uscc)s named by the "
                "login certificate."
            )
            % {"user": user.get_username(), "uscc": certificate.uscc},
            status=403,
        )
    return Acting(
        user=user,
        organisation=membership.organisation,
        role=Role.BIDDER,
        certificate_sha256=certificate_sha256,
        client_ip=client_ip,
        user_agent=user_agent[:500],
    )


def acting_bidder(request: Request) -> Acting:
    """The bidder a request acts for: its session's person, for the organisation its login
    certificate names (accounts.acting.acting_from_request builds who acts)."""
    acting = acting_from_request(request)
    return bidder_acting(
        user=acting.user,
        certificate_sha256=acting.certificate_sha256,
        client_ip=acting.client_ip,
        user_agent=acting.user_agent,
    )
