"""The HTTP client of the platform API, with the standard library's urllib only."""

import base64
import http.cookies
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bidtool.errors import ServerError
from signing.envelope.errors import InputInvalid
from signing.envelope.fingerprint import collect_device_fingerprint
from signing.envelope.manifest import TOOL_VERSION


def server_url(url: str) -> str:
    return url.rstrip("/")


class Http:
    """A JSON/bytes client of the platform API that keeps the session and CSRF cookies."""

    def __init__(self, server: str, cookies: dict[str, str] | None = None) -> None:
        self.server = server_url(server)
        self.cookies = dict(cookies or {})
        fingerprint = json.dumps(collect_device_fingerprint(), sort_keys=True).encode()
        self.fingerprint = base64.b64encode(fingerprint).decode("ascii")

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: "bytes | FilePart | None" = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = {
            "User-Agent": f"bidtool/{TOOL_VERSION}",
            "Accept": "application/json",
            # The platform's messages in the user's language (zh-CN, en …) when it has them.
            **({"Accept-Language": language} if (language := _user_language()) else {}),
            "X-Device-Fingerprint": self.fingerprint,
            "Referer": self.server + "/",
            **(headers or {}),
        }
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        elif isinstance(data, FilePart):
            sent["Content-Length"] = str(len(data))  # urllib sends an iterable as it is read
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if "csrftoken" in self.cookies:
            sent["X-CSRFToken"] = self.cookies["csrftoken"]
        request = urllib.request.Request(  # noqa: S310 - the server URL the bidder gave
            self.server + path, data=data, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                self._remember(response.headers)
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            self._remember(error.headers)
            body = _json(error.read())
            if not isinstance(body, dict):
                body = {}
            raise ServerError(
                body.get("message") or f"HTTP {error.code} from {self.server}{path}",
                code=body.get("error") or f"http_{error.code}",
                status=error.code,
                retryable=bool(body.get("retryable")) or error.code in {502, 503, 504},
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(
                f"The platform at {self.server} cannot be reached: {reason}",
                code="server_unreachable",
                retryable=True,
            ) from None

    def _remember(self, headers: Any) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value


def _user_language() -> str:
    """The POSIX locale's language as an HTTP language tag ("zh_CN.UTF-8" → "zh-CN")."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0].split("@")[0]
        if value and value not in ("C", "POSIX"):
            return value.replace("_", "-")
    return ""


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8")) if data else None
    except (UnicodeDecodeError, ValueError):
        return None


class FilePart:
    """A part of a file as a request body: its length, and its bytes read 1 MiB at a time
    each time it is iterated (so a retry sends it again from its start)."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        self.path, self.offset, self.length = path, offset, length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as source:
            source.seek(self.offset)
            remaining = self.length
            while remaining:
                block = source.read(min(1 << 20, remaining))
                if not block:
                    raise InputInvalid(f"{str(self.path)!r} got shorter while it was sent.")
                remaining -= len(block)
                yield block
