"""Which certificates the platform accepts, for what, and whose they are.

Several roots are trusted at once (mutual recognition of CAs, 互认): a certificate chaining to any
of them is accepted. Path validation and revocation are pyhanko-certvalidator's; the purpose
(key usage and extended key usage) and the owner are checked here.

Revocation policy: every certificate below a root (issuing CAs and end entities) must be covered
by a CRL in the trust store, whichever CA issued it. A bid signature has legal consequences, so a
certificate whose status cannot be established is refused (CertificateRevocationUnknown) rather
than assumed good; recognising another CA therefore means loading its CRLs too. Validation is at
a point in time (`at`); CRLs published after `at` still count (retroactively), so a certificate
revoked after a signature was made does not void that signature, and one revoked before does.
"""

import asyncio
import concurrent.futures
import datetime as dt
import hashlib
import itertools
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, mldsa, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from signing.errors import SigningError

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.path import ValidationPath

PURPOSES = ("signing", "encryption", "timestamping", "login")
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# Other CAs write the USCC as ETSI EN 319 412-1 semantics: "NTRCN-" + code.
ORGANISATION_IDENTIFIER_PREFIX = "NTRCN-"

ResultType = TypeVar("ResultType")

# The key types that can sign a CRL (cryptography's CertificateIssuerPublicKeyTypes, as classes).
_ISSUER_KEY_TYPES = (
    dsa.DSAPublicKey,
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    ed25519.Ed25519PublicKey,
    ed448.Ed448PublicKey,
    mldsa.MLDSA44PublicKey,
    mldsa.MLDSA65PublicKey,
    mldsa.MLDSA87PublicKey,
)


class CertificateError(SigningError):
    code = "certificate_invalid"


class CertificateExpired(CertificateError):
    code = "certificate_expired"


class CertificateNotYetValid(CertificateError):
    code = "certificate_not_yet_valid"


class CertificateRevoked(CertificateError):
    code = "certificate_revoked"


class CertificateUntrusted(CertificateError):
    code = "certificate_untrusted"


class CertificateRevocationUnknown(CertificateUntrusted):
    """No usable CRL covers a certificate of the path (missing or out of date)."""

    code = "certificate_revocation_unknown"


class CertificateUsageMissing(CertificateError):
    code = "certificate_usage_missing"


class CertificateOwnerMismatch(CertificateError):
    code = "certificate_owner_mismatch"


@dataclass(frozen=True)
class CertificateIdentity:
    kind: str  # "organisation" | "person" | "service" (TSA, platform: neither USCC nor person)
    name: str
    uscc: str | None
    person_id: str | None
    certificate_sha256: str


@dataclass(frozen=True)
class UsageRule:
    """Key usages of which one must be asserted; extended key usages of which one must be."""

    key_usages: frozenset[str]
    extended_key_usages: frozenset[ObjectIdentifier]
    extended_key_usage_critical: bool = False


USAGE_RULES = {
    "signing": UsageRule(
        frozenset({"digital_signature", "content_commitment"}),
        frozenset({DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION}),
    ),
    # RSA keys transport a key (keyEncipherment); EC keys agree on one (keyAgreement, HPKE).
    "encryption": UsageRule(
        frozenset({"key_encipherment", "key_agreement"}),
        frozenset({ExtendedKeyUsageOID.EMAIL_PROTECTION}),
    ),
    # RFC 3161 §2.3: the TSA certificate's only EKU is timeStamping, marked critical.
    "timestamping": UsageRule(
        frozenset({"digital_signature", "content_commitment"}),
        frozenset({ExtendedKeyUsageOID.TIME_STAMPING}),
        extended_key_usage_critical=True,
    ),
    "login": UsageRule(
        frozenset({"digital_signature"}), frozenset({ExtendedKeyUsageOID.CLIENT_AUTH})
    ),
}


def to_asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


