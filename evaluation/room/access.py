"""The gate of the closed evaluation area (封闭评标): who may enter, from where, and when.

Every page, API endpoint and service of the closed area calls `room_enter` (or, for the list of
one's sessions, `room_lobby_enter`) before it reads or changes anything. It admits a person
only when all of these hold:

* it holds a confirmed seat on the tender's panel (anyone else is told the evaluation does not
  exist: a 404, so that the panel's existence does not leak, 条例 第四十六条);
* its session was opened by certificate login, with a certificate bound to it and still valid;
* it comes from the evaluation room's networks (settings.EVALUATION_ROOM_NETWORKS), by the
  address `monitoring.services.client_ip_of` computes behind the trusted proxies;
* the session's window is open (starts_at ≤ database now < ends_at) and the session is not
  reported.

An admission is one event (`evaluation.viewed`, on the session, with what was viewed; who was
admitted is sealed, as the panel is secret until the result is published); a refusal
is one event (`evaluation.access_refused`) and one alert (`evaluation_room_access_refused`, its
evidence the event), written in their own transaction after the caller's checks rolled back,
so that nothing else changes. Anonymous callers never reach the gate (login is required first):
they cannot make it write to the event chain.
"""

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role, UserCertificate
from accounts.selectors import user_has_role
from config.errors import Refusal
from evaluation.models import EvaluationSession, PanelSeat, SeatState, SessionState
from monitoring.alerts import alert_raise
from monitoring.clock import database_now
from monitoring.models import AlertSeverity, Event
from monitoring.services import Sealed, record_event
from trading.models import Tender

# The rule a refused access raises, in the alert's `kind`.
ROOM_ALERT = "evaluation_room_access_refused"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RoomRefused(Refusal):
    """A refused access to the closed area; `severity` is that of the alert it raises."""

    code = "room_refused"
    status = 403

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        severity: str = AlertSeverity.YELLOW,
    ) -> None:
        super().__init__(code, message, status=status)
        self.severity = severity


def not_found() -> RoomRefused:
    """The one answer to whoever is not on the panel, whether the tender, its panel or its
    session exist or not."""
    return RoomRefused("not_found", _("There is no evaluation of this tender for you."), status=404)


@dataclass(frozen=True)
class RoomPass:
    """A person admitted to one session's closed area, at `at` (database time)."""

    acting: Acting
    session: EvaluationSession
    seat: PanelSeat
    tender: Tender
    at: datetime
    event: Event | None = None

    @property
    def role(self) -> str:
        # "expert" or "representative" (招标人代表): what the event names the person as.
        return str(self.seat.kind)


@dataclass(frozen=True)
class LobbyPass:
    """A person admitted to the list of its sessions, with its confirmed seats."""

    acting: Acting
    seats: list[PanelSeat] = field(default_factory=list)
    at: datetime | None = None
    event: Event | None = None


def room_networks() -> list[IPNetwork]:
    """The configured networks; config/settings.py refused a malformed list at start-up."""
    try:
        return [
            ipaddress.ip_network(network, strict=True)
            for network in settings.EVALUATION_ROOM_NETWORKS
        ]
    except ValueError as error:
        raise ImproperlyConfigured(f"EVALUATION_ROOM_NETWORKS: {error}") from None


def in_room_networks(address: str | None) -> bool:
    """Whether `address` (as client_ip_of gives it) lies in one of the room's networks."""
    if not address:
        return False
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [parsed]
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        candidates.append(parsed.ipv4_mapped)  # ::ffff:10.20.0.5 is 10.20.0.5
    return any(
        candidate in network
        for network in room_networks()
        for candidate in candidates
        if candidate.version == network.version
    )


def _require_certificate_session(acting: Acting, now: datetime) -> None:
    if not acting.certificate_sha256:
        raise RoomRefused(
            "certificate_session_required",
            _(
                "The closed evaluation area is entered only with a certificate login: log in "
                "with your certificate, not a password."
            ),
        )
    bound = UserCertificate.objects.filter(
        user=acting.user, certificate_sha256=acting.certificate_sha256
    ).first()
    if bound is None:
        raise RoomRefused(
            "certificate_not_bound",
            _("The certificate this session was opened with is not bound to you."),
        )
    if bound.not_after <= now:
        raise RoomRefused(
            "certificate_expired",
            _("The certificate this session was opened with expired on %(date)s.")
            % {"date": bound.not_after.date().isoformat()},
        )


