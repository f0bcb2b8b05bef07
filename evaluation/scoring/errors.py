"""The refusal of the scoring mathematics: a scheme, a price or a score that cannot be used."""

from __future__ import annotations

from config.errors import Refusal


class ScoringRefused(Refusal):
    """`code` names what is wrong (a rule code of trading.law where the law refuses it),
    `field` where it is, and `violations` every legal rule broken, when the law refused."""

    code = "scoring_refused"
    status = 400

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
        violations: tuple = (),
    ) -> None:
        super().__init__(code, message, status=status, field=field)
        self.violations = violations
