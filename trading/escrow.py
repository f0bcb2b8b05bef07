"""The tender's escrow key for opening-committee recovery (DESIGN §5 step 4, 办法 第31条).

Made by the committee, never by the platform and never in a web request: while the tender is a
draft, each member's tool deals a part of the key on the member's machine (`bidtool escrow
contribute`: signing/envelope/escrow_parts.py) and sends it here, where it is checked (its
proof, and that it is dealt to every member's current certificate) and kept. At publication the
public parts are added into the escrow public key, which bidders seal to; the private key was
never whole anywhere. What is stored: the public key and parts, and every member's encrypted
shares of every part.
"""

import base64
from uuid import UUID

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import UserCertificate
from config.errors import Refusal
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from signing.envelope.errors import EscrowError
from signing.envelope.escrow_parts import (
    EscrowPart,
    combine_public_parts,
    verify_escrow_part,
)
from signing.envelope.format import key_id
from trading.models import Tender, TenderEscrow, TenderEscrowPart, TenderState

COMMITTEE_ROLE = "committee"


class EscrowUnavailable(ValueError):
    """The escrow cannot be made yet; names what is missing (a field of the tender)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems.values()))


def _member_certificate(user_id: str) -> UserCertificate | None:
    return (
        UserCertificate.objects.filter(user_id=user_id, not_after__gt=database_now())
        .order_by("-bound_at")
        .first()
    )


def _committee(tender: Tender) -> tuple[list[str], int]:
    committee = tender.opening_committee or {}
    return [str(member) for member in committee.get("members", [])], int(
        committee.get("threshold", 0)
    )


def _member_certificates(members: list[str]) -> dict[str, UserCertificate]:
    """Each member's most recent valid certificate; EscrowUnavailable names one without."""
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
    return certificates


def _x509(certificate: UserCertificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(certificate.certificate_der))


def _member_number(tender: Tender, acting: Acting, certificate_sha256: str | None) -> int:
    """The caller's place on the committee, logged in with its current certificate."""
    members, _threshold = _committee(tender)
    user = str(acting.user.pk)
    if user not in members:
        raise Refusal(
            "not_on_committee",
            _("%(user)s is not a member of the opening committee of tender %(tender)s.")
            % {"user": acting.user.get_username(), "tender": tender.pk},
            status=403,
        )
    certificate = _member_certificate(user)
    if certificate is None or certificate.certificate_sha256 != certificate_sha256:
        raise Refusal(
            "certificate_login_required",
            _("Log in with your current certificate: your escrow part is dealt with it."),
            status=403,
        )
    return members.index(user) + 1


def _draft(tender_id: UUID, *, lock: bool = False) -> Tender:
    query = Tender.objects.select_for_update() if lock else Tender.objects
    tender = query.filter(pk=tender_id).first()
    if tender is None:
        raise Refusal("not_found", _("No such tender."), status=404)
    if tender.state != TenderState.DRAFT:
        raise Refusal(
            "escrow_closed",
            _("Tender %(tender)s is %(state)s: escrow parts are dealt before publication.")
            % {"tender": tender.pk, "state": tender.get_state_display()},
            status=409,
        )
    return tender


def escrow_part_brief(
    *, acting: Acting, certificate_sha256: str | None, tender_id: UUID
) -> dict[str, object]:
    """What a member's tool needs to deal its part: the committee's certificates, in order."""
    tender = _draft(tender_id)
    number = _member_number(tender, acting, certificate_sha256)
    members, threshold = _committee(tender)
    certificates = _member_certificates(members)
    return {
        "tender": str(tender.pk),
        "threshold": threshold,
        "member_number": number,
        "members": [
            {
                "member_number": position,
                "certificate": base64.b64encode(bytes(certificates[member].certificate_der)).decode(
                    "ascii"
                ),
            }
            for position, member in enumerate(members, start=1)
        ],
        "contributed": sorted(
            TenderEscrowPart.objects.filter(tender=tender).values_list("member_number", flat=True)
        ),
    }


