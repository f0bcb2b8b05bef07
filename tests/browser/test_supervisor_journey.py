"""The supervision desk in Chromium: a tender is published, a bidder objects to its documents
and files a complaint, the tenderee leaves the objection unanswered past its due date, and the
alert rules (run as beat runs them, with the clock past that date) raise an alert. The
supervisor opens the console, the tender's timeline, the alerts, acknowledges the alert from
the page, then reads the statistics and the complaints."""

import datetime as dt

import pytest

from accounts.models import Role
from monitoring.clock import database_now
from monitoring.models import Alert, AlertState, Event
from supervision.complaints.services import complaint_file
from supervision.rules.engine import rules_evaluate
from tests.browser.people import PASSWORD, person_with_password
from tests.supervision.complaint_stories import clock_at, objection_to_documents, published_tender

pytestmark = pytest.mark.browser


def test_a_supervisor_sees_a_timeline_and_acknowledges_an_alert(camera, settings):
    story = published_tender()
    objection_to_documents(story)
    complaint = complaint_file(
        acting=story.bidder,
        tender_id=story.tender.pk,
        matter="other",
        text="招标人要求投标人提供与项目无关的证明材料",
        known_at=database_now() - dt.timedelta(hours=2),
    )
    # The tenderee answers an objection within 3 days (条例 第二十二条); ten days on, it has not.
    with clock_at(settings, database_now() + dt.timedelta(days=10)):
        rules_evaluate()
    alert = Alert.objects.get(kind="objection_answer", tender_id=str(story.tender.pk))
    assert alert.state == AlertState.OPEN
    user = person_with_password(
        username="jiandu", full_name="监督员 王明", role=Role.SUPERVISOR, organisation=None
    )

    supervisor = camera.person("supervisor")
    camera.log_in(supervisor, user.username, PASSWORD)
    supervisor.goto("/supervision/")
    assert story.tender.title in supervisor.page.inner_text("table.tenders")
    camera.shoot(supervisor, "console")

    supervisor.page.click(f"a[href='/supervision/tenders/{story.tender.pk}/']")
    supervisor.page.wait_for_load_state()
    camera.shoot(supervisor, "timeline")

    supervisor.goto("/supervision/alerts/")
    row = supervisor.page.locator(f"#alert-{alert.pk}")
    camera.shoot(supervisor, "alerts")
    row.locator("form[action$='/acknowledge'] button[type=submit]").click()
    supervisor.page.wait_for_load_state()
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, user)
    assert Event.objects.filter(action="alert.acknowledged", object_id=str(alert.pk)).count() == 1
    supervisor.goto("/supervision/alerts/?state=acknowledged")
    camera.shoot(supervisor, "alert-acknowledged")

    supervisor.goto("/supervision/statistics/")
    camera.shoot(supervisor, "statistics")
    supervisor.goto("/complaints/")
    assert supervisor.page.locator(f"a[href='/complaints/{complaint.pk}/']").count() == 1
    camera.shoot(supervisor, "complaints")
    supervisor.page.click(f"a[href='/complaints/{complaint.pk}/']")
    supervisor.page.wait_for_load_state()
    camera.shoot(supervisor, "complaint")
