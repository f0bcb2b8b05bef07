"""Coverage-guided fuzzing of the sealed-file parser with atheris (libFuzzer), run by
test_atheris.py in a subprocess for a bounded number of runs (libFuzzer ends its process).

The first byte of an input picks what the rest is: raw bytes of a whole file; a header (JSON
text), framed with a correct preamble in front of a real sealed bid's signature and parts
(SEALED_BID names that file), so that mutations reach past the length checks; or a manifest.
A dictionary of JSON tokens (tests/fuzz/json.dict) guides the mutations. Any exception other
than the envelope's own EnvelopeError, or a hang, is a crash libFuzzer reports with its input.

    SEALED_BID=bid.sealed .venv/bin/python -m tests.fuzz.atheris_envelope -runs=200000 \\
        -dict=tests/fuzz/json.dict corpus/
"""

import contextlib
import io
import os
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from signing.envelope.container import read_envelope
    from signing.envelope.errors import EnvelopeError
    from signing.envelope.format import FORMAT_VERSION, MAGIC, PREAMBLE, PREAMBLE_SIZE
    from signing.envelope.manifest import decode_signed_manifest, parse_manifest

SEALED = Path(os.environ["SEALED_BID"]).read_bytes() if "SEALED_BID" in os.environ else b""


def framed(header: bytes) -> bytes:
    """The seed bid with `header` in place of its own, the preamble's lengths made to fit."""
    _magic, _version, header_size, signature_size, padding_size = PREAMBLE.unpack(
        SEALED[:PREAMBLE_SIZE]
    )
    rest = SEALED[PREAMBLE_SIZE + header_size :]
    preamble = PREAMBLE.pack(MAGIC, FORMAT_VERSION, len(header), signature_size, padding_size)
    return preamble + header + rest


def one_input(data: bytes) -> None:
    if not data:
        return
    kind, body = data[0] % 3, data[1:]
    if kind == 0:
        with contextlib.suppress(EnvelopeError):
            read_envelope(io.BytesIO(body))
    elif kind == 1 and SEALED:
        with contextlib.suppress(EnvelopeError):
            read_envelope(io.BytesIO(framed(body)))
    else:
        for parse in (parse_manifest, decode_signed_manifest):
            with contextlib.suppress(EnvelopeError):
                parse(body)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
