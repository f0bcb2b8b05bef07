"""The tamper-evident event log: one append-only chain of every state change (DESIGN §6).

Each event carries the SHA-256 of the previous event, so changing or removing any row breaks
every link after it; `manage.py verify_events` finds the first broken link.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

GENESIS_DIGEST = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an event."""


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("events cannot be changed")

    def delete(self):
        raise AppendOnlyError("events cannot be deleted")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("events are appended one at a time by record_event")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("events cannot be changed")


class Event(models.Model):
    """One state change of one object, chained to the event before it."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # The actor's name when it acted: the log stays readable whatever later happens to the user.
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=40, blank=True)
    to_state = models.CharField(_("to state"), max_length=40, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    payload_digest = models.CharField(_("payload digest"), max_length=64)
    previous_digest = models.CharField(_("previous digest"), max_length=64)
    digest = models.CharField(_("digest"), max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["sequence"]
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("events cannot be deleted")


class SealedIdentityQuerySet(EventQuerySet):
    """Sealed identities are appended with their event and never changed nor deleted."""


class SealedIdentity(models.Model):
    """Who acted, from where, on which tender: what a sealed event must not show (办法 第21条).

    Before the deadline nobody may learn who obtained the tender documents or bid, nor how many
    did. An event about obtaining documents or bidding is therefore written with no actor, no
    address and no tender; this row holds them, and the event's payload holds this row's digest
    (salted, so it cannot be recomputed from the few organisations that could have acted).
    Only supervisors read it, through a use case that logs each read; the admin never shows it.
    """

    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, related_name="sealed_identity", verbose_name=_("event")
    )
    tender_id = models.CharField(_("tender"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    # The payload's identifying part: organisation, USCC, certificate, upload address …
    fields = models.JSONField(_("identifying fields"), default=dict, blank=True)
    salt = models.CharField(_("salt"), max_length=64)

    objects = SealedIdentityQuerySet.as_manager()

    class Meta:
        verbose_name = _("sealed identity")
        verbose_name_plural = _("sealed identities")

    def __str__(self) -> str:
        return f"sealed identity of event {self.event_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("sealed identities cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("sealed identities cannot be deleted")


class EventChainHead(models.Model):
    """The single row that serialises appends and remembers the chain's last link.

    Appenders lock this row (SELECT … FOR UPDATE) so that two transactions never link to the same
    previous event; its sequence and digest also reveal rows removed from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.BigIntegerField(default=0)
    last_digest = models.CharField(max_length=64, default=GENESIS_DIGEST)

    class Meta:
        verbose_name = _("event chain head")
        verbose_name_plural = _("event chain head")

    def __str__(self) -> str:
        return f"head at sequence {self.last_sequence}"


