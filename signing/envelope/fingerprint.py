"""The device fingerprint: machine identifiers a collusion check compares across bids.

Bids sealed on one machine by different bidders are a classic sign of collusion (围标串标).
Identifiers are hashed with a fixed label (comparable across bids, not readable as such) except
MAC addresses, which checks compare as they are.
"""

import hashlib
import os
import platform
import socket
import sys
import uuid
from pathlib import Path
from typing import Any

_LABEL = b"sealed-bid device fingerprint v1\x00"
_MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))


def _hashed(value: str) -> str:
    return hashlib.sha256(_LABEL + value.encode("utf-8")).hexdigest()


def _machine_id() -> str | None:
    for path in _MACHINE_ID_FILES:
        try:
            value = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if value:
            return value
    # sys.platform (not platform.system()) so that type checkers skip winreg elsewhere.
    if sys.platform == "win32":  # pragma: no cover - bidders on Windows
        try:
            import winreg

            with winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography"
            ) as key:
                return str(winreg.QueryValueEx(key, "MachineGuid")[0])
        except OSError:
            return None
    return None


def _mac_addresses() -> list[str]:
    addresses: set[str] = set()
    network = Path("/sys/class/net")
    if network.is_dir():
        for interface in network.iterdir():
            try:
                address = (interface / "address").read_text(encoding="ascii").strip().lower()
            except (OSError, UnicodeDecodeError):
                continue
            if address and address != "00:00:00:00:00:00" and interface.name != "lo":
                addresses.add(address)
    node = uuid.getnode()
    if not node >> 40 & 1:  # the multicast bit marks a random stand-in, not a real MAC
        addresses.add(
            ":".join(f"{node:012x}"[position : position + 2] for position in range(0, 12, 2))
        )
    return sorted(addresses)


def installation_id(home: Path | None = None) -> str:
    """A random id kept by this installation of the tool, made on first use."""
    directory = home or Path(os.environ.get("BIDTOOL_HOME", Path.home() / ".config" / "bidtool"))
    path = directory / "installation-id"
    try:
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = str(uuid.uuid4())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n", encoding="ascii")
    except OSError:
        return "unpersisted-" + value  # read-only home: still a value, marked as not stable
    return value


def collect_device_fingerprint(home: Path | None = None) -> dict[str, Any]:
    machine_id = _machine_id()
    return {
        "machine_id_sha256": _hashed(machine_id) if machine_id else None,
        "mac_addresses": _mac_addresses(),
        "hostname_sha256": _hashed(socket.gethostname()),
        "installation_id": installation_id(home),
        "operating_system": f"{platform.system()} {platform.release()}".strip(),
    }
