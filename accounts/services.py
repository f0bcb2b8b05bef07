"""Use cases of identities. Each writes its event in the same transaction."""

import datetime as dt
import secrets
from dataclasses import dataclass
from uuid import UUID

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    ORGANISATION_ROLES,
    LockoutScope,
    LoginChallenge,
    LoginLockout,
    Organisation,
    Role,
    RoleMembership,
    User,
    UserCertificate,
)
from accounts.refusal_log import log_anonymous_refusal
from accounts.throttles import counter_add, counters_expire, counters_forget
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


class LoginThrottled(LoginRefused):
    """A login refused for a while, whoever asks and whatever they send (abuse limits,
    docs/hardening.md): `wait` seconds until it may be tried again (the Retry-After header)."""

    status = 429

    def __init__(self, code: str, message: str, *, until: dt.datetime, now: dt.datetime) -> None:
        super().__init__(code, message)
        self.until = until
        self.wait = max(1, int((until - now).total_seconds() + 0.999))


def shown_time(moment: dt.datetime) -> str:
    """A moment as people read it on the platform: its own zone, to the second."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S} ({settings.TIME_ZONE})"


def login_challenge_issue(*, client_ip: str | None = None) -> LoginChallenge:
    """A new one-time challenge. One address holds at most LOGIN_CHALLENGES_OPEN_PER_ADDRESS
    unanswered ones at a time (checked without a lock: a burst may pass it by a few); expired
    ones are removed by `login_housekeeping`."""
    now = database_now()
    if client_ip is not None:
        open_expiries = list(
            LoginChallenge.objects.filter(
                client_ip=client_ip, used_at__isnull=True, expires_at__gt=now
            )
            .order_by("expires_at")
            .values_list("expires_at", flat=True)[: settings.LOGIN_CHALLENGES_OPEN_PER_ADDRESS]
        )
        if len(open_expiries) >= settings.LOGIN_CHALLENGES_OPEN_PER_ADDRESS:
            until = open_expiries[0]
            raise LoginThrottled(
                "challenges_too_many",
                _(
                    "This address holds %(count)s unanswered login challenges, the most it may: "
                    "answer one, or ask again after %(until)s."
                )
                % {"count": len(open_expiries), "until": shown_time(until)},
                until=until,
                now=now,
            )
    return LoginChallenge.objects.create(
        nonce=secrets.token_hex(32),
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=settings.LOGIN_CHALLENGE_SECONDS),
        client_ip=client_ip,
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
    binding: UserCertificate | None = None
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
        if binding is None or not binding.user.is_active:
            # Nobody is identified: logged apart, never taking the event chain's lock (a
            # forged answer costs its sender nothing; accounts/refusal_log.py).
            log_anonymous_refusal(
                code=refusal.code,
                client_ip=client_ip,
                challenge=challenge_id,
                claimed_username=expected_username,
            )
            raise
        # A valid signature by a user's certificate, for another user: that user tried it.
        with transaction.atomic():
            record_event(
                actor=Actor(user=binding.user, client_ip=client_ip),
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


# Counters of failed password logins (accounts.throttles).
FAILURES_OF_USER = "login_failure_user"
FAILURES_FROM_ADDRESS = "login_failure_address"


def _lockout_in_force(scopes: list[tuple[str, str]], now: dt.datetime) -> LoginLockout | None:
    wanted = Q()
    for scope, key in scopes:
        wanted |= Q(scope=scope, key=key)
    return (
        LoginLockout.objects.filter(wanted, locked_until__gt=now).order_by("-locked_until").first()
    )


def _locked_refusal(lockout: LoginLockout, now: dt.datetime) -> LoginThrottled:
    until = shown_time(lockout.locked_until)
    if lockout.scope == LockoutScope.USER:
        message = _(
            "Too many failed logins for this user name: password login is locked until "
            "%(until)s. Try again then, or log in with your certificate."
        ) % {"until": until}
    else:
        message = _(
            "Too many failed logins from this address: password login is locked until "
            "%(until)s. Try again then."
        ) % {"until": until}
    return LoginThrottled("login_locked", message, until=lockout.locked_until, now=now)


def _count_failure(
    *, scope: str, key: str, limit: int, now: dt.datetime, client_ip: str | None
) -> LoginLockout | None:
    """Count one failure of `key`; at `limit` in the window, lock it out and record the event."""
    count = counter_add(
        scope=scope,
        key=key,
        amount=1,
        window_seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS,
        now=now,
    )
    if count.value < limit:
        return None
    lockout_scope = LockoutScope.USER if scope == FAILURES_OF_USER else LockoutScope.ADDRESS
    with transaction.atomic():
        lockout, _created = LoginLockout.objects.update_or_create(
            scope=lockout_scope,
            key=key[:200],
            defaults={
                "locked_at": now,
                "locked_until": now + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS),
                "failures": count.value,
            },
        )
        # Counting starts afresh once the lockout ends.
        counters_forget(scope=scope, key=key)
        user = (
            User.objects.filter(username=key).first()
            if lockout_scope == LockoutScope.USER
            else None
        )
        if lockout_scope == LockoutScope.ADDRESS or user is not None:
            # One event per lockout (never one per failure): the chain's lock is taken at most
            # once per user or address per lockout period.
            record_event(
                actor=Actor(client_ip=client_ip),
                action="user.login_locked",
                object_type="accounts.user" if user is not None else "accounts.login_address",
                object_id=str(user.pk) if user is not None else key,
                payload={
                    "scope": str(lockout_scope),
                    "failures": count.value,
                    "locked_until": lockout.locked_until.isoformat(),
                },
            )
        else:  # a user name nobody holds: no object to record an event on
            log_anonymous_refusal(code="login_locked", client_ip=client_ip, username=key)
    return lockout


def password_login(
    *, request: HttpRequest | None, username: str, password: str, client_ip: str | None
) -> User:
    """Check a user name and password under the abuse limits; the user, or a refusal.

    A user name with LOGIN_FAILURES_PER_USER failures, or an address with
    LOGIN_FAILURES_PER_ADDRESS, within LOGIN_FAILURE_WINDOW_SECONDS is locked out of password
    login for LOGIN_LOCKOUT_SECONDS: every attempt is then refused, right password or not,
    with the time it may be tried again. A name nobody holds is counted like any other, so
    that the answers tell nothing about which names exist.
    """
    now = database_now()
    keys = [(str(LockoutScope.USER), username[:200])]
    if client_ip is not None:
        keys.append((str(LockoutScope.ADDRESS), client_ip))
    lockout = _lockout_in_force(keys, now)
    if lockout is not None:
        raise _locked_refusal(lockout, now)
    user = authenticate(request, username=username, password=password)
    if isinstance(user, User):
        counters_forget(scope=FAILURES_OF_USER, key=username)
        return user
    lockouts = [
        _count_failure(
            scope=FAILURES_OF_USER,
            key=username,
            limit=settings.LOGIN_FAILURES_PER_USER,
            now=now,
            client_ip=client_ip,
        )
    ]
    if client_ip is not None:
        lockouts.append(
            _count_failure(
                scope=FAILURES_FROM_ADDRESS,
                key=client_ip,
                limit=settings.LOGIN_FAILURES_PER_ADDRESS,
                now=now,
                client_ip=client_ip,
            )
        )
    imposed = [lockout for lockout in lockouts if lockout is not None]
    if imposed:
        raise _locked_refusal(max(imposed, key=lambda lockout: lockout.locked_until), now)
    raise LoginRefused(
        "credentials_invalid",
        _("The user name or the password is wrong."),
    )


@dataclass(frozen=True)
class Housekeeping:
    challenges: int
    counters: int
    lockouts: int


def login_housekeeping() -> Housekeeping:
    """Remove what the abuse limits no longer need: expired login challenges (answered or not:
    an expired one is refused as unknown), counters of past windows, lockouts that ended.
    Run by Celery beat every LOGIN_HOUSEKEEPING_SECONDS; no event (nothing changes state)."""
    now = database_now()
    challenges, _by_model = LoginChallenge.objects.filter(expires_at__lt=now).delete()
    longest = max(settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.BID_UPLOAD_WINDOW_SECONDS)
    counters = counters_expire(before=now - dt.timedelta(seconds=longest))
    lockouts, _by_model = LoginLockout.objects.filter(locked_until__lt=now).delete()
    return Housekeeping(challenges, counters, lockouts)
