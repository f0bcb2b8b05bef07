"""The platform CA for development, demo and tests: a root and an issuing CA under it.

A production platform recognises commercial CAs (see signing.trust); this CA lets the platform run
end to end on one machine. Its directory holds:

    root.pem, issuing.pem            CA certificates
    root-key.pem, issuing-key.pem    CA private keys, PKCS#8 encrypted with the passphrase
    root-crl.pem, issuing-crl.pem    published CRLs (root's covers the issuing CA)
    issued/<serial>.pem              every certificate issued, by serial in hex
    revoked.json                     serial (hex) -> revocation time and reason
"""

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from signing.credentials import Credential, PrivateKey
from signing.errors import SigningError

KEY_TYPES = ("rsa3072", "ec-p256")
# RFC 9336 id-kp-documentSigning: the purpose our signature validation asks for.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
END_ENTITY_VALIDITY = dt.timedelta(days=730)
ROOT_VALIDITY = dt.timedelta(days=20 * 365)
ISSUING_VALIDITY = dt.timedelta(days=10 * 365)
# A CRL is good for a week; `manage.py ca crl` (run daily) publishes a fresh one.
CRL_VALIDITY = dt.timedelta(days=7)
# Tolerates clocks a little behind the CA's.
BACKDATE = dt.timedelta(minutes=5)

REVOCATION_REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


class CertificateAuthorityError(SigningError):
    code = "certificate_authority_error"


class CertificateAuthorityExists(CertificateAuthorityError):
    code = "certificate_authority_exists"


class CertificateAuthorityMissing(CertificateAuthorityError):
    code = "certificate_authority_missing"


class CertificateAuthorityPassphraseWrong(CertificateAuthorityError):
    code = "certificate_authority_passphrase_wrong"


class UnknownCertificate(CertificateAuthorityError):
    code = "unknown_certificate"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def generate_key(key_type: str) -> PrivateKey:
    if key_type == "rsa3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    raise CertificateAuthorityError(
        f"Unknown key type {key_type!r}: use one of {', '.join(KEY_TYPES)}."
    )


