"""Screen one tender's bids for collusion after its opening, and raise each new finding as a
sealed alert for supervisors (monitoring.alerts.alert_raise).

An alert naming bidders in a suspicion must not reach anyone but supervisors before the award:
its event is sealed (docs/event-log.md), so the log shows only that an alert of a kind was
raised; the Alert row, read by supervisors only, holds the bidders and the evidence.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Role
from accounts.selectors import user_has_role
from bids.models import Bid, OpeningSession, OpeningState
from config.errors import Refusal
from monitoring.alerts import alert_raise
from monitoring.models import Alert
from monitoring.services import PLATFORM
from supervision.collusion.findings import Finding
from supervision.collusion.gather import bid_evidence_of_tender, common_digests_of, screened_bids
from supervision.collusion.rules import RULES
from supervision.collusion.screens import screen_bids
from trading.models import Tender

# Prices are known from the price reading (唱标) on.
READ = (OpeningState.READING, OpeningState.FINALISED)
KIND_PREFIX = "collusion."


@dataclass(frozen=True)
class CollusionScreening:
    """What one run found, and which findings were new (raised as alerts)."""

    tender_id: str
    bids_screened: int
    findings: list[Finding]
    alerts_raised: list[Alert]


def _alert_evidence(finding: Finding, bids: list[Bid]) -> dict[str, Any]:
    bidders = {str(bid.bidder_id): bid.bidder for bid in bids}
    return {
        "rule": finding.rule,
        "source": finding.source,
        "bidders": [
            {"id": bidder, "name": bidders[bidder].name, "uscc": bidders[bidder].uscc}
            for bidder in finding.bidders
        ],
        "evidence": finding.evidence,
    }


def _checked_texts(texts: Mapping[str, str] | None, bids: list[Bid]) -> dict[str, str]:
    texts = {str(key): value for key, value in (texts or {}).items()}
    known = {str(bid.pk) for bid in bids}
    for key, value in texts.items():
        if key not in known:
            raise Refusal(
                "text_of_unknown_bid",
                _("Bid %(bid)s is not a screened bid of this tender: its text cannot be compared.")
                % {"bid": key},
                field="texts",
            )
        if not isinstance(value, str):
            raise Refusal(
                "text_invalid",
                _("The technical text of bid %(bid)s must be text.") % {"bid": key},
                field="texts",
            )
    return texts


def collusion_screen(
    *,
    tender_id: UUID,
    acting: Acting | None = None,
    texts: Mapping[str, str] | None = None,
) -> CollusionScreening:
    """Run every collusion screen on the tender's bids; raise an alert for each finding not
    already raised (same rule, same bidders), so a second run raises nothing new.

    `acting` is a supervisor, or None for the platform's own runs (at the opening, nightly).
    `texts` maps a bid id to the text of its technical documents, supplied by whoever can read
    them (the closed evaluation area): the platform keeps no plaintext.
    """
    if acting is not None and not user_has_role(user=acting.user, role=Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor screens a tender's bids for collusion."))
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        raise Refusal(
            "tender_not_found",
            _("Tender %(tender)s does not exist.") % {"tender": tender_id},
            status=404,
        )
    if not OpeningSession.objects.filter(tender=tender, state__in=READ).exists():
        raise Refusal(
            "prices_not_read",
            _(
                "The prices of tender %(tender)s have not been read at its opening yet: the "
                "collusion screens compare decrypted bids."
            )
            % {"tender": tender.pk},
            status=409,
        )
    bids = screened_bids(tender=tender)
    evidence = bid_evidence_of_tender(tender=tender, bids=bids, texts=_checked_texts(texts, bids))
    findings = screen_bids(evidence, common_digests=common_digests_of(tender=tender))
    actor = acting.as_actor(Role.SUPERVISOR) if acting is not None else PLATFORM
    raised = []
    with transaction.atomic():
        # One run at a time per tender, so that two runs never raise the same alert twice.
        list(Tender.objects.select_for_update().filter(pk=tender.pk).values_list("pk"))
        seen = {
            (alert.kind, tuple(sorted(bidder["id"] for bidder in alert.evidence["bidders"])))
            for alert in Alert.objects.filter(
                tender_id=str(tender.pk), kind__startswith=KIND_PREFIX
            )
        }
        for finding in findings:
            if finding.key in seen:
                continue
            raised.append(
                alert_raise(
                    kind=finding.rule,
                    severity=finding.severity,
                    object_type="trading.tender",
                    object_id=str(tender.pk),
                    tender_id=str(tender.pk),
                    message=_("%(title)s: %(count)d bidders (%(source)s)")
                    % {
                        "title": RULES[finding.rule].title,
                        "count": len(finding.bidders),
                        "source": finding.source,
                    },
                    evidence=_alert_evidence(finding, bids),
                    actor=actor,
                    sealed=True,
                )
            )
    return CollusionScreening(str(tender.pk), len(bids), findings, raised)
