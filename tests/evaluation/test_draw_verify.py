"""`manage.py verify_draw` replays every round from the revealed seed and the recorded
snapshots, and checks them against the event log; a downloaded record replays offline."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role
from evaluation.models import PanelDraw
from evaluation.panel.reveal import panel_reveal
from evaluation.panel.seats import seat_decline
from monitoring.models import Event
from monitoring.services import PLATFORM
from tests.evaluation.draw_setup import (
    SPECIALTY,
    confirm_all,
    pool,
    request_five,
    seat_of,
    tender_past_deadline,
)
from tests.factories import MembershipFactory
from trading.services import Acting

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def revealed_panel_with_a_replacement():
    tender = tender_past_deadline()
    pool(8)
    panel = request_five(tender)
    seat = seat_of(panel)
    seat_decline(acting=Acting(user=seat.user), seat_id=seat.pk, reason="出差")
    confirm_all(panel)
    panel_reveal(panel_id=panel.pk, actor=PLATFORM)
    return tender, panel


def verify(*arguments: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_draw", *arguments, stdout=out)
    return out.getvalue()


def test_a_revealed_draw_replays_to_the_same_panel():
    tender, _panel = revealed_panel_with_a_replacement()

    assert verify(str(tender.pk)).strip() == "OK: 2 rounds replayed, the same panel"


def test_a_changed_snapshot_is_found(client):
    tender, panel = revealed_panel_with_a_replacement()
    draw = PanelDraw.objects.get(panel=panel, number=1)
    snapshot = draw.pool_snapshot
    snapshot[SPECIALTY] = snapshot[SPECIALTY][1:]  # one eligible expert removed afterwards
    PanelDraw.objects.filter(pk=draw.pk).update(pool_snapshot=snapshot)

    with pytest.raises(CommandError) as caught:
        verify(str(tender.pk))

    assert str(caught.value).startswith("draw differs: round 1: the snapshot's SHA-256 is ")


def test_a_snapshot_changed_with_its_digest_is_still_found_against_the_log():
    from evaluation.panel.algorithm import draw_round, snapshot_sha256
    from evaluation.panel.seed import seed_unwrap

    tender, panel = revealed_panel_with_a_replacement()
    draw = PanelDraw.objects.get(panel=panel, number=1)
    snapshot = {SPECIALTY: draw.pool_snapshot[SPECIALTY][:-1]}
    drawn = draw_round(
        seed=seed_unwrap(panel), number=1, requests=[(SPECIALTY, 5)], snapshot=snapshot
    )
    PanelDraw.objects.filter(pk=draw.pk).update(
        pool_snapshot=snapshot, pool_sha256=snapshot_sha256(snapshot), drawn=drawn
    )

    with pytest.raises(CommandError) as caught:
        verify(str(tender.pk))

    assert "event" in str(caught.value)
    assert "round 1" in str(caught.value)


def test_a_draw_not_yet_revealed_is_not_replayed_without_a_supervisor():
    tender = tender_past_deadline()
    pool(5)
    request_five(tender)

    with pytest.raises(CommandError) as caught:
        verify(str(tender.pk))

    assert "not revealed" in str(caught.value)


def test_a_supervisor_replays_before_the_reveal_and_the_read_is_logged():
    tender = tender_past_deadline()
    pool(5)
    panel = request_five(tender)
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user

    output = verify(str(tender.pk), "--unsealed", "--supervisor", supervisor.username)

    assert output.strip() == "OK: 1 rounds replayed, the same panel"
    event = Event.objects.get(action="panel.seed_read")
    assert (event.actor, event.object_id) == (supervisor, str(panel.pk))


def test_the_tenderee_cannot_unseal_the_seed():
    tender = tender_past_deadline()
    pool(5)
    request_five(tender)

    with pytest.raises(CommandError) as caught:
        verify(str(tender.pk), "--unsealed", "--supervisor", tender.acting.user.username)

    assert "Only a supervisor" in str(caught.value)
    assert not Event.objects.filter(action="panel.seed_read").exists()


def test_a_downloaded_record_replays_offline_and_a_changed_one_does_not(client, tmp_path):
    tender, _panel = revealed_panel_with_a_replacement()
    record = client.get(f"/api/v1/tenders/{tender.pk}/panel/draw-record").json()
    good = tmp_path / "record.json"
    good.write_text(json.dumps(record), encoding="utf-8")
    record["rounds"][1]["drawn"][SPECIALTY] = record["rounds"][0]["drawn"][SPECIALTY][:1]
    record["rounds"][1].pop("drawn_sha256")
    bad = tmp_path / "changed.json"
    bad.write_text(json.dumps(record), encoding="utf-8")

    assert verify("--record", str(good)).strip() == "OK: 2 rounds replayed, the same panel"
    with pytest.raises(CommandError) as caught:
        verify("--record", str(bad))
    assert str(caught.value).startswith(f"draw differs: round 2, {SPECIALTY}: the replay draws")

    # Anywhere, with no Django: the pure module alone.
    script = (
        "import sys, evaluation.panel.replay as replay\n"
        "code = replay.main(sys.argv[1:])\n"
        "assert not [name for name in sys.modules if name.startswith('django')]\n"
        "sys.exit(code)\n"
    )
    offline = subprocess.run(
        [sys.executable, "-c", script, str(good)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (offline.returncode, offline.stdout.strip()) == (
        0,
        "OK: 2 rounds replayed from the revealed seed",
    )
