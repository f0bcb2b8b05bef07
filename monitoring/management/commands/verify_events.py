import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.chain import find_broken_link
from monitoring.checkpoints import verify_checkpoints


class Command(BaseCommand):
    help = (
        "Walk the event chain and every signed checkpoint (Merkle roots, consistency, "
        "lateness); report the first problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            type=Path,
            help="a checkpoint kept outside the platform (a published one, or an inclusion "
            "proof holding one): the log must still hold its tree",
        )

    def handle(self, *args: object, **options: Any) -> None:
        published = []
        for path in options["checkpoint"]:
            try:
                published.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as error:
                raise CommandError(f"cannot read the checkpoint {path}: {error}") from error
        checked, broken = find_broken_link()
        if broken is not None:
            raise CommandError(f"event chain broken after {checked} good events: {broken}")
        checkpoints, problem = verify_checkpoints(published=published)
        if problem is not None:
            raise CommandError(f"{problem} (after {checkpoints} good checkpoints)")
        outside = f", {len(published)} published checkpoints held" if published else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"event chain intact: {checked} events, {checkpoints} signed checkpoints{outside}"
            )
        )
