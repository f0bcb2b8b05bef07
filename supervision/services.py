"""What only supervisors read about a tender: the sealed identities of its events.

Before the deadline nobody may learn who obtained the tender documents or bid, nor how many did
(电子招标投标办法 第二十一条); the events say what happened and the sealed rows say who, from
where, on which tender (docs/event-log.md, "Sealed events"). A supervisor watches the whole
process (DESIGN §3) and reads them; each read is itself an event.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from accounts.selectors import user_has_role
from monitoring.selectors import sealed_identities_of
from monitoring.services import record_event
from trading.models import Tender


@dataclass(frozen=True)
class SealedEntry:
    """One sealed event of a tender as a supervisor reads it."""

    sequence: int
    occurred_at: datetime
    action: str
    object_type: str
    object_id: str
    actor_label: str
    client_ip: str | None
    fields: dict[str, Any]


@transaction.atomic
def sealed_identities_read(*, acting: Acting, tender_id: UUID) -> list[SealedEntry]:
    """Who obtained the documents of the tender, bid or objected, and from where: for a
    supervisor only, and the read is logged."""
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(
            _(
                "only a supervisor reads who obtained the tender documents or bid "
                "(电子招标投标办法 第二十一条)"
            )
        )
    tender = Tender.objects.get(pk=tender_id)
    entries = [
        SealedEntry(
            sequence=identity.event.sequence,
            occurred_at=identity.event.occurred_at,
            action=identity.event.action,
            object_type=identity.event.object_type,
            object_id=identity.event.object_id,
            actor_label=identity.actor_label,
            client_ip=identity.client_ip,
            fields=identity.fields,
        )
        for identity in sealed_identities_of(tender_id=str(tender.pk))
    ]
    # The read names the tender, never what was read: its count would tell how many bid.
    record_event(
        actor=acting.as_actor(Role.SUPERVISOR),
        action="sealed_identities.read",
        object_type="trading.tender",
        object_id=str(tender.pk),
    )
    return entries
