"""The rule registry as data, and a misconfigured rule stopping start-up with the rule named."""

import datetime as dt
import json

import pytest

from supervision.rules.engine import FINDERS
from supervision.rules.registry import RULES, Family, RuleMisconfigured, configured_rules
from tests.config.test_startup import manage


def test_every_rule_has_a_code_a_source_a_severity_policy_and_a_finder():
    rules = configured_rules({})
    assert [rule.code for rule in rules] == [
        "publicity_start",
        "contract_signing",
        "bid_security_refund",
        "objection_answer",
        "evaluation_overtime",
        "minimum_bids",
        "panel_composition",
        "schedule",
        "expert_score_deviation",
        "expert_repeat_tenderee",
    ]
    assert set(FINDERS) == {rule.code for rule in RULES}
    sources = {rule.code: rule.source for rule in rules}
    assert sources["contract_signing"] == "招标投标法 第四十六条; 政府采购法 第四十六条"
    assert sources["publicity_start"] == "招标投标法实施条例 第五十四条"
    assert sources["evaluation_overtime"] == "招标投标法实施条例 第四十八条"
    assert all(rule.source for rule in rules)
    assert {rule.code for rule in rules if rule.family == Family.TIMELINESS} == {
        rule.code for rule in rules if rule.yellow_before_hours == 24
    }


def test_an_override_changes_the_rule_it_names_and_no_other():
    rules = {
        rule.code: rule
        for rule in configured_rules(
            {
                "contract_signing": {
                    "yellow_before_hours": 72,
                    "valid_from": "2026-01-01",
                    "valid_until": "2026-12-31",
                },
                "expert_repeat_tenderee": {"minimum_panels": 5, "severity": "red"},
                "bid_security_refund": {"enabled": False},
            }
        )
    }
    contract = rules["contract_signing"]
    assert (contract.yellow_before_hours, contract.valid_from, contract.valid_until) == (
        72,
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert dict(rules["expert_repeat_tenderee"].parameters) == {
        "minimum_panels": 5,
        "window_days": 365,
    }
    assert rules["expert_repeat_tenderee"].severity == "red"
    assert rules["bid_security_refund"].enabled is False
    assert rules["publicity_start"].yellow_before_hours == 24


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"contract_signin": {}},
            "SUPERVISION_ALERT_RULES names the unknown rule 'contract_signin'",
        ),
        (
            {"contract_signing": {"valid_from": "2027-01-01", "valid_until": "2026-01-01"}},
            "alert rule 'contract_signing': valid_from 2027-01-01 is after valid_until 2026-01-01",
        ),
        (
            {"contract_signing": {"valid_from": "1 March"}},
            "rule 'contract_signing': valid_from='1 March' is not an ISO date",
        ),
        (
            {"contract_signing": {"yellow_before_hours": -1}},
            "rule 'contract_signing': yellow_before_hours=-1 is outside",
        ),
        (
            {"contract_signing": {"yellow_before_hours": "24"}},
            "rule 'contract_signing': yellow_before_hours must be a whole number",
        ),
        (
            {"contract_signing": {"severity": "red"}},
            "rule 'contract_signing' has no setting severity",
        ),
        ({"schedule": {"severity": "purple"}}, "rule 'schedule': severity must be one of"),
        ({"schedule": {"enabled": "yes"}}, "rule 'schedule': enabled must be true or false"),
        (
            {"expert_score_deviation": {"deviation_share": 0}},
            "rule 'expert_score_deviation': deviation_share=0 is outside 0.01…1.0",
        ),
        (
            {"expert_repeat_tenderee": {"minimum_panels": 2.5}},
            "rule 'expert_repeat_tenderee': minimum_panels must be a whole number",
        ),
        ({"schedule": []}, "rule 'schedule': expected an object of settings"),
        ([], "SUPERVISION_ALERT_RULES must map rule codes to settings"),
    ],
)
def test_a_misconfigured_rule_is_refused_by_name(overrides, message):
    with pytest.raises(RuleMisconfigured) as refused:
        configured_rules(overrides)
    assert message in str(refused.value)


@pytest.mark.django_db
def test_start_up_refuses_a_misconfigured_rule_naming_it():
    result = manage(
        "check",
        SUPERVISION_ALERT_RULES=json.dumps(
            {"contract_signing": {"valid_from": "2027-01-01", "valid_until": "2026-01-01"}}
        ),
    )
    assert result.returncode != 0
    assert (
        "alert rule 'contract_signing': valid_from 2027-01-01 is after valid_until 2026-01-01"
    ) in result.stderr


@pytest.mark.django_db
def test_start_up_refuses_an_operators_network_that_is_not_one():
    result = manage("check", OPERATIONS_ALLOWED_NETWORKS="10.0.0.0/8,intranet")
    assert result.returncode != 0
    assert "OPERATIONS_ALLOWED_NETWORKS: 'intranet' is not a network" in result.stderr
