"""Real Celery worker processes for tests that need one (the decryption worker's, the fault
injection's): started on a queue of the test's own, sharing the run's database, broker, S3
server and CA; stopped even when paused."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.certificates import CA_PASSPHRASE
from tests.parts import shared_database_url


def start_worker(
    settings, queue: str, log: Path, *, lease_seconds: int, pool: str = "solo"
) -> subprocess.Popen:
    """A real Celery worker process on `queue`, sharing the run's database, broker, S3 server
    and CA; its output appended to `log`."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "S3_ENDPOINT": settings.S3_ENDPOINT,
        "S3_ACCESS_KEY": settings.S3_ACCESS_KEY,
        "S3_SECRET_KEY": settings.S3_SECRET_KEY,
        "SIGNING_CA_DIR": str(settings.SIGNING_CA_DIR),
        "SIGNING_CA_PASSPHRASE": CA_PASSPHRASE.decode(),
        "BID_DECRYPTION_LEASE_SECONDS": str(lease_seconds),
        "BID_DECRYPTION_PROGRESS_MILLISECONDS": "50",
    }
    options = ["--concurrency", "1"] if pool == "prefork" else []
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            pool,
            *options,
            "-Q",
            queue,
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        env=environment,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def stop_workers(*workers: subprocess.Popen | None) -> None:
    for worker in workers:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGCONT)
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