def _write_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    temporary = path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    descriptor = os.open(temporary, flags, 0o600 if private else 0o644)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def _ca_name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _signature_hash(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _ca_certificate(
    *,
    subject: x509.Name,
    key: PrivateKey,
    issuer: x509.Name,
    issuer_key: PrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
    path_length: int,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, _signature_hash(issuer_key))


class CertificateAuthority:
    """Root -> issuing CA, kept in a directory, private keys encrypted with a passphrase."""

    def __init__(
        self,
        directory: Path,
        *,
        root_certificate: x509.Certificate,
        issuing_certificate: x509.Certificate,
        issuing_key: PrivateKey,
        root_key: PrivateKey,
    ) -> None:
        self.directory = directory
        self._root_certificate = root_certificate
        self._issuing_certificate = issuing_certificate
        self._issuing_key = issuing_key
        self._root_key = root_key

    # -- creation and opening ------------------------------------------------------------------

    @classmethod
    def initialise(
        cls,
        directory: Path,
        *,
        passphrase: bytes,
        name: str = "Tendering Platform Development CA",
        not_before: dt.datetime | None = None,
    ) -> "CertificateAuthority":
        """Create the root and issuing CA in an empty (or new) directory and publish CRLs.

        `not_before` backdates the CA (tests that sign in the past); default is now.
        """
        directory = Path(directory)
        if (directory / "root.pem").exists():
            raise CertificateAuthorityExists(
                f"A certificate authority already exists in {directory}."
            )
        if not passphrase:
            raise CertificateAuthorityError("The CA passphrase must not be empty.")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "issued").mkdir(exist_ok=True)
        start = (not_before or now()) - BACKDATE
        # P-384 for the CA keys: strong for the CA's long life and fast to create.
        root_key = ec.generate_private_key(ec.SECP384R1())
        issuing_key = ec.generate_private_key(ec.SECP384R1())
        root_name = _ca_name(f"{name} Root", name)
        issuing_name = _ca_name(f"{name} Issuing CA", name)
        root_certificate = _ca_certificate(
            subject=root_name,
            key=root_key,
            issuer=root_name,
            issuer_key=root_key,
            not_before=start,
            not_after=start + ROOT_VALIDITY,
            path_length=1,
        )
        issuing_certificate = _ca_certificate(
            subject=issuing_name,
            key=issuing_key,
            issuer=root_name,
            issuer_key=root_key,
            not_before=start,
            not_after=start + ISSUING_VALIDITY,
            path_length=0,
        )
        encryption = serialization.BestAvailableEncryption(passphrase)
        for label, certificate, key in (
            ("root", root_certificate, root_key),
            ("issuing", issuing_certificate, issuing_key),
        ):
            _write_atomically(
                directory / f"{label}.pem", certificate.public_bytes(serialization.Encoding.PEM)
            )
            _write_atomically(
                directory / f"{label}-key.pem",
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
                ),
                private=True,
            )
        _write_atomically(directory / "revoked.json", b"{}")
        authority = cls(
            directory,
            root_certificate=root_certificate,
            issuing_certificate=issuing_certificate,
            issuing_key=issuing_key,
            root_key=root_key,
        )
        authority.publish_crls()
        return authority

    @classmethod
    def open(cls, directory: Path, *, passphrase: bytes) -> "CertificateAuthority":
        directory = Path(directory)
        if not (directory / "root.pem").exists():
            raise CertificateAuthorityMissing(
                f"No certificate authority in {directory}: run `manage.py ca init` first."
            )

        def load_key(label: str) -> PrivateKey:
            try:
                key = serialization.load_pem_private_key(
                    (directory / f"{label}-key.pem").read_bytes(), passphrase
                )
            except (ValueError, TypeError) as error:
                raise CertificateAuthorityPassphraseWrong(
                    f"The passphrase does not open the {label} CA key in {directory}."
                ) from error
            assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
            return key

        return cls(
            directory,
            root_certificate=x509.load_pem_x509_certificate((directory / "root.pem").read_bytes()),
            issuing_certificate=x509.load_pem_x509_certificate(
                (directory / "issuing.pem").read_bytes()
            ),
            issuing_key=load_key("issuing"),
            root_key=load_key("root"),
        )

    @property
    def root_certificate(self) -> x509.Certificate:
        return self._root_certificate

    @property
    def issuing_certificate(self) -> x509.Certificate:
        return self._issuing_certificate

    @property
    def root_crl_path(self) -> Path:
        return self.directory / "root-crl.pem"

    @property
    def crl_path(self) -> Path:
        return self.directory / "issuing-crl.pem"

    # -- issuing -------------------------------------------------------------------------------

    def issue_organisation(
        self,
        *,
        name: str,
        uscc: str,
        key_type: str = "rsa3072",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Credential:
        """A certificate for an organisation: O and CN the name, organizationIdentifier the USCC."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        return self._issue_subscriber(subject, key_type, not_before, not_after)

    def issue_person(
        self,
        *,
        name: str,
        person_id: str,
        key_type: str = "rsa3072",
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Credential:
        """A certificate for a person (an expert, a committee member): serialNumber the id."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, person_id),
            ]
        )
        return self._issue_subscriber(subject, key_type, not_before, not_after)

    def issue_timestamping(self, *, name: str, key_type: str = "ec-p256") -> Credential:
        """For the TSA: digitalSignature only, EKU timeStamping alone and critical (RFC 3161)."""
        key = generate_key(key_type)
        return self._issue(
            subject=_service_name(name),
            key=key,
            key_usage=_key_usage(digital_signature=True),
            extended_key_usages=[ExtendedKeyUsageOID.TIME_STAMPING],
            extended_key_usage_critical=True,
            not_before=None,
            not_after=None,
        )

    def issue_platform(self, *, name: str, key_type: str = "ec-p256") -> Credential:
        """The platform's own certificate: signs receipts, opening records and log checkpoints."""
        key = generate_key(key_type)
        return self._issue(
            subject=_service_name(name),
            key=key,
            key_usage=_key_usage(digital_signature=True, content_commitment=True),
            extended_key_usages=[DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION],
            extended_key_usage_critical=False,
            not_before=None,
            not_after=None,
        )

    def _issue_subscriber(
        self,
        subject: x509.Name,
        key_type: str,
        not_before: dt.datetime | None,
        not_after: dt.datetime | None,
    ) -> Credential:
        key = generate_key(key_type)
        # Signatures and key transport (RSA-OAEP) or key agreement (HPKE over EC).
        if isinstance(key, rsa.RSAPrivateKey):
            key_usage = _key_usage(digital_signature=True, key_encipherment=True)
        else:
            key_usage = _key_usage(digital_signature=True, key_agreement=True)
        return self._issue(
            subject=subject,
            key=key,
            key_usage=key_usage,
            extended_key_usages=[
                ExtendedKeyUsageOID.CLIENT_AUTH,  # certificate login
                ExtendedKeyUsageOID.EMAIL_PROTECTION,  # CMS signing and encryption
                DOCUMENT_SIGNING,
            ],
            extended_key_usage_critical=False,
            not_before=not_before,
            not_after=not_after,
        )

    def _issue(
        self,
        *,
        subject: x509.Name,
        key: PrivateKey,
        key_usage: x509.KeyUsage,
        extended_key_usages: list[ObjectIdentifier],
        extended_key_usage_critical: bool,
        not_before: dt.datetime | None,
        not_after: dt.datetime | None,
    ) -> Credential:
        start = not_before or (now() - BACKDATE)
        end = not_after or (start + END_ENTITY_VALIDITY)
        if end <= start:
            raise CertificateAuthorityError("A certificate must end after it begins.")
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._issuing_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage, critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(extended_key_usages), critical=extended_key_usage_critical
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._issuing_key.public_key()),
                critical=False,
            )
            .sign(self._issuing_key, _signature_hash(self._issuing_key))
        )
        _write_atomically(
            self.directory / "issued" / f"{certificate.serial_number:x}.pem",
            certificate.public_bytes(serialization.Encoding.PEM),
        )
        return Credential(
            private_key=key, certificate=certificate, chain=(self._issuing_certificate,)
        )

    # -- revocation ----------------------------------------------------------------------------

    def issued_certificate(self, serial_number: int) -> x509.Certificate:
        path = self.directory / "issued" / f"{serial_number:x}.pem"
        if not path.exists():
            raise UnknownCertificate(
                f"No certificate with serial number {serial_number:x} (hex) was issued by this CA."
            )
        return x509.load_pem_x509_certificate(path.read_bytes())

    def revoked(self) -> dict[int, tuple[dt.datetime, str]]:
        entries = json.loads((self.directory / "revoked.json").read_text())
        return {
            int(serial, 16): (dt.datetime.fromisoformat(entry["revoked_at"]), entry["reason"])
            for serial, entry in entries.items()
        }

    def revoke(
        self,
        *,
        serial_number: int,
        reason: str = "key_compromise",
        revoked_at: dt.datetime | None = None,
    ) -> None:
        """Revoke an issued certificate and publish a new CRL at once. Revoking twice is a no-op."""
        if reason not in REVOCATION_REASONS:
            raise CertificateAuthorityError(
                f"Unknown revocation reason {reason!r}: use one of {', '.join(REVOCATION_REASONS)}."
            )
        self.issued_certificate(serial_number)  # refuses serials this CA never issued
        entries = json.loads((self.directory / "revoked.json").read_text())
        key = f"{serial_number:x}"
        if key not in entries:
            entries[key] = {
                "revoked_at": (revoked_at or now()).astimezone(dt.UTC).isoformat(),
                "reason": reason,
            }
            _write_atomically(
                self.directory / "revoked.json",
                json.dumps(entries, indent=2, sort_keys=True).encode(),
            )
        self.publish_crls()

    def crl(self) -> x509.CertificateRevocationList:
        """The issuing CA's CRL (covers subscribers), freshly signed and written out."""
        return self.publish_crls()[1]

    def root_crl(self) -> x509.CertificateRevocationList:
        """The root's CRL (covers the issuing CA), freshly signed and written to the directory."""
        return self.publish_crls()[0]

    def publish_crls(
        self,
    ) -> tuple[x509.CertificateRevocationList, x509.CertificateRevocationList]:
        """Sign and write both CRLs; returns (root CRL, issuing CRL)."""
        root_crl = _build_crl(issuer=self._root_certificate, key=self._root_key, revoked=())
        issuing_crl = _build_crl(
            issuer=self._issuing_certificate,
            key=self._issuing_key,
            revoked=self.revoked().items(),
        )
        _write_atomically(self.root_crl_path, root_crl.public_bytes(serialization.Encoding.PEM))
        _write_atomically(self.crl_path, issuing_crl.public_bytes(serialization.Encoding.PEM))
        return root_crl, issuing_crl


def _build_crl(
    *,
    issuer: x509.Certificate,
    key: PrivateKey,
    revoked: Iterable[tuple[int, tuple[dt.datetime, str]]],
) -> x509.CertificateRevocationList:
    issued_at = now() - BACKDATE
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(issued_at)
        .next_update(issued_at + CRL_VALIDITY)
        # CRL numbers must grow (RFC 5280 §5.2.3): microseconds since the epoch do.
        .add_extension(x509.CRLNumber(int(issued_at.timestamp() * 1_000_000)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
    )
    for serial_number, (revoked_at, reason) in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial_number)
            .revocation_date(revoked_at)
            .add_extension(x509.CRLReason(REVOCATION_REASONS[reason]), critical=False)
            .build()
        )
    return builder.sign(key, _signature_hash(key))


def _service_name(name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_encipherment: bool = False,
    key_agreement: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=key_agreement,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
