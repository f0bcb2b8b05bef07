"""`bidtool submit`: a resumable submission of a sealed bid, part by part, then its receipt."""

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bidtool.client import FilePart, Http
from bidtool.errors import ServerError
from bidtool.files import open_sealed
from bidtool.progress import progress_bar
from bidtool.session import open_session
from signing.envelope.container import read_envelope

SUBMIT_RETRIES = 5
SUBMIT_PARALLEL = 3


def _with_retries(action: Any, *, what: str, retries: int) -> Any:
    for attempt in range(retries + 1):
        try:
            return action()
        except ServerError as error:
            if not error.retryable or attempt == retries:
                if error.retryable:
                    raise ServerError(
                        f"{error} — {what} failed {retries + 1} times; run the same command "
                        "again later: it resumes where it stopped.",
                        code=error.code,
                        status=error.status,
                    ) from None
                raise
            time.sleep(min(2**attempt, 30))
    raise AssertionError("unreachable")


def command_submit(arguments: argparse.Namespace) -> int:
    client = open_session(arguments.server)
    sealed: Path = arguments.sealed
    with open_sealed(sealed) as source:
        tender_id = read_envelope(source).header.tender_id  # refuse a plain file locally
    size = sealed.stat().st_size
    state_path = sealed.with_name(sealed.name + ".upload.json")
    receipt_path = arguments.receipt or sealed.with_name(sealed.name + ".receipt.json")
    upload = None
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("server") == client.server and state.get("size") == size:
            _, upload = client.request("GET", f"/api/v1/bid-uploads/{state['upload']}")
            if upload["state"] == "aborted":
                upload = None
    except (OSError, ValueError, KeyError):
        upload = None
    except ServerError as error:
        if error.status != 404:
            raise
        upload = None
    if upload is None:
        _, upload = client.request(
            "POST", f"/api/v1/tenders/{tender_id}/bid-uploads", json_body={"size": size}
        )
        state_path.write_text(
            json.dumps({"server": client.server, "upload": upload["id"], "size": size}),
            encoding="utf-8",
        )
    elif upload["missing_parts"]:
        print(
            f"Resuming upload {upload['id']}: {len(upload['missing_parts'])} of "
            f"{upload['part_count']} parts to send",
            file=sys.stderr,
        )
    part_size = upload["part_size"]
    bar = progress_bar("submitting", size)
    if bar is not None:
        bar(size - sum(min(part_size, size - (n - 1) * part_size) for n in upload["missing_parts"]))
    progress_lock = threading.Lock()

    def send(number: int) -> None:
        # Read from the file as it is sent, 1 MiB at a time (again on a retry): a part
        # (64 MiB by default) is never held whole.
        data = FilePart(
            sealed, (number - 1) * part_size, min(part_size, size - (number - 1) * part_size)
        )
        _with_retries(
            lambda: send_part(client, upload["id"], number, data),
            what=f"sending part {number}",
            retries=arguments.retries,
        )
        if bar is not None:
            with progress_lock:
                bar(len(data))

    parallel = max(1, arguments.parallel)
    if parallel == 1:
        for number in upload["missing_parts"]:
            send(number)
    else:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for future in [pool.submit(send, number) for number in upload["missing_parts"]]:
                future.result()
    if bar is not None:
        bar.finish()
    _, body = _with_retries(
        lambda: client.request(
            "POST",
            f"/api/v1/bid-uploads/{upload['id']}/finalise",
            json_body={},
            headers={"Idempotency-Key": upload["id"]},
        ),
        what="finalising",
        retries=arguments.retries,
    )
    receipt = {key: body[key] for key in ("receipt", "signature", "timestamp_token")}
    receipt_path.write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    state_path.unlink(missing_ok=True)
    document = body["receipt"]
    print(
        f"Submitted: bid {document['bid']} (your submission {document['submission_number']} "
        f"to this tender), received at "
        f"{document['received_at']}; receipt saved to {receipt_path}"
    )
    return 0


def send_part(client: Http, upload_id: str, number: int, data: bytes | FilePart) -> Any:
    """PUT one part (a separate function so that tests can interrupt an upload)."""
    return client.request(
        "PUT",
        f"/api/v1/bid-uploads/{upload_id}/parts/{number}",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
