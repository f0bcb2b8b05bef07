"""pyHanko's validation is imported without its PDF signer (aiohttp), and `pyhanko.sign` still
gives every name it exports, on first use."""

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )


def test_validation_is_imported_without_the_pdf_signer():
    result = run_python(
        "import sys\n"
        "import signing.cms, signing.timestamps, signing.trust\n"
        "assert not [m for m in sys.modules if m.startswith('pyhanko')], 'pyHanko at import'\n"
        "from signing.pyhanko_validation import async_validate_detached_cms\n"
        "assert 'aiohttp' not in sys.modules\n"
        "assert 'pyhanko.sign.signers' not in sys.modules\n"
        "from pyhanko.sign import SimpleSigner\n"
        "from pyhanko.sign.signers import SimpleSigner as Same\n"
        "import pyhanko.sign\n"
        "assert SimpleSigner is Same and pyhanko.sign.sign_pdf is not None\n"
        "assert 'aiohttp' in sys.modules\n"
        "assert not hasattr(pyhanko.sign, 'no_such_name')\n"
    )
    assert result.returncode == 0, result.stderr


def test_pyhanko_imported_first_is_left_alone():
    result = run_python(
        "import sys\n"
        "import pyhanko.sign\n"
        "whole = pyhanko.sign\n"
        "from signing.pyhanko_validation import validate_tst_signed_data\n"
        "assert sys.modules['pyhanko.sign'] is whole and '__getattr__' not in vars(whole)\n"
    )
    assert result.returncode == 0, result.stderr
