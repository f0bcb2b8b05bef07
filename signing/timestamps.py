"""Trusted timestamps (RFC 3161): the platform's built-in TSA and offline verification of tokens.

A token proves that some data existed at `gen_time`: a TSTInfo (hash of the data, time, serial)
in a CMS SignedData signed by a certificate whose only, critical, EKU is timeStamping. Tokens carry
an ESS signingCertificateV2 attribute (RFC 5816) so that `openssl ts -verify` accepts them.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from asn1crypto import algos as asn1_algos
from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import tsp as asn1_tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from signing.credentials import Credential
from signing.errors import SigningError
from signing.trust import (
    CertificateIdentity,
    CertificateUntrusted,
    TrustStore,
    run_coroutine,
    to_asn1_certificate,
    validate_certificate,
)

# The TSA policy under which tokens are issued: a UUID-derived OID (ITU-T X.667, arc 2.25).
TIMESTAMP_POLICY = "2.25.308855922882518424066224622334155922190"
# id-ct-TSTInfo (RFC 3161); written dotted since asn1crypto may have cached its name map already.
TST_INFO_CONTENT_TYPE = "1.2.840.113549.1.9.16.1.4"
HASH_ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


class TimeStampResponse(asn1_core.Sequence):
    """RFC 3161 TimeStampResp; asn1crypto's omits that the token is OPTIONAL (absent if refused)."""

    _fields = [
        ("status", asn1_tsp.PKIStatusInfo),
        ("time_stamp_token", asn1_cms.ContentInfo, {"optional": True}),
    ]


class TimestampInvalid(SigningError):
    code = "timestamp_invalid"


class TimestampRequestRejected(SigningError):
    code = "timestamp_request_rejected"

    def __init__(self, message: str, *, failure: str) -> None:
        super().__init__(message)
        self.failure = failure  # a PKIFailureInfo name, e.g. "bad_alg"


@dataclass(frozen=True)
class TimestampInfo:
    generated_at: dt.datetime  # aware UTC
    serial_number: int
    message_digest: bytes  # the SHA-256 (or other imprint hash) of the data
    authority: CertificateIdentity


def make_request(data: bytes, *, nonce: int | None = None) -> bytes:
    """A TimeStampReq over SHA-256(data) asking for the TSA certificate to be included."""
    return asn1_tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(data).digest(),
            },
            "nonce": nonce if nonce is not None else secrets.randbits(63),
            "cert_req": True,
        }
    ).dump()


class TimestampAuthority:
    """Issues RFC 3161 tokens signed with a timestamping credential."""

    def __init__(self, credential: Credential) -> None:
        self.credential = credential
        self._certificate = to_asn1_certificate(credential.certificate)
        self._chain = [to_asn1_certificate(item) for item in credential.chain]

    def respond(self, request_der: bytes) -> bytes:
        """TimeStampReq (DER) -> TimeStampResp (DER): granted with a token, or a rejection."""
        try:
            request = asn1_tsp.TimeStampReq.load(request_der)
            request.native  # noqa: B018 — parses every field now, not later
            token = self._token_for(request)
        except TimestampRequestRejected as rejection:
            return _rejection(str(rejection), rejection.failure)
        except (ValueError, TypeError) as error:
            return _rejection(f"The request is not a DER TimeStampReq: {error}", "bad_data_format")
        return TimeStampResponse(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()

    def timestamp(self, data: bytes) -> bytes:
        """A token (ContentInfo DER) over SHA-256(data)."""
        request = asn1_tsp.TimeStampReq.load(make_request(data))
        return self._token_for(request).dump()

    def _token_for(self, request: asn1_tsp.TimeStampReq) -> asn1_cms.ContentInfo:
        if request["version"].native != "v1":
            raise TimestampRequestRejected("Only version 1 requests exist.", failure="bad_request")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in HASH_ALGORITHMS:
            raise TimestampRequestRejected(
                f"The hash algorithm {algorithm} is not accepted: use SHA-256, -384 or -512.",
                failure="bad_alg",
            )
        if len(imprint["hashed_message"].native) != HASH_ALGORITHMS[algorithm]().digest_size:
            raise TimestampRequestRejected(
                f"The message imprint has the wrong length for {algorithm}.",
                failure="bad_data_format",
            )
        policy = request["req_policy"].native
        if policy is not None and policy != TIMESTAMP_POLICY:
            raise TimestampRequestRejected(
                f"The policy {policy} is not offered.", failure="unaccepted_policy"
            )
        if request["extensions"].native:
            raise TimestampRequestRejected(
                "Request extensions are not supported.", failure="unaccepted_extension"
            )
        tst_info = asn1_tsp.TSTInfo(
            {
                "version": "v1",
                "policy": TIMESTAMP_POLICY,
                "message_imprint": {
                    "hash_algorithm": {"algorithm": algorithm},
                    "hashed_message": imprint["hashed_message"].native,
                },
                # 127 random bits: unique without a counter shared between web processes.
                "serial_number": secrets.randbits(127),
                "gen_time": dt.datetime.now(dt.UTC).replace(microsecond=0),
                "accuracy": {"seconds": 1},
                "nonce": request["nonce"].native,
            }
        )
        certificates = [self._certificate, *self._chain] if request["cert_req"].native else []
        return self._sign(tst_info, certificates)

    def _sign(
        self, tst_info: asn1_tsp.TSTInfo, certificates: list[asn1_x509.Certificate]
    ) -> asn1_cms.ContentInfo:
        content = tst_info.dump()
        signed_attributes = asn1_cms.CMSAttributes(
            [
                {"type": "content_type", "values": [TST_INFO_CONTENT_TYPE]},
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    "cert_hash": hashlib.sha256(self._certificate.dump()).digest(),
                                    "issuer_serial": {
                                        "issuer": [
                                            asn1_x509.GeneralName(
                                                name="directory_name",
                                                value=self._certificate.issuer,
                                            )
                                        ],
                                        "serial_number": self._certificate.serial_number,
                                    },
                                }
                            ]
                        }
                    ],
                },
            ]
        )
        key = self.credential.private_key
        to_be_signed = signed_attributes.dump()
        if isinstance(key, rsa.RSAPrivateKey):
            signature = key.sign(to_be_signed, padding.PKCS1v15(), hashes.SHA256())
            signature_algorithm = "sha256_rsa"
        else:
            signature = key.sign(to_be_signed, ec.ECDSA(hashes.SHA256()))
            signature_algorithm = "sha256_ecdsa"
        signer_info = asn1_cms.SignerInfo(
            {
                "version": "v1",
                "sid": asn1_cms.SignerIdentifier(
                    name="issuer_and_serial_number",
                    value={
                        "issuer": self._certificate.issuer,
                        "serial_number": self._certificate.serial_number,
                    },
                ),
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": signed_attributes,
                "signature_algorithm": asn1_algos.SignedDigestAlgorithm(
                    {"algorithm": signature_algorithm}
                ),
                "signature": signature,
            }
        )
        signed_data = asn1_cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [{"algorithm": "sha256"}],
                "encap_content_info": {
                    "content_type": TST_INFO_CONTENT_TYPE,
                    "content": asn1_core.ParsableOctetString(content),
                },
                "certificates": certificates or None,
                "signer_infos": [signer_info],
            }
        )
        return asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def _rejection(message: str, failure: str) -> bytes:
    return TimeStampResponse(
        {
            "status": {
                "status": "rejection",
                "status_string": [message],
                "fail_info": asn1_tsp.PKIFailureInfo({failure}),
            }
        }
    ).dump()


