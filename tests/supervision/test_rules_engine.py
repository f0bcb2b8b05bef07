"""The rule run: one alert per breach however often it runs, even two runs at once; a failing
rule is named and the others still run; the Celery task and its place in beat."""

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection

from monitoring.models import Alert, Event
from supervision.rules import engine
from supervision.rules.engine import rules_evaluate
from supervision.tasks import alert_rules_evaluate
from tests.supervision.console_stories import (
    awarded_tender,
    clock_at,
    evaluating_tender,
    shanghai,
)


def overdue_stories() -> None:
    for _ in range(3):
        awarded_tender(
            award_notice_at=shanghai("2026-03-02 10:00"), contract_due=shanghai("2026-04-02 00:00")
        )
    evaluating_tender(ends_at=shanghai("2026-04-02 12:00"))


@pytest.mark.django_db
def test_running_the_rules_again_raises_nothing_and_writes_nothing(settings):
    overdue_stories()
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        first = rules_evaluate()
        events = Event.objects.count()
        second = rules_evaluate()
    assert (first.raised, first.escalated, first.failed_rules) == (4, 0, [])
    assert (second.raised, second.escalated, second.unchanged) == (0, 0, 0)
    assert Alert.objects.count() == 4
    assert Event.objects.count() == events
    assert sorted(Alert.objects.values_list("kind", flat=True)) == [
        "contract_signing",
        "contract_signing",
        "contract_signing",
        "evaluation_overtime",
    ]


@pytest.mark.django_db
def test_a_red_breach_is_not_read_again_but_a_yellow_one_is(settings):
    overdue_stories()
    with clock_at(settings, shanghai("2026-04-02 08:00")):
        first = rules_evaluate()
        second = rules_evaluate()
    # The contracts are red (read no more); the session is yellow (watched until it turns).
    assert (first.raised, second.unchanged, second.by_rule["evaluation_overtime"]) == (4, 1, 1)
    assert second.by_rule["contract_signing"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_raise_one_alert_per_breach(settings, monkeypatch):
    overdue_stories()
    barrier = threading.Barrier(2)
    results = []
    find_contracts = engine.FINDERS["contract_signing"]

    def found_by_both(rule, now):
        found = find_contracts(rule, now)
        barrier.wait(timeout=30)  # both runs have found the breaches before either writes
        return found

    def run():
        try:
            results.append(rules_evaluate())
        finally:
            connection.close()

    monkeypatch.setattr(engine, "FINDERS", {**engine.FINDERS, "contract_signing": found_by_both})
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert Alert.objects.filter(kind="contract_signing").count() == 3
    assert sum(result.raised for result in results) == 4
    assert Event.objects.filter(action="alert.raised").count() == 4


@pytest.mark.django_db
def test_a_failing_rule_is_named_and_the_others_run(settings, monkeypatch, caplog):
    overdue_stories()

    def broken(rule, now):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "FINDERS", {**engine.FINDERS, "contract_signing": broken})
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        result = rules_evaluate()
    assert result.failed_rules == ["contract_signing"]
    assert list(Alert.objects.values_list("kind", flat=True)) == ["evaluation_overtime"]
    assert "alert rule contract_signing failed" in caplog.text


@pytest.mark.django_db
def test_a_disabled_rule_does_not_run(settings):
    settings.SUPERVISION_ALERT_RULES = {"contract_signing": {"enabled": False}}
    overdue_stories()
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        result = rules_evaluate()
    assert "contract_signing" not in result.by_rule
    assert list(Alert.objects.values_list("kind", flat=True)) == ["evaluation_overtime"]


@pytest.mark.django_db
def test_the_task_runs_the_rules_and_beat_schedules_it(settings):
    overdue_stories()
    with clock_at(settings, shanghai("2026-04-03 09:00")):
        result = alert_rules_evaluate.apply().get()
    assert (result["raised"], result["failed_rules"]) == (4, [])
    entry = django_settings.CELERY_BEAT_SCHEDULE["alert-rules"]
    assert (entry["task"], entry["schedule"]) == ("supervision.tasks.alert_rules_evaluate", 300.0)
