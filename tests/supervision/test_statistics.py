"""Statistics for supervisors and operations: the same figures on the page, in the CSV, in the
JSON API and in /metrics (guarded); nothing counted that is still secret."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from bids.models import OpeningOutcome, OpeningSession
from monitoring.alerts import alert_raise
from supervision.statistics.export import statistics_json
from supervision.statistics.selectors import platform_statistics
from tests.config.test_openapi import assert_matches
from tests.evaluation.stories import decrypted_bid, opened_tender
from tests.factories import OrganisationFactory
from tests.supervision.console_stories import (
    awarded_tender,
    published_tender,
    shanghai,
    supervisor,
)
from trading.models import Contract, Tender, TenderState


def platform_story() -> None:
    """Two openings (5 and 3 bidders, one failed), a published tender whose bids are secret,
    two awards (90% and 80% of the ceiling), one contract on time and one late, alerts."""
    five = opened_tender()
    three = opened_tender([10_000_000_00, 10_100_000_00, 10_200_000_00])
    OpeningSession.objects.filter(tender=five.tender).update(
        state="finalised", outcome=OpeningOutcome.OPENED
    )
    OpeningSession.objects.filter(tender=three.tender).update(
        state="finalised", outcome=OpeningOutcome.FAILED
    )
    Tender.objects.filter(pk=three.tender.pk).update(state=TenderState.FAILED)
    secret = published_tender(category="goods")
    OpeningSession.objects.create(tender=secret, created_at=shanghai("2026-03-02 09:00"))
    for number in range(4):
        decrypted_bid(secret, OrganisationFactory(), 1_000_00, number + 1)
    for ceiling, price, signed in (
        (10_000_000_00, 9_000_000_00, "2026-03-20 10:00"),
        (10_000_000_00, 8_000_000_00, "2026-04-05 10:00"),
    ):
        tender = awarded_tender(
            award_notice_at=shanghai("2026-03-02 10:00"),
            contract_due=shanghai("2026-04-02 00:00"),
            ceiling_price_fen=ceiling,
            category="services",
        )
        award = tender.award_decision
        type(award).objects.filter(pk=award.pk).update(price_fen=price)
        Contract.objects.create(
            tender=tender,
            supplier=award.winner,
            value_fen=price,
            signed_at=shanghai(signed),
            registered_by=award.decided_by,
            registered_at=shanghai(signed),
        )
        with transaction.atomic():
            alert_raise(
                kind="contract_signing",
                severity="red",
                object_type="trading.tender",
                object_id=str(tender.pk),
                tender_id=str(tender.pk),
                message="late",
            )


@pytest.mark.django_db
def test_the_figures_of_the_platform():
    platform_story()
    found = platform_statistics()

    by_state = {item.key: item.count for item in found.by_state}
    assert (by_state["opened"], by_state["failed"], by_state["published"]) == (1, 1, 1)
    assert by_state["awarded"] == 2 and found.tenders == 5
    assert {item.key: item.count for item in found.by_category} == {
        "works": 2,
        "goods": 1,
        "services": 2,
    }
    # The published tender's four bids are secret until its opening: not counted.
    assert (found.bidders.tenders, found.bidders.mean, found.bidders.median) == (
        2,
        Decimal("4.00"),
        Decimal("4.00"),
    )
    assert {item.key: item.count for item in found.bidders.histogram if item.count} == {
        "3": 1,
        "5": 1,
    }
    assert (found.award_ratio.awards, found.award_ratio.mean_percent) == (2, Decimal("85.00"))
    assert {item.key: item.count for item in found.award_ratio.histogram if item.count} == {
        "80-90": 1,
        "90-95": 1,
    }
    contracts = next(stage for stage in found.on_time if stage.stage == "contract_signing")
    assert (contracts.done, contracts.on_time, contracts.rate) == (2, 1, Decimal("0.5000"))
    assert contracts.source == "招标投标法 第四十六条; 政府采购法 第四十六条"
    assert (found.failed.openings, found.failed.failed, found.failed.rate) == (
        2,
        1,
        Decimal("0.5000"),
    )
    rule = next(item for item in found.alerts if item.kind == "contract_signing")
    assert (rule.open, rule.red, rule.total) == (2, 2, 2)


@pytest.mark.django_db
def test_the_figures_cost_the_same_queries_whatever_the_data(django_assert_num_queries):
    with django_assert_num_queries(12):
        platform_statistics()
    platform_story()
    with django_assert_num_queries(12):
        platform_statistics()


@pytest.mark.django_db
def test_the_csv_and_the_api_give_the_page_s_figures():
    platform_story()
    client = Client()
    client.force_login(supervisor().user)
    response = client.get("/supervision/statistics.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="statistics-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "sub_key", "value"]
    assert ["failed_tenders", "rate", "", "0.5000"] in rows
    assert ["award_to_ceiling_percent", "mean", "", "85.00"] in rows
    assert ["tenders_by_state_and_category", "awarded", "services", "2"] in rows
    body = client.get("/api/v1/supervision/statistics").json()
    expected = statistics_json(platform_statistics())
    assert {key: value for key, value in body.items() if key != "generated_at"} == {
        key: value for key, value in expected.items() if key != "generated_at"
    }
    assert_matches("/api/v1/supervision/statistics", "get", 200, body)


@pytest.mark.django_db
def test_metrics_answer_the_configured_networks_in_the_prometheus_format(settings):
    platform_story()
    client = Client(REMOTE_ADDR="127.0.0.1")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    assert "# TYPE platform_tenders gauge" in text
    assert 'platform_tenders{state="awarded",category="services"} 2' in text
    assert "platform_failed_tender_ratio 0.5000" in text
    assert 'platform_stage_on_time_ratio{stage="contract_signing"} 0.5000' in text
    assert 'platform_alerts{kind="contract_signing",state="open"} 2' in text


@pytest.mark.django_db
def test_metrics_do_not_exist_for_anyone_else_but_a_token_holder(settings):
    settings.OPERATIONS_ALLOWED_NETWORKS = ["10.8.0.0/16"]
    settings.OPERATIONS_TOKEN = "s3cret-metrics-token-of-operations"
    outsider = Client(REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/metrics").status_code == 404
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert (
        outsider.get(
            "/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token-of-operations"
        ).status_code
        == 200
    )
    assert Client(REMOTE_ADDR="10.8.3.4").get("/metrics").status_code == 200
    # A supervisor's session is no key to the operators' endpoint.
    logged_in = Client(REMOTE_ADDR="203.0.113.9")
    logged_in.force_login(supervisor().user)
    assert logged_in.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_healthz_tells_the_public_only_up_or_down_and_operators_each_part(settings, s3_server):
    settings.OPERATIONS_ALLOWED_NETWORKS = ["10.8.0.0/16"]
    public = Client(REMOTE_ADDR="203.0.113.9").get("/healthz")
    assert (public.status_code, public.json()) == (200, {"status": "ok"})
    operator = Client(REMOTE_ADDR="10.8.3.4").get("/healthz").json()
    assert {name: part["state"] for name, part in operator["parts"].items()} == {
        "database": "up",
        "broker": "up",
        "object_storage": "up",
    }
    assert "chronograph" in operator
