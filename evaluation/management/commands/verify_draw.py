"""Replay a panel's draw and report the first difference (exit 1) or OK.

manage.py verify_draw <tender id>                                   # a revealed panel
manage.py verify_draw <tender id> --unsealed --supervisor <user>    # before the reveal
manage.py verify_draw --record draw-record.json                     # offline, no database
"""

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import Refusal


class Command(BaseCommand):
    help = (
        "Replay every round of a tender's panel draw from its seed and recorded snapshots; "
        "with the database, check the record against the event log and the seats too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tender", nargs="?", help="the tender's id")
        parser.add_argument("--record", type=Path, help="a downloaded draw record (JSON)")
        parser.add_argument(
            "--unsealed",
            action="store_true",
            help="before the reveal: unwrap the seed (a supervisor's read, logged)",
        )
        parser.add_argument("--supervisor", help="the supervisor's user name, with --unsealed")

    def handle(self, *args: object, **options: Any) -> None:
        if options["record"] is not None:
            self._offline(options["record"])
        elif options["tender"]:
            self._from_database(options)
        else:
            raise CommandError("name a tender, or a record with --record")

    def _offline(self, path: Path) -> None:
        from evaluation.panel.replay import RecordInvalid, record_differences

        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            problems = record_differences(record)
        except (OSError, ValueError, RecordInvalid, KeyError, TypeError) as error:
            raise CommandError(f"not a replayable draw record: {error}") from None
        self._report(problems, rounds=len(record["rounds"]))

    def _from_database(self, options: dict[str, Any]) -> None:
        from accounts.acting import Acting
        from accounts.models import User
        from evaluation.models import Panel, PanelState
        from evaluation.panel.reveal import panel_seed_read
        from evaluation.panel.verify import panel_differences

        try:
            tender_id = UUID(options["tender"])
        except ValueError:
            raise CommandError(f"{options['tender']} is not a tender id") from None
        panel = Panel.objects.filter(tender_id=tender_id).first()
        if panel is None:
            raise CommandError(f"tender {tender_id} has no panel")
        if panel.state == PanelState.REVEALED:
            seed = bytes.fromhex(panel.seed)
        elif options["unsealed"]:
            supervisor = User.objects.filter(username=options["supervisor"] or "").first()
            if supervisor is None:
                raise CommandError("--unsealed needs --supervisor with a supervisor's user name")
            try:
                seed = panel_seed_read(acting=Acting(user=supervisor), tender_id=tender_id)
            except (PermissionDenied, Refusal) as error:
                raise CommandError(str(error)) from None
        else:
            raise CommandError(
                f"the panel is {panel.state}, not revealed: its seed is sealed "
                "(a supervisor may use --unsealed)"
            )
        self._report(panel_differences(panel, seed=seed), rounds=panel.draws.count())

    def _report(self, problems: list[str], *, rounds: int) -> None:
        if problems:
            raise CommandError(f"draw differs: {problems[0]}")
        self.stdout.write(self.style.SUCCESS(f"OK: {rounds} rounds replayed, the same panel"))
