"""The supervisors' read of a tender's upload evidence through the API (办法 第十四条): who
uploaded, from where, with which device. Before the opening it names the bidders, which
办法 第二十一条 keeps secret from everyone else: that read is itself an event."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from bids.models import BidUpload
from bids.opening.hall import bidders_revealed
from bids.submission import selectors
from monitoring.services import record_event
from trading.models import Tender


@transaction.atomic
def upload_evidence_read(*, acting: Acting, tender_id: UUID | str) -> QuerySet[BidUpload]:
    if not selectors.user_is_supervisor(user=acting.user):
        raise PermissionDenied(_("Only supervisors see the evidence of bid uploads."))
    tender = get_object_or_404(Tender, pk=tender_id)
    if not bidders_revealed(tender):
        # The read names the tender, never how many uploads it showed: a count would tell.
        record_event(
            actor=acting.as_actor(Role.SUPERVISOR),
            action="bid_evidence.read",
            object_type="trading.tender",
            object_id=str(tender.pk),
        )
    return selectors.upload_evidence_for_tender(tender_id=tender.pk)
