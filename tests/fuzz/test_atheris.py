"""The sealed-file parser under atheris (coverage-guided, libFuzzer), bounded: a fixed number of
runs seeded with the front of a real sealed bid. FUZZ_EXAMPLES raises the number of runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from signing.envelope.format import PREAMBLE_SIZE, unpack_preamble
from tests.fuzz.conftest import FUZZ_EXAMPLES
from tests.signing.envelope_helpers import seal_contents

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# atheris ships wheels for x86-64 Linux only (pyproject.toml installs it there alone).
pytest.importorskip("atheris")


@pytest.fixture
def corpus(tmp_path, bidder_credential) -> Path:
    """Seeds: a real sealed bid whole (input kind 0), its header (kind 1: framed again by the
    harness) and a manifest (kind 2); the bid itself is the harness's SEALED_BID."""
    sealed = seal_contents(bidder_credential, [b"technical offer"])
    (tmp_path / "bid.sealed").write_bytes(sealed)
    preamble = unpack_preamble(sealed[:PREAMBLE_SIZE])
    header = sealed[PREAMBLE_SIZE : PREAMBLE_SIZE + preamble.header_size]
    directory = tmp_path / "corpus"
    directory.mkdir()
    (directory / "whole").write_bytes(b"\x00" + sealed)
    (directory / "header").write_bytes(b"\x01" + header)
    (directory / "manifest").write_bytes(b"\x02" + b'{"format_version":2,"files":[]}')
    return directory


def test_atheris_finds_no_crash_in_the_sealed_file_parser(corpus, tmp_path):
    runs = os.environ.get(FUZZ_EXAMPLES) or "20000"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fuzz.atheris_envelope",
            f"-runs={runs}",
            "-max_len=65536",
            "-timeout=10",  # seconds per input: a hang is a crash
            f"-artifact_prefix={tmp_path}/",
            "-seed=1",
            f"-dict={HERE / 'json.dict'}",
            str(corpus),
        ],
        cwd=ROOT,
        env={**os.environ, "SEALED_BID": str(corpus.parent / "bid.sealed")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr, result.stderr[-1000:]