class ChronographTick(models.Model):
    """The chronograph's last run, so that anyone can see the clock that moves tenders is alive."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_tick_at = models.DateTimeField(_("last tick at"))
    transitions_made = models.PositiveIntegerField(_("transitions made"), default=0)
    ticks = models.PositiveBigIntegerField(_("ticks"), default=0)

    class Meta:
        verbose_name = _("chronograph tick")
        verbose_name_plural = _("chronograph ticks")

    def __str__(self) -> str:
        return f"tick {self.ticks} at {self.last_tick_at:%Y-%m-%d %H:%M:%S}"


class EventCheckpointQuerySet(EventQuerySet):
    """Checkpoints and stored tree nodes are appended by `checkpoint_create` and never changed."""


class EventCheckpoint(models.Model):
    """The Merkle tree root over events 1…`tree_size`, signed by the platform and timestamped
    (RFC 9162 style; docs/event-log.md).

    It names the checkpoint before it (size and root) and holds the consistency proof from it,
    so checkpoints form one chain whose every link anyone can check; `frontier` is the tree's
    right edge, from which the next checkpoint hashes only the events appended since.
    """

    tree_size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.CharField(_("root hash"), max_length=64)
    # Unique: two checkpoints can never follow the same one (the checkpoints cannot fork).
    previous_tree_size = models.BigIntegerField(_("previous tree size"), unique=True)
    previous_root_hash = models.CharField(_("previous root hash"), max_length=64)
    # The digest of event `tree_size`: the chain's head when the checkpoint was made.
    chain_digest = models.CharField(_("chain digest"), max_length=64)
    consistency_proof = models.JSONField(_("consistency proof"), default=list)
    frontier = models.JSONField(_("frontier"), default=list)
    created_at = models.DateTimeField(_("created at"))
    signature = models.BinaryField(_("platform signature"))
    timestamp_token = models.BinaryField(_("timestamp token"))

    objects = EventCheckpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("event log checkpoint")
        verbose_name_plural = _("event log checkpoints")
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"checkpoint of {self.tree_size} events"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("checkpoints cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("checkpoints cannot be deleted")


class EventTreeNodeQuerySet(EventCheckpointQuerySet):
    def bulk_create(self, *args, **kwargs):
        # A checkpoint completes many subtrees at once; none is changed afterwards.
        return models.QuerySet.bulk_create(self, *args, **kwargs)


class EventTreeNode(models.Model):
    """The hash of a complete subtree of 2**level events, leaves index·2**level onwards.

    Kept for subtrees of 256 events and more (monitoring/tree.py), written by the checkpoint
    that completes them: a proof then reads a few of these and at most a few hundred event
    digests, however long the log. Not trusted: a proof made from a changed node does not
    lead to the signed root, and the platform checks each proof before handing it out.
    """

    level = models.PositiveSmallIntegerField(_("level"))
    index = models.BigIntegerField(_("index"))
    hash = models.CharField(_("hash"), max_length=64)

    objects = EventTreeNodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("event tree node")
        verbose_name_plural = _("event tree nodes")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="event_tree_node_unique")
        ]

    def __str__(self) -> str:
        return f"tree node {self.level}/{self.index}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("tree nodes cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("tree nodes cannot be deleted")


class AlertSeverity(models.TextChoices):
    # 预警 / 黄牌 / 红牌 (DESIGN glossary)
    NOTICE = "notice", _("Alert")
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


# A severity only ever rises: a yellow card turns red, never back.
SEVERITY_RANK = {AlertSeverity.NOTICE: 0, AlertSeverity.YELLOW: 1, AlertSeverity.RED: 2}


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Alert(ConcurrentTransitionMixin, models.Model):
    """Something a supervisor must look at, with the evidence that raised it.

    open → acknowledged → resolved (with a note), each step a supervisor's, each one event. An
    alert raised by a rule carries the rule's code (`kind`), its legal source and a breach key:
    one breach is one alert, however often the rule runs (a unique constraint holds it). A
    yellow card that turns red is escalated in place and opened again. Which rules exist and
    when they apply is supervision's (supervision/rules/): this layer only stores.
    """

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=AlertSeverity.choices)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    tender_id = models.CharField(_("tender"), max_length=64, blank=True, db_index=True)
    message = models.TextField(_("message"))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=AlertState.choices,
        default=AlertState.OPEN,
        protected=True,
        db_index=True,
    )
    # The legal source of the rule that raised it (招标投标法 第四十六条 …), empty for others.
    rule_source = models.CharField(_("legal source"), max_length=200, blank=True)
    # What the breach is, for the rule that found it: the same breach is never raised twice.
    breach_key = models.CharField(_("breach"), max_length=200, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("resolution note"), blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "breach_key"],
                condition=~models.Q(breach_key=""),
                name="alert_one_per_breach",
            )
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.kind} on {self.object_type} {self.object_id}"

    # Transitions change memory only; monitoring.transitions.apply_transition locks, saves, logs.

    @transition(field=state, source=AlertState.OPEN, target=AlertState.ACKNOWLEDGED)
    def acknowledge(self, user: object, at: datetime) -> None:
        self.acknowledged_by, self.acknowledged_at = user, at

    @transition(field=state, source=AlertState.ACKNOWLEDGED, target=AlertState.RESOLVED)
    def resolve(self, user: object, at: datetime, note: str) -> None:
        self.resolved_by, self.resolved_at, self.note = user, at, note

    @transition(
        field=state,
        source=[AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.RESOLVED],
        target=AlertState.OPEN,
    )
    def escalate(self, severity: str, message: str, evidence: dict, at: datetime) -> None:
        """A worse breach of the same rule on the same object (a yellow card now overdue):
        the alert takes the new severity and is open again, whoever had closed it."""
        self.severity, self.message, self.evidence, self.escalated_at = (
            severity,
            message,
            evidence,
            at,
        )
