"""`bidtool withdraw`: withdraw the bidder's submitted bid before the deadline, signed."""

import argparse
import base64
import json
from datetime import UTC, datetime
from pathlib import Path

from bidtool.credentials import load_credential
from bidtool.errors import ServerError
from bidtool.session import open_session
from signing.cms import sign_json


def command_withdraw(arguments: argparse.Namespace) -> int:
    credential = load_credential(arguments)
    client = open_session(arguments.server)
    _, listing = client.request("GET", "/api/v1/bids")
    live = [
        bid
        for bid in listing["bids"]
        if bid["tender"] == arguments.tender and bid["state"] == "submitted"
    ]
    if not live:
        raise ServerError(
            f"You have no submitted bid for tender {arguments.tender}.", code="bid_not_found"
        )
    bid = live[0]
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    request = {"action": "withdraw", "bid": bid["id"], "tender": bid["tender"], "time": moment}
    signature = sign_json(request, credential=credential)
    _, body = client.request(
        "POST",
        f"/api/v1/bids/{bid['id']}/withdraw",
        json_body={
            "time": moment,
            "signature": base64.b64encode(signature).decode("ascii"),
        },
    )
    path = arguments.receipt or Path(f"withdrawal-{bid['id']}.receipt.json")
    receipt = {key: body[key] for key in ("receipt", "signature", "timestamp_token")}
    path.write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"Withdrawn: bid {bid['id']} at {body['receipt']['withdrawn_at']}; receipt saved to {path}"
    )
    return 0
