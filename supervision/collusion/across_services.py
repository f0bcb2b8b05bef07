"""Run the screens across tenders over the history of awarded tenders, and raise each new
pattern as a sealed alert for supervisors, in a fixed number of queries however many tenders
(the history's two windowed reads, the organisations named, the lock and the alerts already
raised; then each new alert's own writes).

Sealed, although every tender behind a finding is awarded and its bidders and winner public:
the alert is a suspicion, not a verdict, and names organisations that may be bidding in
tenders still open; shown in the log it would accuse them in public and tell a ring it is
watched. Only supervisors read the Alert row and the sealed identity of its event.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Organisation, Role
from accounts.selectors import user_has_role
from monitoring.alerts import alert_raise
from monitoring.models import Alert
from monitoring.services import PLATFORM
from supervision.collusion import thresholds
from supervision.collusion.across import (
    AcrossFinding,
    AwardedTender,
    losing_to_same_winner,
    repeat_winners,
)
from supervision.collusion.history import awards_by_tenderee, losses_by_bidder, organisations_named
from supervision.collusion.rules import LOSING_TO_SAME_WINNER, REPEAT_WINNER, RULES

ACROSS_KINDS = (LOSING_TO_SAME_WINNER, REPEAT_WINNER)
# A pattern already raised is raised again only when as many tenders not cited by its earlier
# alerts make it again: a new series, not the same one growing by a tender each night.
NEW_TENDERS_MINIMUM = {
    LOSING_TO_SAME_WINNER: thresholds.LOSING_TO_SAME_WINNER_MINIMUM,
    REPEAT_WINNER: thresholds.REPEAT_WINS_MINIMUM,
}


@dataclass(frozen=True)
class AcrossScreening:
    """What one run across tenders found, and which findings were new (raised as alerts)."""

    findings: list[AcrossFinding]
    alerts_raised: list[Alert]


def _party(organisation: Organisation) -> dict[str, str]:
    return {"id": str(organisation.pk), "name": organisation.name, "uscc": organisation.uscc}


def _tender(tender: AwardedTender) -> dict[str, Any]:
    return {
        "tender": tender.tender_id,
        "title": tender.title,
        "project_code": tender.project_code,
        "decided_at": tender.decided_at.isoformat(),
        "winner": tender.winner_id,
        "award_price_fen": tender.price_fen,
        "bids": tender.bids,
    }


def _evidence(finding: AcrossFinding, named: dict[str, Organisation]) -> dict[str, Any]:
    winner = _party(named[finding.winner_id])
    subject = _party(named[finding.subject_id])
    evidence: dict[str, Any] = {"rule": finding.rule, "source": finding.source}
    if finding.rule == LOSING_TO_SAME_WINNER:
        # As the alerts of one tender: `bidders` names them; here the loser first.
        evidence |= {
            "bidders": [subject, winner],
            "loser": subject,
            "winner": winner,
            "losses_read": finding.considered,
            "thresholds": {
                "window": thresholds.LOSING_WINDOW,
                "minimum": thresholds.LOSING_TO_SAME_WINNER_MINIMUM,
                "chance_maximum": thresholds.ACROSS_CHANCE_MAXIMUM,
            },
        }
    else:
        evidence |= {
            "bidders": [winner],
            "tenderee": subject,
            "winner": winner,
            "awards_read": finding.considered,
            "share": round(len(finding.tenders) / finding.considered, 4),
            "thresholds": {
                "window": thresholds.TENDEREE_WINDOW,
                "minimum": thresholds.REPEAT_WINS_MINIMUM,
                "share_minimum": thresholds.REPEAT_SHARE_MINIMUM,
                "share_awards_minimum": thresholds.REPEAT_SHARE_AWARDS_MINIMUM,
                "chance_maximum": thresholds.ACROSS_CHANCE_MAXIMUM,
            },
        }
    return evidence | {
        "wins": len(finding.tenders),
        "chance": round(finding.chance, 6),
        "tenders": [_tender(tender) for tender in finding.tenders],
    }


def _message(finding: AcrossFinding, named: dict[str, Organisation]) -> str:
    values = {
        "title": RULES[finding.rule].title,
        "subject": named[finding.subject_id].name,
        "winner": named[finding.winner_id].name,
        "wins": len(finding.tenders),
        "read": finding.considered,
        "source": finding.source,
    }
    if finding.rule == LOSING_TO_SAME_WINNER:
        return (
            _(
                "%(title)s: %(subject)s lost %(wins)d of its last %(read)d losses to "
                "%(winner)s (%(source)s)"
            )
            % values
        )
    return (
        _(
            "%(title)s: %(winner)s won %(wins)d of the last %(read)d awarded tenders of "
            "%(subject)s (%(source)s)"
        )
        % values
    )


def _cited(alerts: list[Alert]) -> dict[tuple[str, str, str], set[str]]:
    """The tenders each pattern's earlier alerts cite, by (rule, subject, winner)."""
    cited: dict[tuple[str, str, str], set[str]] = {}
    for alert in alerts:
        evidence = alert.evidence
        subject = evidence.get("loser") or evidence.get("tenderee") or {}
        key = (alert.kind, subject.get("id", ""), evidence.get("winner", {}).get("id", ""))
        cited.setdefault(key, set()).update(
            tender["tender"] for tender in evidence.get("tenders", [])
        )
    return cited


def _is_new(finding: AcrossFinding, cited: dict[tuple[str, str, str], set[str]]) -> bool:
    if finding.key not in cited:
        return True
    fresh = [tender for tender in finding.tenders if tender.tender_id not in cited[finding.key]]
    return len(fresh) >= NEW_TENDERS_MINIMUM[finding.rule]


def collusion_screen_across(*, acting: Acting | None = None) -> AcrossScreening:
    """Run both screens across tenders; raise an alert for each pattern not already raised
    (the same rule, subject and winner, unless as many tenders not cited before make it
    again), so a second run raises nothing new.

    `acting` is a supervisor, or None for the platform's nightly run.
    """
    if acting is not None and not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor screens the tenders for collusion."))
    findings = [
        *losing_to_same_winner(losses_by_bidder(window=thresholds.LOSING_WINDOW)),
        *repeat_winners(awards_by_tenderee(window=thresholds.TENDEREE_WINDOW)),
    ]
    if not findings:
        return AcrossScreening([], [])
    named = organisations_named(
        party for finding in findings for party in (finding.subject_id, finding.winner_id)
    )
    actor = acting.as_actor(Role.SUPERVISOR) if acting is not None else PLATFORM
    raised = []
    with transaction.atomic():
        # One run at a time over the organisations concerned, so that two runs never raise the
        # same pattern twice (a lock on each subject, in a fixed order against deadlocks).
        subjects = sorted({finding.subject_id for finding in findings})
        list(
            Organisation.objects.select_for_update()
            .filter(pk__in=subjects)
            .order_by("pk")
            .values_list("pk")
        )
        cited = _cited(list(Alert.objects.filter(kind__in=ACROSS_KINDS, tender_id="")))
        for finding in findings:
            if not _is_new(finding, cited):
                continue
            raised.append(
                alert_raise(
                    kind=finding.rule,
                    severity=finding.severity,
                    object_type="accounts.organisation",
                    object_id=finding.subject_id,
                    message=_message(finding, named),
                    evidence=_evidence(finding, named),
                    actor=actor,
                    sealed=True,
                )
            )
            cited.setdefault(finding.key, set()).update(
                tender.tender_id for tender in finding.tenders
            )
    return AcrossScreening(findings, raised)
