"""A service's problems shown to a person: under the field they concern, named by the field's
label, without the code of the term (`bid_security_fen: …`) that the service's text may start
with."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The label of each term of a tender a problem can name (services key problems by term).
TERM_LABELS = {
    "title": gettext_lazy("Title"),
    "category": gettext_lazy("Category"),
    "method": gettext_lazy("Method"),
    "ceiling_price_fen": gettext_lazy("Ceiling price"),
    "bid_security_fen": gettext_lazy("Bid security"),
    "estimated_price_fen": gettext_lazy("Estimated price or budget"),
    "evaluation_method": gettext_lazy("Evaluation method"),
    "documents_from": gettext_lazy("Documents available from"),
    "documents_until": gettext_lazy("Documents available until"),
    "clarification_cutoff": gettext_lazy("Clarification cut-off"),
    "bid_deadline": gettext_lazy("Bid deadline"),
    "decryption_window_minutes": gettext_lazy("Decryption window"),
    "opening_committee": gettext_lazy("Opening committee"),
    "reason": gettext_lazy("Reason"),
    "text": gettext_lazy("Text"),
    "signature": gettext_lazy("Signature"),
    "name": gettext_lazy("File name"),
    "kind": gettext_lazy("Kind"),
    "tender": gettext_lazy("Tender"),
}


def problem_text(term: str, problem: str) -> str:
    """The problem without a leading `term: ` (`term：` in Chinese): the field is shown beside
    it already."""
    text = str(problem)
    for name in (term, term.split(".")[0]):
        for separator in (": ", "："):
            if text.startswith(name + separator):
                return text[len(name + separator) :].lstrip()
    return text


def problem_lines(problems: Mapping[str, str]) -> list[str]:
    """Each problem as one line naming its field by label (for a message above a page)."""
    lines = []
    for term, problem in problems.items():
        label = TERM_LABELS.get(term.split(".")[0])
        text = problem_text(term, problem)
        lines.append(
            _("%(field)s: %(problem)s") % {"field": label, "problem": text} if label else text
        )
    return lines
