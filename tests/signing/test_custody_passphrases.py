"""Each key under its own passphrase: the CA keys, the platform's signing key, the
time-stamping key and the evaluation key; production refuses to start a process missing one it
needs, holding one it must not, or given two keys under the same passphrase."""

import pytest
from cryptography.hazmat.primitives import serialization

from signing.certificates import CertificateAuthority
from signing.conf import (
    evaluation_key_path,
    evaluation_public_key_path,
    key_passphrase,
    platform_credential,
    service_credentials_issue,
)
from signing.credentials import WrongPasswordError, dump_pkcs12, load_pkcs12
from signing.custody import DEVELOPMENT_PASSPHRASES, custody_problems
from tests.config.test_startup import PRODUCTION, manage

OWN = {
    "SIGNING_CA_PASSPHRASE": "ca custodian's passphrase",
    "SIGNING_PLATFORM_PASSPHRASE": "signing custodian's passphrase",
    "SIGNING_TSA_PASSPHRASE": "time-stamping custodian's passphrase",
    "SIGNING_EVALUATION_PASSPHRASE": "evaluation custodian's passphrase",
}


def test_each_service_key_opens_with_its_own_passphrase_and_no_other(platform_ca):
    directory = platform_ca.directory
    for kind, file_name in (("platform", "platform.p12"), ("tsa", "tsa.p12")):
        data = (directory / file_name).read_bytes()
        assert load_pkcs12(data, key_passphrase(kind)).certificate is not None
        for other in {"ca", "platform", "tsa", "evaluation"} - {kind}:
            with pytest.raises(WrongPasswordError):
                load_pkcs12(data, key_passphrase(other))
    pem = evaluation_key_path().read_bytes()
    serialization.load_pem_private_key(pem, key_passphrase("evaluation"))
    for other in ("ca", "platform", "tsa"):
        with pytest.raises(ValueError):
            serialization.load_pem_private_key(pem, key_passphrase(other))


def test_keys_kept_under_the_ca_passphrase_are_written_again_under_their_own(settings, tmp_path):
    """A platform set up before key custody kept every key under the CA's passphrase."""
    settings.SIGNING_CA_DIR = tmp_path / "ca"
    settings.SIGNING_CA_PASSPHRASE = "the one passphrase of before"
    shared = settings.SIGNING_CA_PASSPHRASE.encode()
    authority = CertificateAuthority.initialise(settings.SIGNING_CA_DIR, passphrase=shared)
    old = authority.issue_platform(name="Trading Platform")
    (tmp_path / "ca" / "platform.p12").write_bytes(
        dump_pkcs12(old, shared, friendly_name="Trading Platform")
    )

    service_credentials_issue(authority)

    data = (tmp_path / "ca" / "platform.p12").read_bytes()
    with pytest.raises(WrongPasswordError):
        load_pkcs12(data, shared)
    assert platform_credential().certificate == old.certificate
    assert evaluation_public_key_path().exists()


@pytest.mark.parametrize(
    ("process", "given", "refusal"),
    [
        ("web", {}, "SIGNING_PLATFORM_PASSPHRASE must be set in production mode for a web process"),
        (
            "web",
            {"SIGNING_EVALUATION_PASSPHRASE": OWN["SIGNING_EVALUATION_PASSPHRASE"]},
            "SIGNING_EVALUATION_PASSPHRASE is given to a web process: a web process holds only "
            "the evaluation public key and no CA key (unset it there)",
        ),
        (
            "worker",
            {"SIGNING_EVALUATION_PASSPHRASE": ""},
            "SIGNING_EVALUATION_PASSPHRASE must be set in production mode for a worker process",
        ),
        (
            "worker",
            {"SIGNING_TSA_PASSPHRASE": OWN["SIGNING_PLATFORM_PASSPHRASE"]},
            "SIGNING_PLATFORM_PASSPHRASE and SIGNING_TSA_PASSPHRASE are the same: each key "
            "needs its own passphrase",
        ),
        (
            "key_service",
            {
                "SIGNING_EVALUATION_PASSPHRASE": DEVELOPMENT_PASSPHRASES[
                    "SIGNING_EVALUATION_PASSPHRASE"
                ]
            },
            "SIGNING_EVALUATION_PASSPHRASE is the development passphrase: set its own",
        ),
        ("webserver", {}, "PLATFORM_PROCESS='webserver': use one of key_service, web, worker"),
    ],
)
def test_custody_problems_name_the_passphrase_at_fault(process, given, refusal):
    base = {
        "web": ("SIGNING_PLATFORM_PASSPHRASE", "SIGNING_TSA_PASSPHRASE"),
        "worker": (
            "SIGNING_PLATFORM_PASSPHRASE",
            "SIGNING_TSA_PASSPHRASE",
            "SIGNING_EVALUATION_PASSPHRASE",
        ),
        "key_service": ("SIGNING_EVALUATION_PASSPHRASE",),
    }.get(process, ())
    passphrases = {setting: OWN[setting] for setting in base} if given else {}
    passphrases.update(given)

    problems = custody_problems(process, passphrases)

    assert refusal in problems[0], problems


def test_a_well_kept_worker_has_no_custody_problem():
    worker = {setting: OWN[setting] for setting in OWN if setting != "SIGNING_CA_PASSPHRASE"}
    assert custody_problems("worker", worker) == []
    assert custody_problems("", {}) == []


def test_production_refuses_to_start_a_web_process_given_the_evaluation_passphrase():
    web = {
        **PRODUCTION,
        "PLATFORM_PROCESS": "web",
        "SIGNING_CA_PASSPHRASE": "",
        "SIGNING_PLATFORM_PASSPHRASE": OWN["SIGNING_PLATFORM_PASSPHRASE"],
        "SIGNING_TSA_PASSPHRASE": OWN["SIGNING_TSA_PASSPHRASE"],
        "SIGNING_KEY_SERVICE_SOCKET": "/run/platform/key-service.sock",
    }
    assert manage("check", **web).returncode == 0

    refused = manage(
        "check", **web, SIGNING_EVALUATION_PASSPHRASE=OWN["SIGNING_EVALUATION_PASSPHRASE"]
    )
    assert refused.returncode != 0
    assert "SIGNING_EVALUATION_PASSPHRASE is given to a web process" in refused.stderr

    without_service = manage("check", **{**web, "SIGNING_KEY_SERVICE_SOCKET": ""})
    assert without_service.returncode != 0
    assert (
        "SIGNING_KEY_SERVICE_SOCKET must name the key service's socket for a web process in "
        "production mode"
    ) in without_service.stderr
