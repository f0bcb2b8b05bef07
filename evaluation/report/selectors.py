"""Who may read the report: the members while they sign it (inside the closed area) and after;
the tenderee or agent once every member has signed; supervisors always, each read before the
report is signed being an event (the panel and the scores are secret until then)."""

from uuid import UUID

from accounts.acting import Acting
from accounts.models import Role
from accounts.selectors import user_has_role
from evaluation.errors import NotOnPanel
from evaluation.models import EvaluationReport, PanelSeat, ReportState, SeatState
from evaluation.room.access import room_enter
from monitoring.services import Sealed, record_event
from trading.selectors import user_manages_project


def report_for(*, acting: Acting, tender_id: UUID | str) -> EvaluationReport:
    report = (
        EvaluationReport.objects.select_related("session__tender__project")
        .filter(session__tender_id=tender_id)
        .first()
    )
    if report is None:
        raise NotOnPanel(message=f"no evaluation report of tender {tender_id}")
    signed = report.state == ReportState.SIGNED
    member = PanelSeat.objects.filter(
        panel_id=report.session.panel_id, user=acting.user, state=SeatState.CONFIRMED
    ).exists()
    if member:
        if not signed:
            room_enter(acting=acting, tender_id=report.session.tender_id, what="report")
        return report
    if signed and user_manages_project(user=acting.user, project=report.session.tender.project):
        return report
    if user_has_role(user=acting.user, role=Role.SUPERVISOR):
        if not signed:
            record_event(
                actor=acting.as_actor(role=Role.SUPERVISOR),
                action="evaluation.report_read",
                object_type="evaluation.evaluationreport",
                object_id=str(report.pk),
                payload={"state": report.state},
                sealed=Sealed(tender_id=str(report.session.tender_id), fields={}),
            )
        return report
    raise NotOnPanel(message=f"no evaluation report of tender {tender_id}")