def _require_room_network(acting: Acting) -> None:
    if not in_room_networks(acting.client_ip):
        raise RoomRefused(
            "outside_room_networks",
            _(
                "Your address %(address)s is outside the evaluation room's networks: the "
                "closed area is entered only from the evaluation room."
            )
            % {"address": acting.client_ip or _("(unknown)")},
            severity=AlertSeverity.RED,
        )


def _shown(moment: datetime) -> str:
    """A moment as people read it on the platform: Asia/Shanghai, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _require_open_window(session: EvaluationSession, now: datetime) -> None:
    if session.state == SessionState.REPORTED:
        raise RoomRefused(
            "session_reported",
            _("The evaluation was reported: the closed area is shut."),
            severity=AlertSeverity.NOTICE,
        )
    if now < session.starts_at:
        raise RoomRefused(
            "before_session_window",
            _("The evaluation session opens at %(start)s.") % {"start": _shown(session.starts_at)},
            severity=AlertSeverity.NOTICE,
        )
    if now >= session.ends_at:
        raise RoomRefused(
            "after_session_window",
            _("The evaluation session closed at %(end)s.") % {"end": _shown(session.ends_at)},
            severity=AlertSeverity.NOTICE,
        )


def _confirmed_seat(acting: Acting, tender_id: UUID) -> PanelSeat:
    """The person's confirmed seat on the tender's panel, with the panel's session and tender
    (one query), or the 404 that does not tell whether a panel exists."""
    seat = (
        PanelSeat.objects.select_related("panel__session", "panel__tender")
        .filter(panel__tender_id=tender_id, user=acting.user, state=SeatState.CONFIRMED)
        .first()
    )
    if seat is None:
        raise not_found()
    return seat


def _session_of(seat: PanelSeat) -> EvaluationSession:
    try:
        return seat.panel.session
    except EvaluationSession.DoesNotExist:
        # On the panel, so the panel's existence is no secret to this person.
        raise RoomRefused(
            "session_not_convened",
            _("The evaluation of this tender has not been convened yet."),
            severity=AlertSeverity.NOTICE,
        ) from None


def _record_refusal(
    refusal: RoomRefused,
    *,
    acting: Acting,
    what: str,
    detail: dict[str, Any],
    object_type: str,
    object_id: str,
    tender_id: UUID | None,
) -> None:
    """The refusal's event and alert, in their own transaction (the caller's rolled back)."""
    payload: dict[str, Any] = {
        "what": what,
        **detail,
        "code": refusal.code,
        "message": refusal.message,
    }
    if tender_id is not None and _bidder_before_deadline(acting, tender_id):
        _record_sealed_refusal(
            refusal, acting=acting, what=what, detail=detail, tender_id=tender_id
        )
        return
    if tender_id is not None:
        payload["tender"] = str(tender_id)
    with transaction.atomic():
        event = record_event(
            actor=acting.as_actor(),
            action="evaluation.access_refused",
            object_type=object_type,
            object_id=object_id,
            payload=payload,
        )
        alert_raise(
            kind=ROOM_ALERT,
            severity=refusal.severity,
            object_type=object_type,
            object_id=object_id,
            tender_id=str(tender_id or ""),
            message=_("%(user)s was refused entry to the closed evaluation area: %(reason)s")
            % {"user": acting.user.get_username(), "reason": refusal.message},
            evidence={
                "event_sequence": event.sequence,
                "event_digest": event.digest,
                "code": refusal.code,
                "what": what,
                "client_ip": acting.client_ip,
            },
            actor=acting.as_actor(),
        )


def _bidder_before_deadline(acting: Acting, tender_id: UUID) -> bool:
    if not user_has_role(user=acting.user, role=Role.BIDDER):
        return False
    deadline = Tender.objects.filter(pk=tender_id).values_list("bid_deadline", flat=True).first()
    return deadline is not None and database_now() < deadline


def _record_sealed_refusal(
    refusal: RoomRefused, *, acting: Acting, what: str, detail: dict[str, Any], tender_id: UUID
) -> None:
    """A bidder knocking on a tender's evaluation before the deadline is a bidder of it: who,
    which tender and what it asked for are sealed (办法 第二十一条), as the opening hall's
    refusals are (bids.opening.refusals); supervisors read them through a logged read."""
    fields = {**detail, "what": what, "message": refusal.message}
    with transaction.atomic():
        event = record_event(
            actor=acting.as_actor(),
            action="evaluation.access_refused",
            object_type="trading.tender",
            object_id="",
            payload={"code": refusal.code},
            sealed=Sealed(tender_id=str(tender_id), fields=fields),
        )
        alert_raise(
            kind=ROOM_ALERT,
            severity=refusal.severity,
            object_type="trading.tender",
            object_id="",
            tender_id=str(tender_id),
            message=_("A bidder was refused entry to the closed evaluation area: %(reason)s")
            % {"reason": refusal.message},
            evidence={
                "event_sequence": event.sequence,
                "event_digest": event.digest,
                "code": refusal.code,
            },
            actor=acting.as_actor(),
            sealed=True,
        )


def _require_person(acting: Acting) -> None:
    """Login comes first, and writes nothing: an anonymous caller never reaches the chain."""
    user = acting.user
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Log in first: only a logged-in user can do this."))


def room_enter(
    *,
    acting: Acting,
    tender_id: UUID,
    what: str,
    detail: dict[str, Any] | None = None,
    require: Callable[[RoomPass], None] | None = None,
) -> RoomPass:
    """Admit `acting` to the closed area of the tender's evaluation, to do `what` (the event's
    payload: "bid_list", "bid_file", "scoring", …, with `detail` such as the bid and file
    index, never any plaintext), or raise RoomRefused after recording the refusal.

    `require(room)`: the caller's own check of what is asked (the bid exists, its price
    envelope may be opened), run after the gate and before the admission is recorded; a
    RoomRefused it raises is recorded like the gate's own.

    Call it outside your own transaction: it commits the refusal's event and alert before it
    raises (inside a caller's transaction they would roll back with it).
    """
    _require_person(acting)
    detail = detail or {}
    session_id: UUID | None = None
    try:
        with transaction.atomic():
            now = database_now()
            seat = _confirmed_seat(acting, tender_id)
            session = _session_of(seat)
            session_id = session.pk
            _require_certificate_session(acting, now)
            _require_room_network(acting)
            _require_open_window(session, now)
            room = RoomPass(
                acting=acting, session=session, seat=seat, tender=seat.panel.tender, at=now
            )
            if require is not None:
                require(room)
            # Who sits on the panel stays secret until the result is published (条例 第四十六条):
            # the admission names the member only in its sealed identity.
            event = record_event(
                actor=acting.as_actor(role=room.role),
                action="evaluation.viewed",
                object_type="evaluation.session",
                object_id=str(session.pk),
                payload={"what": what, **detail},
                sealed=Sealed(tender_id=str(tender_id), fields={"seat": str(seat.pk)}),
            )
    except RoomRefused as refusal:
        # On the session once the person is known to sit on its panel; else on the tender.
        _record_refusal(
            refusal,
            acting=acting,
            what=what,
            detail=detail,
            object_type="evaluation.session" if session_id else "trading.tender",
            object_id=str(session_id or tender_id),
            tender_id=tender_id,
        )
        raise
    return replace(room, event=event)


def room_lobby_enter(*, acting: Acting) -> LobbyPass:
    """Admit `acting` to the list of its sessions: the same certificate and network rules as
    `room_enter` (the list names tenders), for whoever holds a confirmed seat; a person with
    none is told there is nothing for it (404)."""
    _require_person(acting)
    try:
        with transaction.atomic():
            now = database_now()
            seats = list(
                PanelSeat.objects.select_related("panel__session", "panel__tender")
                .filter(user=acting.user, state=SeatState.CONFIRMED, panel__session__isnull=False)
                .order_by("panel__session__starts_at")
            )
            if not seats:
                raise RoomRefused(
                    "not_found",
                    _("You hold no seat on an evaluation panel."),
                    status=404,
                    severity=AlertSeverity.NOTICE,
                )
            _require_certificate_session(acting, now)
            _require_room_network(acting)
            event = record_event(
                actor=acting.as_actor(role=str(seats[0].kind)),
                action="evaluation.lobby_viewed",
                object_type="accounts.user",
                object_id=str(acting.user.pk),
                payload={"what": "lobby", "sessions": len(seats)},
            )
    except RoomRefused as refusal:
        _record_refusal(
            refusal,
            acting=acting,
            what="lobby",
            detail={},
            object_type="accounts.user",
            object_id=str(acting.user.pk),
            tender_id=None,
        )
        raise
    return LobbyPass(acting=acting, seats=seats, at=now, event=event)
