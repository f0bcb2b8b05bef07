"""Sealing and verifying throughput and peak memory, beside raw SHA-256 and AES-256-GCM.

    python -m bench.bench_sealing [--sizes 64,1024] [--directory DIR]

Each case runs in a fresh subprocess so that its peak resident memory (VmHWM) is its own. Input
files are generated streaming into a temporary directory (never held in memory). Prints figures;
never passes or fails on time.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1 << 20
BLOCK = MIB
CASES = ("baseline", "sha256", "aes-gcm", "seal", "seal-nosync", "check", "verify")
PASSWORD = b"bench password"


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _generate(path: Path, size: int) -> None:
    # Random-looking but cheap: a counter hashed into each 1 MiB block's first bytes.
    seed = os.urandom(BLOCK)
    with path.open("wb") as sink:
        written, counter = 0, 0
        while written < size:
            block = hashlib.sha256(counter.to_bytes(8, "big")).digest() + seed[32:]
            block = block[: min(BLOCK, size - written)]
            sink.write(block)
            written += len(block)
            counter += 1


def _prepare_credentials(directory: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from signing.certificates import CertificateAuthority
    from signing.credentials import dump_pkcs12

    authority = CertificateAuthority.initialise(
        directory / "ca",
        passphrase=b"bench CA",
        name="Bench CA",
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
    )
    credential = authority.issue_organisation(
        name="Bench Bidder", uscc="91110000100000016D", key_type="rsa3072"
    )
    (directory / "bidder.p12").write_bytes(dump_pkcs12(credential, PASSWORD, friendly_name="bench"))
    root_crl, issuing_crl = authority.publish_crls()
    (directory / "root.pem").write_bytes(
        authority.root_certificate.public_bytes(serialization.Encoding.PEM)
    )
    (directory / "root.crl").write_bytes(root_crl.public_bytes(serialization.Encoding.PEM))
    (directory / "issuing.crl").write_bytes(issuing_crl.public_bytes(serialization.Encoding.PEM))


def _trust(directory: Path):
    from signing.trust import TrustStore

    return TrustStore.from_pem_files(
        roots=[directory / "root.pem"],
        crls=[directory / "root.crl", directory / "issuing.crl"],
    )


def _run_case(case: str, directory: Path, input_path: Path) -> dict:
    """Runs inside the child process: one case, timed, then its peak memory."""
    # Imports first, outside the timing, as a real run pays them once.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from signing.credentials import load_pkcs12
    from signing.envelope import open_sealed_bid, seal_bid, verify_sealed_bid

    sealed_path = directory / "bid.sealed"
    size = input_path.stat().st_size
    credential = load_pkcs12((directory / "bidder.p12").read_bytes(), PASSWORD)
    trust = _trust(directory)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if case == "sha256":
        digest = hashlib.sha256()
        with input_path.open("rb") as source:
            while block := source.read(BLOCK):
                digest.update(block)
    elif case == "aes-gcm":
        cipher = AESGCM(AESGCM.generate_key(bit_length=256))
        nonce = os.urandom(12)
        with input_path.open("rb") as source:
            while block := source.read(BLOCK):
                cipher.encrypt(nonce, block, None)  # raw speed only: nonce reuse irrelevant here
    elif case in ("seal", "seal-nosync"):
        if case == "seal-nosync":
            # Separates disk speed from the work of sealing: the real seal fsyncs before rename.
            os.fsync = lambda descriptor: None
        seal_bid(
            tender_id="BENCH-1",
            credential=credential,
            files=[input_path],
            price_sheet={"total_price_fen": 100, "duration_days": 1, "quality": "合格"},
            output=sealed_path,
        )
    elif case == "check":
        with sealed_path.open("rb") as source:
            verify_sealed_bid(source, trust=trust)
    elif case == "verify":
        with sealed_path.open("rb") as source:
            open_sealed_bid(source, trust=trust, private_key=credential.private_key)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
    return {
        "case": case,
        "bytes": size,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_kib": _peak_kib(),
    }


def _child(case: str, directory: Path, input_path: Path) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_sealing",
            "--child",
            case,
            "--directory",
            str(directory),
            "--input",
            str(input_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,1024", help="input sizes in MiB")
    parser.add_argument("--directory", type=Path, help="scratch directory (default: a temp dir)")
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        if arguments.child == "baseline":
            import signing.certificates
            import signing.envelope  # noqa: F401

            result = {"case": "baseline", "bytes": 0, "seconds": 0.0, "peak_kib": _peak_kib()}
        else:
            result = _run_case(arguments.child, arguments.directory, arguments.input)
        print(json.dumps(result))
        return
    sizes = [int(value) for value in arguments.sizes.split(",")]
    with tempfile.TemporaryDirectory(dir=arguments.directory, prefix="bench-sealing-") as scratch:
        directory = Path(scratch)
        _prepare_credentials(directory)
        baseline = _child("baseline", directory, directory / "bidder.p12")
        print(
            f"cpu cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; "
            f"peak memory of a process that only imports signing.envelope: "
            f"{baseline['peak_kib'] / 1024:.1f} MiB"
        )
        print(
            f"{'size':>8} {'case':<11} {'seconds':>8} {'MiB/s':>7} {'vs SHA-256':>10} "
            f"{'CPU s/GiB':>9} {'peak MiB':>9} {'above imports':>13}"
        )
        for size_mib in sizes:
            input_path = directory / "input.bin"
            _generate(input_path, size_mib * MIB)
            rates = {}
            for case in CASES[1:]:
                os.sync()  # no write-back of an earlier case's output runs during this one
                result = _child(case, directory, input_path)
                rate = result["bytes"] / MIB / result["seconds"]
                rates[case] = rate
                print(
                    f"{size_mib:>5} MiB {case:<11} {result['seconds']:>8.2f} {rate:>7.0f} "
                    f"{rate / rates['sha256']:>10.0%} "
                    f"{result['cpu_seconds'] * 1024 / size_mib:>9.2f} "
                    f"{result['peak_kib'] / 1024:>9.1f} "
                    f"{(result['peak_kib'] - baseline['peak_kib']) / 1024:>13.1f}",
                    flush=True,
                )
            input_path.unlink()
            (directory / "bid.sealed").unlink(missing_ok=True)
    print(
        "seal: hash plaintext, encrypt, hash ciphertext, write, fsync; seal-nosync: the same "
        "without the final fsync; check: keyless header signature and part digests; verify: "
        "decrypt and check everything, plaintext discarded."
    )


if __name__ == "__main__":
    main()
