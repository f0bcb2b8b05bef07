"""The demo's evaluation (`make demo`): five demo experts drawn from the pool sit on the panel of
an opened tender, review and score its bids in the closed area, and each signs the report with
its demo certificate (var/demo-certificates/<user>.p12), as `bidtool report sign` does.

The panel is drawn from the demo pool by the draw service, as a tenderee requests it.
"""

import datetime as dt
from pathlib import Path
from uuid import UUID

from django.conf import settings

from accounts.demo import DEMO_PASSWORD
from accounts.models import User, UserCertificate
from evaluation.demo import BUILDING, load_demo_pool
from evaluation.models import (
    EvaluationReport,
    PanelSeat,
    SeatState,
)
from evaluation.panel.request import panel_request
from evaluation.panel.seats import seat_confirm
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

SESSION_HOURS = 8


def demo_member_acting(user: User) -> Acting:
    """The member in the evaluation room (127.0.0.1), in a session opened with the demo
    certificate bound to it, as the closed area's gate requires."""
    certificate = UserCertificate.objects.filter(user=user).order_by("-bound_at").first()
    return Acting(
        user=user,
        client_ip="127.0.0.1",
        user_agent="demo closed area",
        certificate_sha256=certificate.certificate_sha256 if certificate else "",
    )


def demo_panel_seat(*, tender: Tender, requested_by: User) -> list[User]:
    """The panel of five drawn from the demo pool (evaluation/demo.py) as a tenderee requests it:
    a seed committed, five experts of 房屋建筑工程 drawn with avoidance, each confirming its
    seat. Returns the members, by user name."""
    load_demo_pool()
    panel = panel_request(
        acting=Acting(user=requested_by, client_ip="127.0.0.1"),
        tender_id=tender.pk,
        specialties=[{"specialty": BUILDING, "count": 5}],
        size=5,
    )
    for seat in PanelSeat.objects.filter(panel=panel, state=SeatState.DRAWN).select_related("user"):
        seat_confirm(acting=demo_member_acting(seat.user), seat_id=seat.pk)
    return [
        seat.user
        for seat in PanelSeat.objects.filter(panel=panel, state=SeatState.CONFIRMED)
        .select_related("user")
        .order_by("user__username")
    ]


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
