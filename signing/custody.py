"""Key custody: which key each process may open, and the start-up rules of production mode.

The platform holds four kinds of private key, each under its own passphrase so that each can
be kept by its own custodian (or, in production, in its own HSM slot through PKCS#11, which
the platform does not build yet: docs/operations.md, "Key custody"):

    ca          the platform CA's root and issuing keys   SIGNING_CA_PASSPHRASE
    platform    the platform's signing credential         SIGNING_PLATFORM_PASSPHRASE
    tsa         the time-stamping credential              SIGNING_TSA_PASSPHRASE
    evaluation  the evaluation key (opened bids' keys)    SIGNING_EVALUATION_PASSPHRASE

A process declares what it is in PLATFORM_PROCESS, and is given the passphrases of that role
only. A web process signs receipts and notices but holds only the evaluation *public* key: it
wraps handed-over data keys to it, and asks the key service (signing.keyservice) to unwrap one
data key at a time. No Django here: config/settings.py applies these rules at start-up.
"""

from collections.abc import Mapping

KEYS = {
    "ca": "SIGNING_CA_PASSPHRASE",
    "platform": "SIGNING_PLATFORM_PASSPHRASE",
    "tsa": "SIGNING_TSA_PASSPHRASE",
    "evaluation": "SIGNING_EVALUATION_PASSPHRASE",
}
DEVELOPMENT_PASSPHRASES = {
    "SIGNING_CA_PASSPHRASE": "development passphrase of the platform CA, not for production",
    "SIGNING_PLATFORM_PASSPHRASE": (
        "development passphrase of the platform signing key, not for production"
    ),
    "SIGNING_TSA_PASSPHRASE": "development passphrase of the time-stamping key, not for production",
    "SIGNING_EVALUATION_PASSPHRASE": (
        "development passphrase of the evaluation key, not for production"
    ),
}

WEB, WORKER, KEY_SERVICE = "web", "worker", "key_service"
# What each kind of process needs (a process that declares none — a management command, a
# test run — is given nothing at start-up and may open a key only with its passphrase).
PROCESS_KEYS: dict[str, set[str]] = {
    WEB: {"platform", "tsa"},
    # Decryption jobs unwrap data keys; checkpoints are signed and timestamped in workers.
    WORKER: {"platform", "tsa", "evaluation"},
    KEY_SERVICE: {"evaluation"},
    "": set(),
}
# Never given to a web process, in any mode.
WEB_WITHHELD = {"ca", "evaluation"}


def custody_problems(process: str, passphrases: Mapping[str, str | None]) -> list[str]:
    """What production mode refuses, for a process of kind `process` given `passphrases`
    (setting name -> value, None where unset). Empty when all is well."""
    if process not in PROCESS_KEYS:
        kinds = ", ".join(sorted(set(PROCESS_KEYS) - {""}))
        return [f"PLATFORM_PROCESS={process!r}: use one of {kinds}, or leave it unset"]
    problems = []
    for key in sorted(PROCESS_KEYS[process]):
        setting = KEYS[key]
        if not passphrases.get(setting):
            problems.append(f"{setting} must be set in production mode for a {process} process")
    for setting, value in passphrases.items():
        if value and value == DEVELOPMENT_PASSPHRASES.get(setting):
            problems.append(f"{setting} is the development passphrase: set its own")
    if process == WEB:
        for key in sorted(WEB_WITHHELD):
            if passphrases.get(KEYS[key]):
                problems.append(
                    f"{KEYS[key]} is given to a web process: a web process holds only the "
                    "evaluation public key and no CA key (unset it there)"
                )
    given = [(setting, value) for setting, value in sorted(passphrases.items()) if value]
    for position, (setting, value) in enumerate(given):
        for other, other_value in given[position + 1 :]:
            if value == other_value:
                problems.append(
                    f"{setting} and {other} are the same: each key needs its own passphrase"
                )
    return problems
