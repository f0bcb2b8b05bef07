"""The demo's evaluation (`make demo`): five demo experts (expert01…expert05) sit on the panel of
an opened tender, review and score its bids in the closed area, and each signs the report with
its demo certificate (var/demo-certificates/<user>.p12), as `bidtool report sign` does.

The panel is not drawn yet: evaluation/panel (the draw from the pool, with avoidance) is not on
main, so `demo_panel_seat` writes the panel's rows directly, as tests/evaluation/
test_end_to_end.py's `panel_of_five` does. It is the one place to switch to the draw service.
"""

import datetime as dt
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.db import transaction

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from evaluation.models import (
    EvaluationReport,
    Expert,
    ExpertTitle,
    Panel,
    PanelSeat,
    PanelState,
    SeatKind,
    SeatState,
)
from evaluation.report.services import report_sign
from evaluation.session.consolidation import consolidation_close, scoring_close
from evaluation.session.convene import session_convene, session_elect_leader
from evaluation.session.review import review_close, review_start, verdict_record
from evaluation.session.scores import score_record
from evaluation.session.selectors import session_seen
from monitoring.clock import database_now
from signing.cms import sign_detached
from signing.credentials import load_pkcs12
from trading.models import Tender
from trading.services import Acting

EXPERTS = ("expert01", "expert02", "expert03", "expert04", "expert05")
SPECIALTY = "A010101"  # 房屋建筑工程 in the demo classification
SESSION_HOURS = 8


def demo_member_acting(user: User) -> Acting:
    return Acting(user=user, client_ip="127.0.0.1", user_agent="demo closed area")


@transaction.atomic
def demo_panel_seat(*, tender: Tender, requested_by: User) -> list[User]:
    """The panel of five demo experts, every seat confirmed.

    HOOK(panel draw): until evaluation/panel's draw service is on main, the rows are written
    here as tests/evaluation/test_end_to_end.py writes them; then request the draw (a seed
    committed, five experts drawn with avoidance) and confirm each seat through its services.
    """
    now = database_now()
    users = list(User.objects.filter(username__in=EXPERTS).order_by("username"))
    panel = Panel.objects.create(
        tender=tender,
        requested_by=requested_by,
        requested_at=now,
        specialties=[{"specialty": SPECIALTY, "count": len(users)}],
        region=tender.project.region,
        size=len(users),
        seed_sha256="0" * 64,  # no draw was made: no seed to commit
    )
    for user in users:
        expert = Expert.objects.filter(user=user).first() or Expert.objects.create(
            user=user,
            specialties=[SPECIALTY],
            region=tender.project.region,
            employer_name="示范市建筑设计研究院",
            title=ExpertTitle.SENIOR,
            created_at=now,
        )
        PanelSeat.objects.create(
            panel=panel, kind=SeatKind.EXPERT, expert=expert, user=user, specialty=SPECIALTY
        )
    PanelSeat.objects.filter(panel=panel).update(state=SeatState.CONFIRMED, decided_at=now)
    Panel.objects.filter(pk=panel.pk).update(state=PanelState.COMPLETE)
    return users


def demo_evaluate(
    *,
    tender: Tender,
    host: Acting,
    members: list[User],
    technical_points: dict[str, tuple[int, int]],
) -> EvaluationReport:
    """The closed evaluation of an opened tender: convened by the tenderee, the first member
    elected leader, both reviews passed by every member, each bid scored (`technical_points`:
    by bidder USCC, the points of the two scored criteria), scoring and consolidation closed,
    and the report signed by every member with its demo certificate."""
    now = database_now()
    session_convene(
        acting=host,
        tender_id=tender.pk,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=SESSION_HOURS),
    )
    actings = [demo_member_acting(user) for user in members]
    leader = actings[0]
    seat = session_seen(acting=leader, tender_id=tender.pk)["seat"]
    session_elect_leader(acting=actings[-1], tender_id=tender.pk, leader_seat_id=seat)
    review_start(acting=leader, tender_id=tender.pk)
    for _stage in ("qualification", "responsiveness"):
        seen = session_seen(acting=leader, tender_id=tender.pk)
        for acting in actings:
            for bid in seen["bids"]:
                for criterion in seen["criteria"]:
                    verdict_record(
                        acting=acting,
                        tender_id=tender.pk,
                        bid_id=bid["bid"],
                        criterion=criterion["code"],
                        passed=True,
                    )
        review_close(acting=leader, tender_id=tender.pk)
    seen = session_seen(acting=leader, tender_id=tender.pk)
    bidders = dict(tender.bids.values_list("pk", "bidder__uscc"))
    for number, acting in enumerate(actings):
        for bid in seen["bids"]:
            points = technical_points[bidders[UUID(bid["bid"])]]
            for criterion, given in zip(seen["criteria"], points, strict=True):
                # Members differ by a point or so, as a panel does; never an outlier.
                score_record(
                    acting=acting,
                    tender_id=tender.pk,
                    bid_id=bid["bid"],
                    criterion=criterion["code"],
                    points=str(max(0, given - number % 2)),
                )
    scoring_close(acting=leader, tender_id=tender.pk)
    consolidation_close(acting=leader, tender_id=tender.pk)
    report = EvaluationReport.objects.get(session__tender=tender)
    for user, acting in zip(members, actings, strict=True):
        path = Path(settings.VAR_DIR) / "demo-certificates" / f"{user.get_username()}.p12"
        credential = load_pkcs12(path.read_bytes(), DEMO_PASSWORD.encode())
        report_sign(
            acting=acting,
            tender_id=tender.pk,
            signature=sign_detached(bytes(report.document), credential=credential),
        )
    report.refresh_from_db()
    return report
