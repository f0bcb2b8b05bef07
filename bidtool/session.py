"""`bidtool login`: a certificate login, whose session the online commands use."""

import argparse
import base64
import json
import os
from pathlib import Path
from typing import Any

from bidtool.client import Http, server_url
from bidtool.credentials import load_credential
from bidtool.errors import ServerError
from signing.cms import sign_detached

SESSION_FILE = "sessions.json"


def _home() -> Path:
    return Path(os.environ.get("BIDTOOL_HOME") or Path.home() / ".config" / "bidtool")


def _load_sessions() -> dict[str, Any]:
    try:
        sessions: dict[str, Any] = json.loads((_home() / SESSION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return sessions


def save_session(server: str, cookies: dict[str, str]) -> None:
    sessions = _load_sessions()
    sessions[server] = cookies
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    path = home / SESSION_FILE
    path.write_text(json.dumps(sessions, indent=2), encoding="utf-8")
    path.chmod(0o600)  # the session cookie is a credential


def open_session(server: str) -> Http:
    cookies = _load_sessions().get(server_url(server))
    if not cookies:
        raise ServerError(
            f"Not logged in to {server}: run bidtool login first.", code="not_logged_in"
        )
    return Http(server, cookies)


def command_login(arguments: argparse.Namespace) -> int:
    credential = load_credential(arguments)
    client = Http(arguments.server)
    _, challenge = client.request("POST", "/api/v1/auth/challenge")
    signature = sign_detached(base64.b64decode(challenge["message"]), credential=credential)
    _, result = client.request(
        "POST",
        "/api/v1/auth/certificate-login",
        json_body={
            "challenge_id": challenge["challenge_id"],
            "signature": base64.b64encode(signature).decode("ascii"),
        },
    )
    save_session(client.server, client.cookies)
    print(
        f"Logged in to {client.server} as {result['username']} "
        f"(certificate {result['certificate_sha256'][:16]}…)"
    )
    return 0
