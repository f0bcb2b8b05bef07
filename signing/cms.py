"""Detached CMS signatures (RFC 5652): created with cryptography, verified with pyHanko.

cryptography builds the SignedData (SHA-256, signing time, signer certificate and chain) but has
no CMS verification; pyHanko checks the signature and, through pyhanko-certvalidator, the path
and revocation. The certificate is judged at the signing time carried in the signature, or at a
trusted time the caller passes (`at`, e.g. from an RFC 3161 timestamp or the receipt).
"""

import base64
import datetime as dt
import enum
import json
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7

from signing.canonical import canonical_json
from signing.credentials import Credential
from signing.errors import SigningError
from signing.trust import (
    USAGE_RULES,
    CertificateIdentity,
    CertificateUntrusted,
    TrustStore,
    run_coroutine,
    validate_certificate,
)

# A signer's clock may run a little ahead of ours; more than this is a false claim.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


class SignatureInvalid(SigningError):
    code = "signature_invalid"


@dataclass(frozen=True)
class SignatureInfo:
    signer: x509.Certificate
    signing_time: dt.datetime  # aware UTC, as claimed by the signer
    identity: CertificateIdentity


def sign_detached(
    data: bytes, *, credential: Credential, signing_time: dt.datetime | None = None
) -> bytes:
    """DER CMS SignedData over `data` (not included), SHA-256, signer certificate and chain."""
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(credential.certificate, credential.private_key, hashes.SHA256())
    )
    for certificate in credential.chain:
        builder = builder.add_certificate(certificate)
    signature = builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )
    if signing_time is None:
        return signature
    return _restamp(signature, credential, signing_time)


