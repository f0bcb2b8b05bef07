"""A supervisor acknowledges an alert, then resolves it with a note: one event each; a step the
alert's state forbids is refused and changes nothing; only supervisors act."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.acting import Acting
from accounts.models import Role
from config.errors import Refusal
from monitoring.alerts import alert_raise
from monitoring.models import Alert, AlertState, Event
from monitoring.transitions import TransitionRefused
from supervision.rules.lifecycle import alert_acknowledge, alert_resolve
from tests.factories import MembershipFactory
from tests.supervision.console_stories import supervisor


@pytest.fixture
def alert():
    with transaction.atomic():
        return alert_raise(
            kind="contract_signing",
            severity="yellow",
            object_type="trading.tender",
            object_id="t-1",
            tender_id="t-1",
            message="The contract is due tomorrow.",
            rule_source="招标投标法 第四十六条",
            breach_key="trading.tender:t-1",
        )


def events(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action))


@pytest.mark.django_db
def test_a_supervisor_acknowledges_then_resolves_an_alert_with_a_note(alert):
    acting = supervisor()

    acknowledged = alert_acknowledge(acting=acting, alert_id=alert.pk)
    resolved = alert_resolve(
        acting=acting, alert_id=alert.pk, note="  招标人已说明：合同于次日签订。 "
    )

    assert (acknowledged.state, acknowledged.acknowledged_by) == (
        AlertState.ACKNOWLEDGED,
        acting.user,
    )
    stored = Alert.objects.get(pk=alert.pk)
    assert (stored.state, stored.resolved_by, stored.note) == (
        AlertState.RESOLVED,
        acting.user,
        "招标人已说明：合同于次日签订。",
    )
    assert resolved.resolved_at is not None
    [ack] = events("alert.acknowledged")
    [res] = events("alert.resolved")
    assert (ack.actor, ack.role, ack.client_ip, ack.from_state, ack.to_state) == (
        acting.user,
        "supervisor",
        "10.9.0.1",
        "open",
        "acknowledged",
    )
    assert (res.from_state, res.to_state, res.payload["note"]) == (
        "acknowledged",
        "resolved",
        "招标人已说明：合同于次日签订。",
    )


@pytest.mark.django_db
def test_acknowledging_twice_is_refused_and_writes_nothing(alert):
    acting = supervisor()
    alert_acknowledge(acting=acting, alert_id=alert.pk)
    with pytest.raises(TransitionRefused, match="is Acknowledged: only an alert that is Open"):
        alert_acknowledge(acting=acting, alert_id=alert.pk)
    assert len(events("alert.acknowledged")) == 1


@pytest.mark.django_db
def test_an_open_alert_cannot_be_resolved_before_it_is_acknowledged(alert):
    with pytest.raises(TransitionRefused) as refused:
        alert_resolve(acting=supervisor(), alert_id=alert.pk, note="done")
    assert refused.value.status == 409
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN
    assert events("alert.resolved") == []


@pytest.mark.django_db
def test_a_resolved_alert_is_neither_acknowledged_nor_resolved_again(alert):
    acting = supervisor()
    alert_acknowledge(acting=acting, alert_id=alert.pk)
    alert_resolve(acting=acting, alert_id=alert.pk, note="done")
    with pytest.raises(TransitionRefused, match="is Resolved"):
        alert_acknowledge(acting=acting, alert_id=alert.pk)
    with pytest.raises(TransitionRefused, match="is Resolved"):
        alert_resolve(acting=acting, alert_id=alert.pk, note="again")
    assert Alert.objects.get(pk=alert.pk).note == "done"


@pytest.mark.django_db
@pytest.mark.parametrize("note", ["", "   ", "a\x00b", "字" * 2001])
def test_resolving_without_a_usable_note_is_refused(alert, note):
    acting = supervisor()
    alert_acknowledge(acting=acting, alert_id=alert.pk)
    with pytest.raises(Refusal) as refused:
        alert_resolve(acting=acting, alert_id=alert.pk, note=note)
    assert (refused.value.field, refused.value.status) == ("note", 400)
    assert Alert.objects.get(pk=alert.pk).state == AlertState.ACKNOWLEDGED


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.TENDEREE, Role.BIDDER, Role.EXPERT, Role.OPERATOR])
def test_only_a_supervisor_acknowledges_or_resolves(alert, role):
    organisation = {} if role in (Role.TENDEREE, Role.BIDDER) else {"organisation": None}
    acting = Acting(user=MembershipFactory(role=role, **organisation).user)
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        alert_acknowledge(acting=acting, alert_id=alert.pk)
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        alert_resolve(acting=acting, alert_id=alert.pk, note="x")
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


@pytest.mark.django_db
def test_an_alert_that_does_not_exist_is_not_found():
    with pytest.raises(Refusal) as refused:
        alert_acknowledge(acting=supervisor(), alert_id=987654)
    assert (refused.value.code, refused.value.status) == ("alert_not_found", 404)
