"""Use cases of identities. Each writes its event in the same transaction."""

import datetime as dt
import secrets
from dataclasses import dataclass
from uuid import UUID

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import (
    ORGANISATION_ROLES,
    LoginChallenge,
    Organisation,
    Role,
    RoleMembership,
    User,
    UserCertificate,
)
from accounts.uscc import validate_uscc
from config.errors import Refusal
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from signing.canonical import canonical_json
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from signing.errors import SigningError
from signing.trust import validate_certificate


class IdentityError(ValueError):
    """A request about identities that cannot be carried out; the message says why."""


# A management command run on the platform's own host (`manage.py grant_supervisor`): the one
# way a supervisor is appointed. A supervisor reads the sealed identities of bidders (办法
# 第21条), so an operator in the admin, or anyone on the web, must not be able to make one.
SERVER = Actor(role="server")


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
    *,
    user: User,
    role: Role,
    actor: Actor,
    organisation: Organisation | None = None,
    reason: str = "",
) -> RoleMembership:
    """Grant `role` to `user` (for `organisation` where the role is an organisation's) and log
    it. The supervisor role is granted only on the server, with the appointing document named
    in `reason`."""
    if role == Role.SUPERVISOR:
        if actor.role != SERVER.role:
            raise PermissionDenied(
                _(
                    "The supervisor role is granted only on the server, with "
                    "`manage.py grant_supervisor`."
                )
            )
        if not reason.strip():
            raise IdentityError(_("Name the document that appoints the supervisor."))
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
                **({"reason": reason} if reason else {}),
            },
        )
    return membership


@transaction.atomic
def certificate_bind(*, user: User, certificate: x509.Certificate, actor: Actor) -> UserCertificate:
    """Bind a trusted certificate to the user who holds its key.

    An organisation's certificate may only be bound to a person acting for that organisation.
    """
    identity = validate_certificate(
        certificate, trust=platform_trust_store(), at=database_now(), purpose="login"
    )
    if identity.uscc is not None:
        acts_for = RoleMembership.objects.filter(user=user, organisation__uscc=identity.uscc)
        if not acts_for.exists():
            raise IdentityError(
                _(
                    "The certificate belongs to the organisation %(uscc)s, for which %(user)s "
                    "holds no role."
                )
                % {"uscc": identity.uscc, "user": user.get_username()}
            )
    existing = UserCertificate.objects.filter(certificate_sha256=identity.certificate_sha256)
    if existing.exclude(user=user).exists():
        raise IdentityError(_("The certificate is bound to another user already."))
    binding, created = UserCertificate.objects.get_or_create(
        certificate_sha256=identity.certificate_sha256,
        defaults={
            "user": user,
            "certificate_der": certificate.public_bytes(serialization.Encoding.DER),
            "subject": certificate.subject.rfc4514_string()[:300],
            "serial_number": format(certificate.serial_number, "x"),
            "uscc": identity.uscc or "",
            "person_id": identity.person_id or "",
            "not_after": certificate.not_valid_after_utc,
        },
    )
    if created:
        record_event(
            actor=actor,
            action="certificate.bound",
            object_type="accounts.user",
            object_id=str(user.pk),
            payload={
                "certificate_sha256": identity.certificate_sha256,
                "serial_number": binding.serial_number,
                "subject": binding.subject,
            },
        )
    return binding


class LoginRefused(Refusal):
    """A certificate login that is refused; `code` for programs, the message for people."""

    status = 401

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def login_message(challenge: LoginChallenge) -> bytes:
    """The exact bytes a certificate holder signs to answer a challenge."""
    return canonical_json(
        {"purpose": "platform-login", "challenge_id": str(challenge.id), "nonce": challenge.nonce}
    )


@transaction.atomic
def login_challenge_issue() -> LoginChallenge:
    now = database_now()
    return LoginChallenge.objects.create(
        nonce=secrets.token_hex(32),
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=settings.LOGIN_CHALLENGE_SECONDS),
    )


def _spend_challenge(challenge_id: UUID) -> LoginChallenge:
    """Mark the challenge used before anything else, so a failed answer cannot be retried."""
    with transaction.atomic():
        challenge = LoginChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None:
            raise LoginRefused("challenge_unknown", _("The login challenge is unknown."))
        if challenge.used_at is not None:
            raise LoginRefused(
                "challenge_replayed",
                _("The login challenge was used already: ask for a new one."),
            )
        now = database_now()
        if now > challenge.expires_at:
            raise LoginRefused(
                "challenge_expired", _("The login challenge expired: ask for a new one.")
            )
        challenge.used_at = now
        challenge.save(update_fields=["used_at"])
    return challenge


@dataclass(frozen=True)
class CertificateLogin:
    user: User
    certificate: UserCertificate


def certificate_login(
    *,
    challenge_id: UUID,
    signature: bytes,
    client_ip: str | None,
    expected_username: str | None = None,
) -> CertificateLogin:
    """Check a signed challenge and return the user the signing certificate is bound to.

    `expected_username` is the user the client claims to be; a certificate bound to anyone
    else is refused.
    """
    try:
        challenge = _spend_challenge(challenge_id)
        try:
            signature_info = verify_detached(
                signature,
                login_message(challenge),
                trust=platform_trust_store(),
                purpose="login",
                at=database_now(),
            )
        except SigningError as error:
            raise LoginRefused(error.code, str(error)) from None
        fingerprint = signature_info.identity.certificate_sha256
        binding = (
            UserCertificate.objects.select_related("user")
            .filter(certificate_sha256=fingerprint)
            .first()
        )
        if binding is None or not binding.user.is_active:
            raise LoginRefused(
                "certificate_not_bound",
                _(
                    "The certificate is bound to no user of the platform: ask the operator to "
                    "register it."
                ),
            )
        if expected_username is not None and binding.user.get_username() != expected_username:
            raise LoginRefused(
                "certificate_of_another_user",
                _("The certificate is bound to another user, not to %(user)s.")
                % {"user": expected_username},
            )
    except LoginRefused as refusal:
        with transaction.atomic():
            record_event(
                actor=Actor(client_ip=client_ip),
                action="user.certificate_login_refused",
                object_type="accounts.login_challenge",
                object_id=str(challenge_id),
                payload={"code": refusal.code, "claimed_username": expected_username},
            )
        raise
    with transaction.atomic():
        record_event(
            actor=Actor(user=binding.user, client_ip=client_ip),
            action="user.certificate_login",
            object_type="accounts.user",
            object_id=str(binding.user_id),
            payload={"certificate_sha256": fingerprint, "challenge_id": str(challenge_id)},
        )
    return CertificateLogin(binding.user, binding)