def _restamp(signature: bytes, credential: Credential, signing_time: dt.datetime) -> bytes:
    """Replace the signing time the builder wrote (always 'now') and sign the attributes again.

    cryptography has no way to set the signing time; an explicit one is needed to sign records
    dated by the caller (and by tests that sign in the past).
    """
    if signing_time.tzinfo is None:
        raise ValueError("The signing time must be an aware datetime.")
    signing_time = signing_time.astimezone(dt.UTC).replace(microsecond=0)
    content_info = asn1_cms.ContentInfo.load(signature)
    signer_info = content_info["content"]["signer_infos"][0]
    # RFC 5652 §11.3: UTCTime up to 2049, GeneralizedTime after.
    time_choice = "utc_time" if signing_time.year < 2050 else "generalized_time"
    attributes = []
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            attribute = asn1_cms.CMSAttribute(
                {
                    "type": "signing_time",
                    "values": [asn1_cms.Time(name=time_choice, value=signing_time)],
                }
            )
        attributes.append(attribute)
    signed_attributes = asn1_cms.CMSAttributes(attributes)
    to_be_signed = signed_attributes.dump(force=True)
    key = credential.private_key
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(to_be_signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        value = key.sign(to_be_signed, ec.ECDSA(hashes.SHA256()))
    signer_info["signed_attrs"] = signed_attributes
    signer_info["signature"] = asn1_core.OctetString(value)
    return content_info.dump(force=True)


def verify_detached(
    signature: bytes,
    data: bytes,
    *,
    trust: TrustStore,
    purpose: str = "signing",
    at: dt.datetime | None = None,
) -> SignatureInfo:
    """Check that `signature` signs `data` with a certificate trusted for `purpose`.

    The certificate is validated at `at` when given (a time the caller can prove), otherwise at
    the signing time the signature claims.
    """
    # pyHanko is imported on the first verification, not at start-up (web process memory).
    from signing.pyhanko_validation import (
        CMSExtractionError,
        KeyUsageConstraints,
        SignatureValidationError,
        async_validate_detached_cms,
        extract_certificate_info,
        extract_self_reported_ts,
    )

    signed_data = _signed_data(signature)
    # Any field that does not parse is a changed signature, whatever the parser complains of.
    try:
        signer_info = signed_data["signer_infos"][0]
        signing_time = extract_self_reported_ts(signer_info)
        certificate_info = extract_certificate_info(signed_data)
        signer = _to_cryptography(certificate_info.signer_cert)
        intermediates = [_to_cryptography(item) for item in certificate_info.other_certs]
        _check_structure(signature, signed_data)
        _check_signer_fields(signed_data, signer)
    except SignatureInvalid:
        raise
    except CMSExtractionError as error:
        raise SignatureInvalid(
            f"The signer's certificate is not in the signature: {error}"
        ) from error
    except Exception as error:
        raise SignatureInvalid(f"The signature is malformed: {error}") from error
    if signing_time is None:
        raise SignatureInvalid("The signature carries no signing time.")
    signing_time = signing_time.astimezone(dt.UTC)
    # Against the trusted moment when one is given (the database clock at receipt), not this
    # host's clock, which may be minutes off the platform's time.
    if signing_time > (at or dt.datetime.now(dt.UTC)) + CLOCK_TOLERANCE:
        raise SignatureInvalid(
            f"The signature claims a signing time in the future ({signing_time.isoformat()})."
        )
    moment = at or signing_time
    context = trust.validation_context(at=moment, extra_certificates=intermediates)
    # pyHanko would ask for nonRepudiation; ask for what the purpose accepts instead (asn1crypto
    # calls contentCommitment by its old name). Extended key usage is checked below.
    key_usages = {
        "non_repudiation" if usage == "content_commitment" else usage
        for usage in USAGE_RULES[purpose].key_usages
    }
    try:
        status = run_coroutine(
            async_validate_detached_cms(
                data,
                signed_data,
                signer_validation_context=context,
                key_usage_settings=KeyUsageConstraints(key_usage=key_usages),
            )
        )
    except (SignatureValidationError, ValueError, UnsupportedAlgorithm) as error:
        raise SignatureInvalid(f"The signature could not be checked: {error}") from error
    if not status.intact:
        raise SignatureInvalid(
            "The signed data does not match the signature: the data or its digest was changed."
        )
    if not status.valid:
        raise SignatureInvalid(
            "The signature value is not valid for the signer's key: the signature was changed."
        )
    # The precise reason (expired, revoked, …) and the purpose come from our own check.
    # A claimed time cannot place the signature before a revocation: a stolen key can
    # backdate it. Only a trusted `at` can; without one, any revocation until now counts.
    identity = validate_certificate(
        signer,
        trust=trust,
        at=moment,
        purpose=purpose,
        intermediates=intermediates,
        revocation_checked_at=None if at else dt.datetime.now(dt.UTC),
        context=context,
    )
    problem = status.trust_problem_indic
    if problem is not None:
        # pyHanko's subindications are enum members (AdESFailure, AdESIndeterminate).
        name = problem.name if isinstance(problem, enum.Enum) else str(problem)
        raise CertificateUntrusted(f"The signer's certificate was not accepted: {name}.")
    if status.validation_path is None:  # pyHanko sets a path whenever it reports no problem
        raise CertificateUntrusted("The signer's certificate was not accepted: no path.")
    # The certificate set is not signed: a copy that is not the signer's own path would be
    # ignored silently, so it is refused, and every byte of the signature stays meaningful.
    path = {item.dump() for item in status.validation_path.iter_certs(include_root=True)}
    for embedded in signed_data["certificates"]:
        if embedded.chosen.dump() not in path:
            raise SignatureInvalid(
                "The signature carries a certificate outside the signer's chain."
            )
    return SignatureInfo(signer=signer, signing_time=signing_time, identity=identity)


def sign_json(
    value: Any, *, credential: Credential, signing_time: dt.datetime | None = None
) -> bytes:
    """Detached signature over the canonical JSON form of `value`."""
    return sign_detached(canonical_json(value), credential=credential, signing_time=signing_time)


def verify_json(
    signature: bytes,
    value: Any,
    *,
    trust: TrustStore,
    purpose: str = "signing",
    at: dt.datetime | None = None,
) -> SignatureInfo:
    return verify_detached(signature, canonical_json(value), trust=trust, purpose=purpose, at=at)


def signed_document_json(
    name: str, document: bytes, signature: bytes, timestamp_token: bytes
) -> dict[str, Any]:
    """The downloadable form of a platform-signed canonical-JSON document (a receipt, an
    opening record): `{name: the document, "signature": b64 CMS, "timestamp_token": b64}`;
    canonical_json of the document gives back exactly the bytes both cover."""
    return {
        name: json.loads(document),
        "signature": base64.b64encode(signature).decode("ascii"),
        "timestamp_token": base64.b64encode(timestamp_token).decode("ascii"),
    }


def _signed_data(signature: bytes) -> asn1_cms.SignedData:
    try:
        content_info = asn1_cms.ContentInfo.load(signature)
        if content_info["content_type"].native != "signed_data":
            raise SignatureInvalid("The signature is not a CMS SignedData structure.")
        signed_data = content_info["content"]
        signer_count = len(signed_data["signer_infos"])
    except (ValueError, TypeError) as error:
        raise SignatureInvalid(f"The signature is not valid DER CMS: {error}") from error
    if signer_count != 1:
        raise SignatureInvalid(f"The signature must have one signer, not {signer_count}.")
    return signed_data


def _check_structure(signature: bytes, signed_data: asn1_cms.SignedData) -> None:
    """Only what sign_detached makes: DER, SHA-256, detached id-data, and nothing else.

    CMS signs its signed attributes, not the structure around them (versions, algorithm lists,
    the signer identifier, the certificate set), and verifiers tolerate changes there. Pinning
    every unsigned field keeps signatures non-malleable: any changed byte is refused.
    """
    if asn1_cms.ContentInfo.load(signature).dump(force=True) != signature:
        raise SignatureInvalid("The signature is not in DER form: it was changed.")
    digest_algorithms = [item["algorithm"].native for item in signed_data["digest_algorithms"]]
    signer_info = signed_data["signer_infos"][0]
    if digest_algorithms != ["sha256"] or signer_info["digest_algorithm"]["algorithm"].native != (
        "sha256"
    ):
        raise SignatureInvalid("The signature must use SHA-256 and name no other digest.")
    if (signed_data["version"].native, signer_info["version"].native) != ("v1", "v1"):
        raise SignatureInvalid("The signature's version fields are not those of RFC 5652 v1.")
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].native != "data" or encapsulated["content"].native:
        raise SignatureInvalid("The signature must be detached, over plain data (id-data).")
    if signed_data["crls"].native:
        raise SignatureInvalid("The signature carries revocation lists it should not.")
    if signer_info["unsigned_attrs"].native:
        raise SignatureInvalid("The signature carries unsigned attributes.")
    if signer_info["sid"].name != "issuer_and_serial_number":
        raise SignatureInvalid("The signature must name its signer by issuer and serial number.")


def _check_signer_fields(signed_data: asn1_cms.SignedData, signer: x509.Certificate) -> None:
    """The signer identifier and algorithm must be exactly those of the signer's certificate."""
    signer_info = signed_data["signer_infos"][0]
    identifier = signer_info["sid"].chosen
    if (
        identifier["issuer"].dump() != signer.issuer.public_bytes()
        or identifier["serial_number"].native != signer.serial_number
    ):
        raise SignatureInvalid(
            "The signer identifier does not name the signer's certificate byte for byte."
        )
    algorithm = signer_info["signature_algorithm"]["algorithm"].native
    expected = (
        {"rsassa_pkcs1v15", "sha256_rsa"}
        if isinstance(signer.public_key(), rsa.RSAPublicKey)
        else {"sha256_ecdsa"}
    )
    if algorithm not in expected:
        raise SignatureInvalid(f"The signature names an unexpected algorithm ({algorithm}).")


def _to_cryptography(certificate: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())
