"""The parts of pyHanko the platform uses (CMS and timestamp-token validation), imported without
pyHanko's PDF signer.

Importing any `pyhanko.sign.*` module first runs `pyhanko/sign/__init__.py`, which imports the
PDF signer and through it aiohttp (an HTTP client for remote TSAs): about 11 MiB of a web
process for code the platform never calls. So `pyhanko.sign` is registered with its
`__init__` not yet run: its submodules import as usual, and the first use of a name that
`__init__` exports (`pyhanko.sign.SimpleSigner`, ...) runs it then, as a plain import would have.

signing.cms and signing.timestamps import this module on first use, not at start-up.
"""

import importlib
import importlib.util
import sys
import threading
from typing import Any

_PACKAGE = "pyhanko.sign"


def _register_package_deferred() -> None:
    if _PACKAGE in sys.modules:  # already imported whole (by other code): nothing to spare
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # no longer a plain package: the imports below load it as usual
    loader = spec.loader
    package = importlib.util.module_from_spec(spec)
    lock = threading.RLock()
    state = threading.local()  # `running`: this thread is running __init__ now
    pending = True

    def __getattr__(name: str) -> Any:
        nonlocal pending
        # A submodule is imported alone, without the package's __init__.
        if importlib.util.find_spec(f"{_PACKAGE}.{name}") is not None:
            return importlib.import_module(f"{_PACKAGE}.{name}")
        with lock:  # another thread waits here until __init__ has run
            if pending and not getattr(state, "running", False):
                state.running = True
                try:
                    loader.exec_module(package)
                    pending = False
                    del package.__getattr__
                finally:
                    state.running = False
        try:
            return vars(package)[name]
        except KeyError:
            raise AttributeError(f"module {_PACKAGE!r} has no attribute {name!r}") from None

    # Written into the modules' namespaces: a module's __getattr__ (PEP 562) and `pyhanko.sign`
    # are entries of its __dict__, which ModuleType's declared attributes do not cover.
    vars(package)["__getattr__"] = __getattr__
    sys.modules[_PACKAGE] = package
    vars(sys.modules["pyhanko"])["sign"] = package  # as the import system does for a submodule


_register_package_deferred()

from pyhanko.sign.general import CMSExtractionError, extract_certificate_info  # noqa: E402
from pyhanko.sign.validation.errors import SignatureValidationError  # noqa: E402
from pyhanko.sign.validation.generic_cms import (  # noqa: E402
    async_validate_detached_cms,
    extract_self_reported_ts,
    validate_tst_signed_data,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints  # noqa: E402

__all__ = [
    "CMSExtractionError",
    "KeyUsageConstraints",
    "SignatureValidationError",
    "async_validate_detached_cms",
    "extract_certificate_info",
    "extract_self_reported_ts",
    "validate_tst_signed_data",
]
