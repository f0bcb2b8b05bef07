"""The tender's escrow key for opening-committee recovery (DESIGN §5 step 4, 办法 第31条).

Made at publication, when the tender names an opening committee: a fresh P-256 key whose
private half is split k-of-n (SLIP-39) and encrypted share by share to each member's most
recent valid certificate. The private key lives only inside `create_escrow`; what is stored is
the public key (published with the tender, so bidders seal to it) and the encrypted shares.
"""

from cryptography import x509
from django.utils.translation import gettext as _

from accounts.models import UserCertificate
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from signing.envelope import create_escrow
from trading.models import Tender, TenderEscrow


class EscrowUnavailable(ValueError):
    """A committee member has no certificate to receive a share; names the member."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems.values()))


def _member_certificate(user_id: str) -> UserCertificate | None:
    return (
        UserCertificate.objects.filter(user_id=user_id, not_after__gt=database_now())
        .order_by("-bound_at")
        .first()
    )


def escrow_create(*, tender: Tender, actor: Actor) -> TenderEscrow | None:
    """Make the tender's escrow key if it has an opening committee; call inside the publish."""
    committee = tender.opening_committee or {}
    if not committee:
        return None
    members = [str(member) for member in committee["members"]]
    certificates = {
        member: certificate
        for member in members
        if (certificate := _member_certificate(member)) is not None
    }
    missing = [member for member in members if member not in certificates]
    if missing:
        raise EscrowUnavailable(
            {
                "opening_committee": _(
                    "committee member %(member)s has no valid certificate bound to receive an "
                    "escrow share"
                )
                % {"member": missing[0]},
            }
        )
    escrow = create_escrow(
        committee["threshold"],
        len(members),
        [
            x509.load_der_x509_certificate(bytes(certificates[member].certificate_der))
            for member in members
        ],
    )
    record = TenderEscrow.objects.create(
        tender=tender,
        public_key_pem=escrow.public_key_pem().decode("ascii"),
        key_id=escrow.key_id,
        threshold=escrow.threshold,
        shares=[
            {"member": member, **share.to_json()}
            for member, share in zip(members, escrow.shares, strict=True)
        ],
        created_at=database_now(),
    )
    record_event(
        actor=actor,
        action="tender.escrow_created",
        object_type="trading.tender",
        object_id=str(tender.pk),
        payload={"escrow_key_id": escrow.key_id, "threshold": escrow.threshold, "members": members},
    )
    return record
