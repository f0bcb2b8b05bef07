"""Replaying a panel's draw from the database (`manage.py verify_draw`): the record replays
(panel/replay.py), and it is the one the event log committed to, in order — the seed's
SHA-256 logged before the first round, each round's snapshot and result digests as logged, and
each seat one that a round drew. Reads only."""

from typing import Any

from evaluation.models import Panel, SeatKind
from evaluation.panel.algorithm import drawn_sha256
from evaluation.panel.record import draw_record_of
from evaluation.panel.replay import record_differences
from monitoring.models import Event

ROUND_ACTIONS = ("panel.drawn", "panel.redrawn")


def log_differences(panel: Panel, record: dict[str, Any]) -> list[str]:
    """Where the record departs from the event log and the seats."""
    events = list(
        Event.objects.filter(
            object_type="evaluation.panel",
            object_id=str(panel.pk),
            action__in=("panel.seed_committed", *ROUND_ACTIONS),
        ).order_by("sequence")
    )
    problems = []
    commitments = [event for event in events if event.action == "panel.seed_committed"]
    if len(commitments) != 1:
        return [f"the log holds {len(commitments)} seed commitments of the panel, not 1"]
    commitment = commitments[0]
    if commitment.payload.get("seed_sha256") != record["seed_sha256"]:
        problems.append(
            f"the seed's SHA-256 is {record['seed_sha256']}; event {commitment.sequence} "
            f"committed {commitment.payload.get('seed_sha256')}"
        )
    logged = {
        event.payload.get("round"): event for event in events if event.action in ROUND_ACTIONS
    }
    for entry in record["rounds"]:
        event = logged.get(entry["number"])
        if event is None:
            problems.append(f"round {entry['number']}: no event in the log")
            continue
        if event.sequence < commitment.sequence:
            problems.append(
                f"round {entry['number']}: logged (event {event.sequence}) before the seed was "
                f"committed (event {commitment.sequence})"
            )
        if event.payload.get("pool_sha256") != entry["pool_sha256"]:
            problems.append(
                f"round {entry['number']}: the snapshot's SHA-256 is {entry['pool_sha256']}; "
                f"event {event.sequence} logged {event.payload.get('pool_sha256')}"
            )
        if event.payload.get("drawn_sha256") != drawn_sha256(entry["drawn"]):
            problems.append(
                f"round {entry['number']}: what was drawn does not match event {event.sequence}"
            )
    drawn = {
        (entry["number"], specialty, expert_id)
        for entry in record["rounds"]
        for specialty, ids in entry["drawn"].items()
        for expert_id in ids
    }
    seated = {
        (seat.draw.number if seat.draw else None, seat.specialty, str(seat.expert_id))
        for seat in panel.seats.select_related("draw").filter(kind=SeatKind.EXPERT)
    }
    if seated != drawn:
        problems.append(
            f"the expert seats are not those drawn: {len(seated - drawn)} seats were not drawn, "
            f"{len(drawn - seated)} drawn experts have no seat"
        )
    return problems


def panel_differences(panel: Panel, *, seed: bytes) -> list[str]:
    record = draw_record_of(panel, seed=seed)
    return record_differences(record) + log_differences(panel, record)
