"""Check a revealed draw record offline: every round replayed from the seed and its snapshot.

    python -m evaluation.panel.replay draw-record.json

No Django and no database: the record (GET /api/v1/tenders/<id>/panel/draw-record) holds all
that is needed. Prints OK, or the first difference and exits 1. `manage.py verify_draw` runs
the same checks on the database's record, and checks it against the event log too.
"""

import json
import sys
from collections.abc import Mapping
from typing import Any

from evaluation.panel.algorithm import (
    ALGORITHM_NAME,
    ALGORITHM_VERSION,
    SEED_BYTES,
    draw_round,
    drawn_sha256,
    seed_sha256,
    snapshot_sha256,
)


class RecordInvalid(ValueError):
    """The record is not a draw record this version can replay; the message says why."""


def _seed_of(record: Mapping[str, Any]) -> bytes:
    text = record.get("seed")
    if not isinstance(text, str):
        raise RecordInvalid("the record holds no seed: it is not revealed")
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        raise RecordInvalid("the seed is not hexadecimal") from None
    if len(seed) != SEED_BYTES:
        raise RecordInvalid(f"the seed has {len(seed)} bytes, not {SEED_BYTES}")
    return seed


def round_differences(
    seed: bytes, number: int, entry: Mapping[str, Any]
) -> list[str]:  # one round: its snapshot's digest, its order, what it drew
    problems = []
    snapshot = entry["pool_snapshot"]
    digest = snapshot_sha256(snapshot)
    if digest != entry["pool_sha256"]:
        problems.append(
            f"round {number}: the snapshot's SHA-256 is {digest}, "
            f"the record says {entry['pool_sha256']}"
        )
    for specialty, ids in snapshot.items():
        if list(ids) != sorted(set(ids)):
            problems.append(f"round {number}: the snapshot of {specialty} is not sorted and unique")
    requests = [(item["specialty"], int(item["count"])) for item in entry["requests"]]
    replayed = draw_round(seed=seed, number=number, requests=requests, snapshot=snapshot)
    recorded = {specialty: list(ids) for specialty, ids in entry["drawn"].items()}
    if replayed != recorded:
        for specialty, _count in requests:
            if replayed.get(specialty, []) != recorded.get(specialty, []):
                problems.append(
                    f"round {number}, {specialty}: the replay draws {replayed.get(specialty)}, "
                    f"the record says {recorded.get(specialty)}"
                )
                break
        else:
            problems.append(f"round {number}: the record draws specialties it did not request")
    if "drawn_sha256" in entry and drawn_sha256(recorded) != entry["drawn_sha256"]:
        problems.append(f"round {number}: what was drawn does not match its SHA-256")
    return problems


def record_differences(record: Mapping[str, Any]) -> list[str]:
    """Every difference between the record and its replay, in order (empty: it replays)."""
    algorithm = record.get("algorithm", {})
    if algorithm.get("name") != ALGORITHM_NAME or algorithm.get("version") != ALGORITHM_VERSION:
        raise RecordInvalid(
            f"the record's algorithm is {algorithm.get('name')} version "
            f"{algorithm.get('version')}; this replays {ALGORITHM_NAME} version {ALGORITHM_VERSION}"
        )
    seed = _seed_of(record)
    problems = []
    if seed_sha256(seed) != record.get("seed_sha256"):
        problems.append(
            f"the seed's SHA-256 is {seed_sha256(seed)}, the committed one "
            f"{record.get('seed_sha256')}"
        )
    numbers = [entry["number"] for entry in record.get("rounds", [])]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"the rounds are numbered {numbers}, not 1 to {len(numbers)}")
    for entry in record.get("rounds", []):
        problems.extend(round_differences(seed, int(entry["number"]), entry))
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m evaluation.panel.replay draw-record.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as source:
        record = json.load(source)
    try:
        problems = record_differences(record)
    except (RecordInvalid, KeyError, TypeError) as error:
        print(f"not a replayable draw record: {error}")
        return 1
    if problems:
        print(f"DIFFERENT: {problems[0]}")
        return 1
    print(f"OK: {len(record['rounds'])} rounds replayed from the revealed seed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
