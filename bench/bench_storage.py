"""Storage adapter: put and get back a 256 MiB stream, beside a plain SDK put_object.

Each case runs in its own process so that its peak memory is its own. The baseline talks to the
SDK directly on purpose (the one place outside storage/ that does): it is what we compare with.
Run: python -m bench.bench_storage [--size-mib 256]
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.streams import GeneratedStream, expected_sha256, peak_memory_mib

ACCESS_KEY, SECRET_KEY, BUCKET = "bench-access", "bench-secret-key", "bench-storage"


def run_adapter(endpoint: str, size: int, part_mib: int = 5) -> dict:
    from storage.objects import ObjectStorage

    storage = ObjectStorage(
        endpoint=endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        secure=False,
        region="us-east-1",
        buckets={"bench": BUCKET},
        part_size=part_mib * 1024 * 1024,
    )
    started = time.perf_counter()
    stored = storage.put_stream(bucket=BUCKET, key="adapter", stream=GeneratedStream(size))
    put_seconds = time.perf_counter() - started
    started = time.perf_counter()
    digest = hashlib.sha256()
    with storage.open(bucket=BUCKET, key="adapter") as chunks:
        for chunk in chunks:
            digest.update(chunk)
    get_seconds = time.perf_counter() - started
    assert stored.size == size and digest.hexdigest() == stored.sha256
    return {"put_seconds": put_seconds, "get_seconds": get_seconds, "peak_mib": peak_memory_mib()}


def run_adapter_larger_parts(endpoint: str, size: int) -> dict:
    return run_adapter(endpoint, size, part_mib=8)


def run_plain_sdk(endpoint: str, size: int) -> dict:
    from minio import Minio

    client = Minio(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)
    started = time.perf_counter()
    client.put_object(
        bucket_name=BUCKET, object_name="plain", data=GeneratedStream(size), length=size
    )
    put_seconds = time.perf_counter() - started
    started = time.perf_counter()
    response = client.get_object(bucket_name=BUCKET, object_name="plain")
    digest = hashlib.sha256()
    for chunk in response.stream(1024 * 1024):
        digest.update(chunk)
    response.close()
    response.release_conn()
    get_seconds = time.perf_counter() - started
    return {"put_seconds": put_seconds, "get_seconds": get_seconds, "peak_mib": peak_memory_mib()}


def run_idle() -> dict:
    from storage.objects import ObjectStorage  # noqa: F401 - the imports alone, for the floor

    return {"put_seconds": 0.0, "get_seconds": 0.0, "peak_mib": peak_memory_mib()}


CASES = {
    "adapter": run_adapter,
    "adapter-8MiB": run_adapter_larger_parts,
    "plain-sdk": run_plain_sdk,
}


def measure(case: str, endpoint: str, size: int) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_storage",
            "--case",
            case,
            "--endpoint",
            endpoint,
            "--size-mib",
            str(size // (1024 * 1024)),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--case", choices=[*CASES, "idle"])
    parser.add_argument("--endpoint")
    arguments = parser.parse_args()
    size = arguments.size_mib * 1024 * 1024
    if arguments.case == "idle":
        print(json.dumps(run_idle()))
        return
    if arguments.case:
        print(json.dumps(CASES[arguments.case](arguments.endpoint, size)))
        return

    from storage.embedded import EmbeddedS3Server, free_port
    from storage.objects import ObjectStorage

    with tempfile.TemporaryDirectory() as folder:
        server = EmbeddedS3Server(
            data_dir=Path(folder), access_key=ACCESS_KEY, secret_key=SECRET_KEY, s3_port=free_port()
        )
        server.start()
        try:
            ObjectStorage(
                endpoint=server.endpoint,
                access_key=ACCESS_KEY,
                secret_key=SECRET_KEY,
                secure=False,
                region="us-east-1",
                buckets={"bench": BUCKET},
            ).ensure_buckets()
            expected_sha256(size)  # warms the page cache of the generator block
            results = {case: measure(case, server.endpoint, size) for case in CASES}
            results["idle"] = measure("idle", server.endpoint, size)
        finally:
            server.stop()
    mib = size / (1024 * 1024)
    print(f"storage adapter, {arguments.size_mib} MiB stream, SeaweedFS on loopback")
    print(f"{'case':<14}{'put MiB/s':>12}{'get MiB/s':>12}{'peak RSS MiB':>14}")
    for case in (*CASES, "idle"):
        result = results[case]
        put = f"{mib / result['put_seconds']:.1f}" if result["put_seconds"] else "-"
        get = f"{mib / result['get_seconds']:.1f}" if result["get_seconds"] else "-"
        print(f"{case:<14}{put:>12}{get:>12}{result['peak_mib']:>14.1f}")
    print(
        "adapter: unknown length, 5 MiB parts (8 MiB for adapter-8MiB) one at a time, "
        "SHA-256 while uploading; "
        "plain-sdk: known length, SDK defaults (3 parallel parts); idle: imports only. "
        "Goal: adapter peak under 64 MiB."
    )


if __name__ == "__main__":
    main()
