"""The prior objection (异议前置) a complaint needs, and finding it.

Works (招标投标法实施条例 第六十条): a complaint about the tender documents (第二十二条), the
opening (第四十四条) or the evaluation result (第五十四条) is first raised as an objection to the
tenderee; any other matter goes to the supervising authority directly. Government procurement
(政府采购法 第五十五条): every complaint follows a challenge (质疑), which the platform records
as an objection to the documents, at the opening or to the result.

The article is the source of the regime's `complaint_window` rule: the same article sets the
period and the objection that comes before it.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db import models

from accounts.models import Organisation
from bids.models import OpeningObjection
from supervision.models import ComplaintMatter
from trading.law.rules import Regime
from trading.models import CandidateObjection, DocumentObjection, Objection, Tender


@dataclass(frozen=True)
class ObjectionKind:
    """Where the objection of a matter is kept, and which field of a complaint names it."""

    model: type[Objection]
    complaint_field: str  # the Complaint foreign key
    tender_path: str  # the lookup from the objection to its tender


OBJECTION_OF_MATTER: dict[str, ObjectionKind] = {
    ComplaintMatter.TENDER_DOCUMENTS: ObjectionKind(
        DocumentObjection, "document_objection", "tender"
    ),
    ComplaintMatter.OPENING: ObjectionKind(
        OpeningObjection, "opening_objection", "session__tender"
    ),
    ComplaintMatter.EVALUATION_RESULT: ObjectionKind(
        CandidateObjection, "candidate_objection", "tender"
    ),
}


def needs_prior_objection(regime: Regime | str, matter: str) -> bool:
    if Regime(regime) == Regime.GOVERNMENT_PROCUREMENT:
        return True
    return matter in OBJECTION_OF_MATTER


def prior_objection_find(
    *, tender: Tender, organisation: Organisation, matter: str, objection_id: UUID
) -> Objection | None:
    """The objection `objection_id` if it is this organisation's, on this tender, about this
    matter; None otherwise (the caller refuses, naming the article)."""
    kind = OBJECTION_OF_MATTER.get(matter)
    if kind is None:
        return None
    manager: models.Manager = kind.model._default_manager
    found: Objection | None = manager.filter(
        pk=objection_id, organisation=organisation, **{kind.tender_path: tender}
    ).first()
    return found