class TrustStore:
    """Trusted roots (several at once), known intermediates and the CRLs to check against."""

    def __init__(
        self,
        *,
        roots: Iterable[x509.Certificate],
        intermediates: Iterable[x509.Certificate] = (),
        crls: Iterable[x509.CertificateRevocationList] = (),
        check_revocation: bool = True,
    ) -> None:
        self.roots = tuple(roots)
        self.intermediates = tuple(intermediates)
        self.crls = tuple(crls)
        # Off only where no CRL can be had (a bidder's offline machine); the platform always checks.
        self.check_revocation = check_revocation
        if not self.roots:
            raise ValueError("A trust store needs at least one root certificate.")

    @classmethod
    def from_pem_files(
        cls,
        *,
        roots: Sequence[Path],
        intermediates: Sequence[Path] = (),
        crls: Sequence[Path] = (),
    ) -> "TrustStore":
        """Read certificates (PEM, several per file allowed, or DER) and CRLs (PEM or DER)."""
        return cls(
            roots=[c for path in roots for c in _load_certificates(Path(path).read_bytes())],
            intermediates=[
                c for path in intermediates for c in _load_certificates(Path(path).read_bytes())
            ],
            crls=[_load_crl(Path(path).read_bytes()) for path in crls],
        )

    def validation_context(
        self, *, at: dt.datetime, extra_certificates: Iterable[x509.Certificate] = ()
    ) -> "ValidationContext":
        """A fresh pyhanko-certvalidator context: offline, CRLs required, point in time `at`."""
        # Imported on the first validation, not at start-up (web process memory).
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.policy_decl import (
            CertRevTrustPolicy,
            RevocationCheckingPolicy,
            RevocationCheckingRule,
        )

        if at.tzinfo is None:
            raise ValueError("The validation time must be an aware datetime.")
        rule = (
            RevocationCheckingRule.CRL_REQUIRED
            if self.check_revocation
            else RevocationCheckingRule.NO_CHECK
        )
        policy = CertRevTrustPolicy(
            RevocationCheckingPolicy(ee_certificate_rule=rule, intermediate_ca_cert_rule=rule),
            retroactive_revinfo=True,
        )
        return ValidationContext(
            trust_roots=[to_asn1_certificate(root) for root in self.roots],
            other_certs=[
                to_asn1_certificate(certificate)
                for certificate in (*self.intermediates, *extra_certificates)
            ],
            crls=[
                asn1_crl.CertificateList.load(item.public_bytes(serialization.Encoding.DER))
                for item in self.crls
            ],
            moment=at,
            revinfo_policy=policy,
            allow_fetching=False,
        )


def run_coroutine(coroutine: Coroutine[Any, Any, ResultType]) -> ResultType:
    """Run pyHanko's async API from sync code, also when an event loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


def identify(certificate: x509.Certificate) -> CertificateIdentity:
    """Whose certificate this is, read from the subject; validates nothing."""
    subject = certificate.subject
    uscc = _attribute(subject, NameOID.ORGANIZATION_IDENTIFIER)
    if uscc is not None and uscc.startswith(ORGANISATION_IDENTIFIER_PREFIX):
        uscc = uscc[len(ORGANISATION_IDENTIFIER_PREFIX) :]
    person_id = None if uscc else _attribute(subject, NameOID.SERIAL_NUMBER)
    name = (
        _attribute(subject, NameOID.COMMON_NAME)
        or _attribute(subject, NameOID.ORGANIZATION_NAME)
        or subject.rfc4514_string()
    )
    kind = "organisation" if uscc else "person" if person_id else "service"
    return CertificateIdentity(
        kind=kind,
        name=name,
        uscc=uscc,
        person_id=person_id,
        certificate_sha256=hashlib.sha256(
            certificate.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
    )


def describe(certificate: x509.Certificate) -> str:
    return f"{certificate.subject.rfc4514_string()} (serial {certificate.serial_number:x})"


def validate_certificate(
    certificate: x509.Certificate,
    *,
    trust: TrustStore,
    at: dt.datetime,
    purpose: str,
    intermediates: Sequence[x509.Certificate] = (),
    revocation_checked_at: dt.datetime | None = None,
    context: "ValidationContext | None" = None,
) -> CertificateIdentity:
    """Check the path to a trusted root at `at`, revocation, and usage for `purpose`.

    `revocation_checked_at` (later than `at`) also refuses a revocation dated up to that time:
    for a time `at` the signer merely claims, which a stolen key could backdate.

    `context`: a validation context built for this same `at` and `intermediates`
    (`verify_detached` passes the one pyHanko just used, whose cached results then spare a
    second validation from scratch: a fifth of a signature check).
    """
    # Imported on the first validation, not at start-up (web process memory).
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator import errors as validator_errors

    if purpose not in USAGE_RULES:
        raise ValueError(f"Unknown purpose {purpose!r}: use one of {', '.join(PURPOSES)}.")
    if context is None:
        context = trust.validation_context(at=at, extra_certificates=intermediates)
    validator = CertificateValidator(
        to_asn1_certificate(certificate),
        intermediate_certs=[to_asn1_certificate(item) for item in intermediates],
        validation_context=context,
    )
    try:
        path = run_coroutine(validator.async_validate_path())
    except validator_errors.ExpiredError as error:
        raise CertificateExpired(
            f"The certificate {describe(certificate)} or a CA above it had expired at "
            f"{at.isoformat()}: {error}"
        ) from error
    except validator_errors.NotYetValidError as error:
        raise CertificateNotYetValid(
            f"The certificate {describe(certificate)} or a CA above it was not yet valid at "
            f"{at.isoformat()}: {error}"
        ) from error
    except validator_errors.RevokedError as error:
        raise CertificateRevoked(
            f"The certificate {describe(certificate)} or a CA above it is revoked: {error}"
        ) from error
    except validator_errors.InsufficientRevinfoError as error:
        raise CertificateRevocationUnknown(
            f"No current CRL covers the certificate {describe(certificate)} or a CA above it, "
            f"so its revocation status is unknown: {error}"
        ) from error
    except validator_errors.PathBuildingError as error:
        raise CertificateUntrusted(
            f"The certificate {describe(certificate)} does not chain to a trusted root: {error}"
        ) from error
    except (validator_errors.PathValidationError, validator_errors.ValidationError) as error:
        raise CertificateUntrusted(
            f"The certificate path of {describe(certificate)} is not valid: {error}"
        ) from error
    except (ValueError, TypeError, KeyError) as error:
        # A damaged certificate among those offered (a signature's or a token's unsigned set)
        # fails inside the ASN.1 parser, lazily, while paths are built.
        raise CertificateUntrusted(
            f"A certificate offered for the path of {describe(certificate)} cannot be read: {error}"
        ) from error
    if revocation_checked_at is not None:
        _refuse_revoked_until(path, trust, revocation_checked_at)
    check_usage(certificate, purpose=purpose)
    return identify(certificate)


def _refuse_revoked_until(path: "ValidationPath", trust: TrustStore, moment: dt.datetime) -> None:
    """Refuse a certificate of the validated path listed by its issuer's CRL on or before moment."""
    certificates = [x509.load_der_x509_certificate(item.dump()) for item in path.iter_certs(True)]
    for issuer, certificate in itertools.pairwise(certificates):
        for revocation_list in trust.crls:
            if revocation_list.issuer != issuer.subject:
                continue
            issuer_key = issuer.public_key()
            # Keys that cannot sign (X25519, ML-KEM, ...) cannot have signed this CRL.
            if not isinstance(issuer_key, _ISSUER_KEY_TYPES):
                continue
            if not revocation_list.is_signature_valid(issuer_key):
                continue
            entry = revocation_list.get_revoked_certificate_by_serial_number(
                certificate.serial_number
            )
            if entry is not None and entry.revocation_date_utc <= moment:
                raise CertificateRevoked(
                    f"The certificate {describe(certificate)} was revoked on "
                    f"{entry.revocation_date_utc.isoformat()}, before {moment.isoformat()}."
                )


