"""The seed in clear: at the reveal, when the result is published (条例 第四十六条: the panel's
members are secret until the result is decided), or to a supervisor beforehand, the read
logged."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from accounts.selectors import user_has_role
from evaluation.models import Panel
from evaluation.panel.errors import PanelRefused
from evaluation.panel.seed import seed_unwrap
from monitoring.clock import database_now
from monitoring.services import Actor, record_event
from monitoring.transitions import apply_transition


@transaction.atomic
def panel_reveal(*, panel_id: UUID, actor: Actor) -> Panel:
    """Put the panel's seed in clear and the panel in state `revealed`, from `complete`; the
    draw record becomes public. For the workflow that publishes the result, which checks its
    own actor: no page or API calls this. `actor` is who the event names (PLATFORM will do).
    Refused (TransitionRefused, 409) unless the panel is complete."""
    panel = Panel.objects.filter(pk=panel_id).first()
    if panel is None:
        raise PanelRefused("not_found", _("No panel has this id."), status=404, field="panel")
    seed = seed_unwrap(panel)
    return apply_transition(
        panel,
        "reveal",
        actor=actor,
        action="panel.revealed",
        arguments=[seed.hex(), database_now()],
        changed_fields=["seed", "revealed_at"],
        payload={
            "tender": str(panel.tender_id),
            "seed": seed.hex(),
            "seed_sha256": panel.seed_sha256,
        },
    )


@transaction.atomic
def panel_seed_read(*, acting: Acting, tender_id: UUID) -> bytes:
    """The seed of a tender's panel before the reveal, for a supervisor replaying the draw
    (`manage.py verify_draw --unsealed`); the read is an event."""
    if not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor reads a panel's seed before it is revealed."))
    panel = Panel.objects.filter(tender_id=tender_id).first()
    if panel is None:
        raise PanelRefused("not_found", _("The tender has no panel."), status=404, field="tender")
    seed = seed_unwrap(panel)
    record_event(
        actor=acting.as_actor(Role.SUPERVISOR),
        action="panel.seed_read",
        object_type="evaluation.panel",
        object_id=str(panel.pk),
        payload={"tender": str(tender_id)},
    )
    return seed