@transaction.atomic
def escrow_part_contribute(
    *, acting: Acting, certificate_sha256: str | None, tender_id: UUID, part: object
) -> TenderEscrowPart:
    """Keep a member's part once it is checked; a member contributing again replaces its part
    (for instance after a member's certificate changed)."""
    tender = _draft(tender_id, lock=True)
    number = _member_number(tender, acting, certificate_sha256)
    members, threshold = _committee(tender)
    certificates = _member_certificates(members)
    try:
        parsed = EscrowPart.from_json(part)
        if parsed.dealer_number != number:
            raise EscrowError(
                f"The part names dealer {parsed.dealer_number}; you are member {number}."
            )
        verify_escrow_part(
            parsed,
            tender_id=str(tender.pk),
            threshold=threshold,
            member_certificates=[_x509(certificates[member]) for member in members],
        )
    except EscrowError as error:
        raise Refusal("escrow_part_invalid", str(error), field="part") from None
    TenderEscrowPart.objects.filter(tender=tender, member=acting.user).delete()
    stored = TenderEscrowPart.objects.create(
        tender=tender,
        member=acting.user,
        member_number=number,
        public_key_pem=parsed.public_key_pem(),
        part=parsed.to_json(),
        contributed_at=database_now(),
    )
    record_event(
        actor=acting.as_actor(COMMITTEE_ROLE),
        action="tender.escrow_part_contributed",
        object_type="trading.tender",
        object_id=str(tender.pk),
        payload={"member_number": number, "part_key_id": key_id(parsed.public_key)},
    )
    return stored


def escrow_part_key_id(stored: TenderEscrowPart) -> str:
    return key_id(serialization.load_pem_public_key(stored.public_key_pem.encode("ascii")))


def escrow_create(*, tender: Tender, actor: Actor) -> TenderEscrow | None:
    """Add the members' parts into the tender's escrow key; call inside the publication.
    Refused (EscrowUnavailable) until every member has dealt a part to the committee as it is
    now: no part is made here."""
    members, threshold = _committee(tender)
    if not members:
        return None
    certificates = _member_certificates(members)
    current = [_x509(certificates[member]) for member in members]
    parts: dict[int, EscrowPart] = {}
    for stored in TenderEscrowPart.objects.filter(tender=tender).order_by("member_number"):
        part = EscrowPart.from_json(stored.part)
        try:
            verify_escrow_part(
                part, tender_id=str(tender.pk), threshold=threshold, member_certificates=current
            )
        except EscrowError:
            continue  # dealt to a committee that has changed since: the member deals anew
        parts[part.dealer_number] = part
    missing = [number for number in range(1, len(members) + 1) if number not in parts]
    if missing:
        raise EscrowUnavailable(
            {
                "opening_committee": _(
                    "committee members %(numbers)s have not dealt their escrow parts to the "
                    "committee as it is now (bidtool escrow contribute)"
                )
                % {"numbers": ", ".join(str(number) for number in missing)},
            }
        )
    public_key = combine_public_parts([parts[number].public_key for number in sorted(parts)])
    record = TenderEscrow.objects.create(
        tender=tender,
        public_key_pem=public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii"),
        key_id=key_id(public_key),
        threshold=threshold,
        shares=[
            {
                "member": member,
                "member_number": position,
                "member_certificate_sha256": certificates[member].certificate_sha256,
                "parts": [
                    {
                        "dealer_number": number,
                        "public_key": parts[number].public_key_pem(),
                        "share": parts[number].shares[position - 1].to_json(),
                    }
                    for number in sorted(parts)
                ],
            }
            for position, member in enumerate(members, start=1)
        ],
        public_parts={str(number): parts[number].public_key_pem() for number in sorted(parts)},
        created_at=database_now(),
    )
    record_event(
        actor=actor,
        action="tender.escrow_created",
        object_type="trading.tender",
        object_id=str(tender.pk),
        payload={
            "escrow_key_id": record.key_id,
            "threshold": threshold,
            "members": members,
            "parts": {str(number): key_id(parts[number].public_key) for number in sorted(parts)},
        },
    )
    return record
