"""The refusal of the panel's use cases: a code, a message naming what is wrong, the field."""

from config.errors import Refusal


class PanelRefused(Refusal):
    code = "invalid"


# A state of the tender or the pool, not a malformed request.
CONFLICT = 409