def check_usage(certificate: x509.Certificate, *, purpose: str) -> None:
    """The certificate asserts a key usage and an extended key usage that `purpose` accepts."""
    rule = USAGE_RULES[purpose]
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    asserted = set()
    if key_usage is not None:
        for usage in rule.key_usages:
            try:
                if getattr(key_usage, usage):
                    asserted.add(usage)
            except ValueError:  # encipher_only and the like are undefined without key_agreement
                continue
    if not asserted:
        raise CertificateUsageMissing(
            f"The certificate {describe(certificate)} is not for {purpose}: its key usage "
            f"asserts none of {', '.join(sorted(rule.key_usages))}."
        )
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        extension = None
    # An absent EKU means "any purpose" in RFC 5280; a legal signature asks for an explicit one.
    if extension is None or not rule.extended_key_usages & set(extension.value):
        names = ", ".join(sorted(oid.dotted_string for oid in rule.extended_key_usages))
        raise CertificateUsageMissing(
            f"The certificate {describe(certificate)} is not for {purpose}: its extended key "
            f"usage lists none of {names}."
        )
    if rule.extended_key_usage_critical and (not extension.critical or len(extension.value) != 1):
        raise CertificateUsageMissing(
            f"The certificate {describe(certificate)} is not for {purpose}: its extended key "
            "usage must be critical and hold only that purpose."
        )


def require_owner(
    identity: CertificateIdentity, *, uscc: str | None = None, person_id: str | None = None
) -> None:
    """The certificate belongs to the claimed organisation (USCC) or person."""
    if (uscc is None) == (person_id is None):
        raise ValueError("Name exactly one owner: uscc or person_id.")
    if uscc is not None and identity.uscc != uscc:
        raise CertificateOwnerMismatch(
            f"The certificate of {identity.name} belongs to the organisation "
            f"{identity.uscc or '(none)'}, not to {uscc}."
        )
    if person_id is not None and identity.person_id != person_id:
        raise CertificateOwnerMismatch(
            f"The certificate of {identity.name} belongs to the person "
            f"{identity.person_id or '(none)'}, not to {person_id}."
        )