def token_from_response(response_der: bytes) -> bytes:
    """The token of a granted TimeStampResp; TimestampInvalid naming the refusal otherwise."""
    try:
        response = TimeStampResponse.load(response_der)
        status = response["status"]["status"].native
    except (ValueError, TypeError) as error:
        raise TimestampInvalid(f"The response is not a DER TimeStampResp: {error}") from error
    if status not in ("granted", "granted_with_mods"):
        reasons = response["status"]["status_string"].native or []
        raise TimestampInvalid(f"The TSA refused the request ({status}): {'; '.join(reasons)}")
    return response["time_stamp_token"].dump()


def verify_timestamp(token: bytes, data: bytes, *, trust: TrustStore) -> TimestampInfo:
    """Check a token over `data` offline: imprint, signature, TSA certificate at gen_time."""
    # pyHanko is imported on the first verification, not at start-up (web process memory).
    from signing.pyhanko_validation import SignatureValidationError, validate_tst_signed_data

    try:
        content_info = asn1_cms.ContentInfo.load(token)
        if content_info["content_type"].native != "signed_data":
            raise TimestampInvalid("The token is not a CMS SignedData structure.")
        signed_data = content_info["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        if not isinstance(tst_info, asn1_tsp.TSTInfo):
            raise TimestampInvalid("The token does not hold a TSTInfo.")
        algorithm = tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native
        imprint = tst_info["message_imprint"]["hashed_message"].native
        generated_at = tst_info["gen_time"].native.astimezone(dt.UTC)
        serial_number = tst_info["serial_number"].native
        signer_certificates = [
            item.chosen for item in signed_data["certificates"] or () if item.name == "certificate"
        ]
        intermediates = [
            x509.load_der_x509_certificate(item.dump()) for item in signer_certificates
        ]
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        raise TimestampInvalid(f"The token is not valid DER: {error}") from error
    if algorithm not in HASH_ALGORITHMS:
        raise TimestampInvalid(f"The token uses the unaccepted hash algorithm {algorithm}.")
    if not hmac.compare_digest(imprint, HASH_ALGORITHMS[algorithm](data).digest()):
        raise TimestampInvalid("The token's message imprint does not match the data.")
    context = trust.validation_context(at=generated_at, extra_certificates=intermediates)
    try:
        status = run_coroutine(
            validate_tst_signed_data(
                signed_data,
                context,
                lambda name: HASH_ALGORITHMS[name](data).digest(),
            )
        )
    except (SignatureValidationError, ValueError, UnsupportedAlgorithm) as error:
        raise TimestampInvalid(f"The token could not be checked: {error}") from error
    if not status["intact"] or not status["valid"]:
        raise TimestampInvalid("The token's signature is not valid: the token was changed.")
    # As for signatures (signing.cms): the token's certificate set is not signed, so a copy
    # outside the TSA's own path would be ignored silently; it is refused, so that every byte
    # of a token stays meaningful (a changed copy, found by tests/fuzz, passed; another made
    # the path validation below fail with a parser's error).
    path = status["validation_path"]
    chain = {item.dump() for item in path.iter_certs(include_root=True)} if path else set()
    if path is not None and any(item.dump() not in chain for item in signer_certificates):
        raise TimestampInvalid("The token carries a certificate outside the TSA's chain.")
    signer = x509.load_der_x509_certificate(status["signing_cert"].dump())
    authority = validate_certificate(
        signer, trust=trust, at=generated_at, purpose="timestamping", intermediates=intermediates
    )
    if status["trust_problem_indic"] is not None:
        raise CertificateUntrusted(
            f"The TSA certificate was not accepted: {status['trust_problem_indic'].name}."
        )
    return TimestampInfo(
        generated_at=generated_at,
        serial_number=serial_number,
        message_digest=imprint,
        authority=authority,
    )
