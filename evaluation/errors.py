"""The refusal every evaluation service raises: what is wrong, named (config.errors.Refusal)."""

from config.errors import Refusal


class EvaluationRefused(Refusal):
    """A step of the evaluation refused: out of order, out of range, or not the caller's."""

    code = "evaluation_refused"
    status = 422


class NotOnPanel(EvaluationRefused):
    """The caller holds no seat on the panel: answered as not found, so that the panel's
    existence and make-up do not leak (条例 第四十六条)."""

    code = "not_found"
    status = 404
