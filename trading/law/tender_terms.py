"""Checks of a tender's terms that are not about time (those are in schedule.py and
periods.py): prices, the scoring scheme, the opening committee. Each problem names its field;
all are reported at once."""

import uuid
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from trading.law.checks import check_bid_security
from trading.law.regimes import policy_for
from trading.law.rules import BID_SECURITY_MAXIMUM, MINIMUM_BIDS
from trading.models import Category, EvaluationMethod, Method

PRICE_FORMULAS = {"lowest_price_benchmark", "mean_benchmark"}
# Bounds of the input, not of the law: what the columns hold (bigint, smallint), and minutes
# within a year, so that no time computed from them leaves the calendar.
MAX_FEN = 2**63 - 1
MAX_MINUTES = 366 * 24 * 60
MAX_SMALL = 32767


def _whole(value: Any, low: int | Fraction, high: int) -> bool:
    """A whole number (not a bool) in low..high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_terms(terms: dict[str, Any], *, regime: str) -> dict[str, str]:
    """Return {field: problem} for every term that is wrong; empty when all are right."""
    problems: dict[str, str] = {}
    title = terms.get("title")
    if "title" in terms and (not isinstance(title, str) or not title.strip() or len(title) > 200):
        problems["title"] = _("a title of 1 to 200 characters is required")
    for field, choices in (
        ("category", Category),
        ("method", Method),
        ("evaluation_method", EvaluationMethod),
    ):
        if terms.get(field) not in choices.values:
            problems[field] = _("must be one of %(values)s") % {"values": ", ".join(choices.values)}
    if not _whole(terms.get("ceiling_price_fen"), 1, MAX_FEN):
        problems["ceiling_price_fen"] = _("must be a whole number of fen greater than 0")
    if not _whole(terms.get("bid_security_fen", 0), 0, MAX_FEN):
        problems["bid_security_fen"] = _("must be a whole number of fen, 0 or more")
    problems.update(
        _check_estimated_price(terms, regime=regime, security=terms.get("bid_security_fen", 0))
    )
    if not _whole(terms.get("decryption_window_minutes", 60), 1, MAX_MINUTES):
        problems["decryption_window_minutes"] = _(
            "must be a whole number of minutes greater than 0, within a year"
        )
    if not _whole(terms.get("sign_in_opens_minutes_before", 30), 0, MAX_MINUTES):
        problems["sign_in_opens_minutes_before"] = _(
            "must be a whole number of minutes, 0 or more, within a year"
        )
    requirements = terms.get("qualification_requirements", "")
    if not isinstance(requirements, str):
        problems["qualification_requirements"] = _("must be text")
    # The law's minimum number of bids; a tender may ask for more, never fewer.
    rule = policy_for(regime).rule(MINIMUM_BIDS)
    minimum = terms.get("minimum_valid_bids", rule.number)
    if not _whole(minimum, rule.number, MAX_SMALL):
        problems["minimum_valid_bids"] = _("must be at least %(number)s (%(source)s)") % {
            "number": rule.number,
            "source": rule.source,
        }
    scheme, committee = terms.get("scoring_scheme") or {}, terms.get("opening_committee") or {}
    if not isinstance(scheme, dict):
        problems["scoring_scheme"] = _("must be an object with criteria and a price formula")
    elif terms.get("evaluation_method") == EvaluationMethod.COMPREHENSIVE_SCORING:
        problems.update(check_scoring_scheme(scheme))
    if not isinstance(committee, dict):
        problems["opening_committee"] = _("must be an object with members and a threshold")
    else:
        problems.update(check_opening_committee(committee))
    files = terms.get("required_files", [])
    if not isinstance(files, list) or not all(isinstance(item, str) and item for item in files):
        problems["required_files"] = _("must be a list of file names")
    return problems


def _check_estimated_price(terms: dict[str, Any], *, regime: str, security: Any) -> dict[str, str]:
    """The estimated price (估算价) or budget (预算金额), and the bid security measured on it:
    at most 2% (招标投标法实施条例 第二十六条; 政府采购法实施条例 第三十三条)."""
    estimate = terms.get("estimated_price_fen")
    if estimate is not None and not _whole(estimate, 1, MAX_FEN):
        return {"estimated_price_fen": _("must be a whole number of fen greater than 0")}
    if not isinstance(security, int) or isinstance(security, bool) or security <= 0:
        return {}
    rule = policy_for(regime).rule(BID_SECURITY_MAXIMUM)
    if estimate is None:
        return {
            "estimated_price_fen": _(
                "is required when a bid security is asked: the security may not exceed "
                "%(number)s%% of it (%(source)s)"
            )
            % {"number": rule.number, "source": rule.source}
        }
    return {
        violation.field: violation.message
        for violation in check_bid_security(
            regime, security_fen=security, estimated_price_fen=estimate
        )
    }


def check_scoring_scheme(scheme: dict[str, Any]) -> dict[str, str]:
    criteria = scheme.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        return {"scoring_scheme": _("at least one criterion is required")}
    total: float = 0  # int or float, as the weights are
    for position, criterion in enumerate(criteria):
        where = f"scoring_scheme.criteria[{position}]"
        if not isinstance(criterion, dict) or not str(criterion.get("name", "")).strip():
            return {where: _("each criterion needs a name")}
        weight, low, high = (criterion.get(key) for key in ("weight", "minimum", "maximum"))
        if not (
            isinstance(weight, int | float)
            and isinstance(low, int | float)
            and isinstance(high, int | float)
        ):
            return {where: _("weight, minimum and maximum must be numbers")}
        if weight <= 0:
            return {
                where: _("the weight of %(name)s must be greater than 0")
                % {"name": criterion["name"]}
            }
        if low > high:
            return {
                where: _("the score range of %(name)s is upside down (%(low)s > %(high)s)")
                % {"name": criterion["name"], "low": low, "high": high}
            }
        total += weight
    if total != 100:
        return {
            "scoring_scheme": _("the weights must sum to 100, not %(total)s") % {"total": total}
        }
    price = scheme.get("price")
    formula = price.get("formula") if isinstance(price, dict) else None
    if formula not in PRICE_FORMULAS:
        return {
            "scoring_scheme.price.formula": _("must be one of %(formulas)s")
            % {"formulas": ", ".join(sorted(PRICE_FORMULAS))}
        }
    return {}


def check_opening_committee(committee: dict[str, Any]) -> dict[str, str]:
    if not committee:
        return {}
    members, threshold = committee.get("members"), committee.get("threshold")
    if not isinstance(members, list) or len(set(map(str, members))) != len(members or []):
        return {"opening_committee": _("members must be a list of distinct users")}
    for position, member in enumerate(members):
        if not _is_user_id(member):
            return {
                f"opening_committee.members[{position}]": _("%(member)s is not a user id")
                % {"member": str(member)[:60]}
            }
    known = {str(pk) for pk in User.objects.filter(pk__in=members).values_list("pk", flat=True)}
    for position, member in enumerate(members):
        if member not in known:
            return {
                f"opening_committee.members[{position}]": _("no user has the id %(member)s")
                % {"member": member}
            }
    if not _whole(threshold, 2, len(members)):
        return {
            "opening_committee": _("the threshold k must be between 2 and the %(count)d members")
            % {"count": len(members)}
        }
    return {}


def _is_user_id(value: Any) -> bool:
    """A user id as the platform writes it (a UUID in canonical form), compared as text later."""
    if not isinstance(value, str):
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
