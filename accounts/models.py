"""Identities: persons (users), organisations identified by their USCC, and role memberships."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.uscc import UsccError, validate_uscc


class User(AbstractUser):
    """A person: an organisation's staff member, an expert, a supervisor or an operator."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


def uscc_validator(value: str) -> None:
    try:
        validate_uscc(value)
    except UsccError as error:
        raise ValidationError(str(error), code="invalid_uscc") from None


class Organisation(models.Model):
    """A tenderee, an agent or a bidder, identified by its unified social credit code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[uscc_validator]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class Role(models.TextChoices):
    TENDEREE = "tenderee", _("Tenderee")
    AGENT = "agent", _("Agent")
    BIDDER = "bidder", _("Bidder")
    EXPERT = "expert", _("Expert")
    SUPERVISOR = "supervisor", _("Supervisor")
    OPERATOR = "operator", _("Operator")


# Roles held on behalf of an organisation; the others are held by a person alone (DESIGN §3).
ORGANISATION_ROLES = (Role.TENDEREE, Role.AGENT, Role.BIDDER)
PERSON_ROLES = (Role.EXPERT, Role.SUPERVISOR, Role.OPERATOR)


class RoleMembership(models.Model):
    """A user acting in a role, for an organisation where the role is an organisation's."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                name="role_membership_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=ORGANISATION_ROLES, organisation__isnull=False)
                    | models.Q(role__in=PERSON_ROLES, organisation__isnull=True)
                ),
                name="role_membership_organisation_matches_role",
            ),
        ]

    def __str__(self) -> str:
        where = f" @ {self.organisation.name}" if self.organisation_id else ""
        return f"{self.user} · {self.get_role_display()}{where}"


class UserCertificate(models.Model):
    """A CA certificate bound to the user who holds its key, for certificate login."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="certificates")
    certificate_sha256 = models.CharField(_("certificate SHA-256"), max_length=64, unique=True)
    certificate_der = models.BinaryField(_("certificate"))
    subject = models.CharField(_("subject"), max_length=300)
    serial_number = models.CharField(_("serial number"), max_length=64)
    # What the certificate says it belongs to: an organisation's USCC or a person's id.
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    person_id = models.CharField(_("person id"), max_length=64, blank=True)
    not_after = models.DateTimeField(_("valid until"))
    bound_at = models.DateTimeField(_("bound at"), auto_now_add=True)

    class Meta:
        verbose_name = _("user certificate")
        verbose_name_plural = _("user certificates")

    def __str__(self) -> str:
        return f"{self.subject} → {self.user}"


class LoginChallenge(models.Model):
    """A one-time random challenge that a certificate holder signs to log in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    nonce = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Who asked for it: open challenges are bounded per address (docs/hardening.md).
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("login challenge")
        verbose_name_plural = _("login challenges")
        indexes = [
            models.Index(fields=["client_ip", "expires_at"], name="login_challenge_address"),
            models.Index(fields=["expires_at"], name="login_challenge_expiry"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class AttemptCounter(models.Model):
    """How much of one kind of attempt one key made in one fixed window: failed logins of a
    user name or from an address, bytes a bidder uploaded (docs/hardening.md, "Abuse limits").
    Counted in the database, not in a process: the platform runs several web processes."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("attempt counter")
        verbose_name_plural = _("attempt counters")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key", "window_start"], name="attempt_counter_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="attempt_counter_window")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class LockoutScope(models.TextChoices):
    USER = "user", _("user name")
    ADDRESS = "address", _("address")


class LoginLockout(models.Model):
    """Password login refused for a user name or from an address until `locked_until`, after
    too many failures in a window."""

    scope = models.CharField(max_length=10, choices=LockoutScope.choices)
    key = models.CharField(max_length=200)
    locked_at = models.DateTimeField()
    locked_until = models.DateTimeField()
    failures = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="login_lockout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key} until {self.locked_until:%Y-%m-%d %H:%M}"
