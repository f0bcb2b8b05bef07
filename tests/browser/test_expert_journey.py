"""The closed evaluation in Chromium, as one expert lives it: its invitation confirmed from the
page; a certificate session opened from the room (127.0.0.1, inside the default room); the
closed area's lobby, the bids' files, one file read; the session page where it leads the panel,
records its verdicts and its scores through the forms and sees its running total; the report
signed with `bidtool report sign` over the document downloaded from the page, the signature
pasted into the signing form; and the signed report. The four other members act on the API with
their own certificate sessions, as in tests/evaluation/test_end_to_end.py."""

import base64
import datetime as dt

import pytest

from accounts.acting import Acting
from bidtool import cli as bidtool
from evaluation.models import EvaluationReport, ReportState, SeatState, SessionState
from evaluation.panel.seats import seat_confirm
from monitoring.clock import database_now
from signing.cms import sign_detached
from tests.browser.evaluation_cast import TECHNICAL, api_session, drawn_panel, opened, post, seen
from tests.browser.people import write_certificate

pytestmark = pytest.mark.browser


def certificate_session(person, credential) -> None:
    """bidtool's login exchange, made by the browser itself: its cookies hold the session."""
    request = person.context.request
    challenge = request.post("/api/v1/auth/challenge").json()
    signature = sign_detached(base64.b64decode(challenge["message"]), credential=credential)
    response = request.post(
        "/api/v1/auth/certificate-login",
        data={
            "challenge_id": challenge["challenge_id"],
            "signature": base64.b64encode(signature).decode(),
        },
    )
    assert response.status == 200, response.text()


def submit_every(page, action: str, fill) -> int:
    """Fill and save each form posting to `action`, one page load each; how many there were."""
    forms = page.locator(f"form[action$='/step/{action}']")
    count = forms.count()
    for index in range(count):
        form = forms.nth(index)
        fill(form)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".messages .error, .error").count() == 0, page.inner_text("main")
    return count


def test_an_expert_scores_the_bids_and_signs_the_report(
    camera, bid_settings, certificate_authority, settings, tmp_path, monkeypatch
):
    story = opened(certificate_authority, settings)
    tender_id = story.tender_id
    _panel, members = drawn_panel(story, certificate_authority)
    me, others = members[0], members[1:]
    for member in others:
        seat_confirm(acting=Acting(user=member.user, client_ip="10.1.0.9"), seat_id=member.seat.pk)
        api_session(member)

    expert = camera.person("expert")
    certificate_session(expert, me.credential)
    expert.goto("/evaluation/invitations/")
    camera.shoot(expert, "invitations")
    expert.page.click(f"form[action$='/{me.seat.pk}/confirm/'] button[type=submit]")
    expert.page.wait_for_load_state()
    me.seat.refresh_from_db()
    assert me.seat.state == SeatState.CONFIRMED
    camera.shoot(expert, "invitation-confirmed")

    now = database_now()
    post(
        story.host,
        tender_id,
        "convene",
        {"starts_at": now.isoformat(), "ends_at": (now + dt.timedelta(hours=8)).isoformat()},
    )
    post(others[0].client, tender_id, "leader", {"leader_seat_id": str(me.seat.pk)})

    expert.goto("/evaluation/room/")
    camera.shoot(expert, "room-lobby")
    expert.page.click(f"a[href='/evaluation/room/{tender_id}/']")
    expert.page.wait_for_load_state()
    camera.shoot(expert, "room-bids")
    link = expert.page.locator("a[href*='/files/0']").first
    read = expert.context.request.get(link.get_attribute("href"))
    assert (read.status, read.body()) == (200, TECHNICAL)

    session = f"/evaluation/{tender_id}/"
    expert.goto(session)
    camera.shoot(expert, "session-leader-elected")
    expert.page.click("form[action$='/step/review/start'] button")
    expert.page.wait_for_load_state()
    for stage in (SessionState.QUALIFICATION, SessionState.RESPONSIVENESS):
        state = seen(others[0].client, tender_id)
        assert state["state"] == stage
        for member in others:
            for bid in state["bids"]:
                for criterion in state["criteria"]:
                    post(
                        member.client,
                        tender_id,
                        "verdicts",
                        {"bid_id": bid["bid"], "criterion": criterion["code"], "passed": True},
                    )
        saved = submit_every(
            expert.page, "verdicts", lambda form: form.locator("input[value=true]").check()
        )
        assert saved == len(state["bids"]) * len(state["criteria"])
        camera.shoot(expert, f"session-{stage}")
        expert.page.click("form[action$='/step/review/close'] button")
        expert.page.wait_for_load_state()

    state = seen(others[0].client, tender_id)
    assert state["state"] == SessionState.SCORING
    points = {"c1": "32", "c2": "8.5"}
    for member in others:
        for bid in state["bids"]:
            for criterion in state["criteria"]:
                post(
                    member.client,
                    tender_id,
                    "scores",
                    {
                        "bid_id": bid["bid"],
                        "criterion": criterion["code"],
                        "points": points[criterion["code"]],
                    },
                )

    def score(form):
        criterion = form.locator("input[name=criterion]").get_attribute("value")
        form.locator("input[name=points]").fill(points[criterion])

    assert submit_every(expert.page, "scores", score) == len(state["bids"]) * 2
    totals = expert.page.locator("table.matrix tbody tr td:last-child").all_inner_texts()
    assert [total.strip() for total in totals] == ["40.50"] * len(state["bids"])
    camera.shoot(expert, "session-scored")
    expert.page.click("form[action$='/step/scoring/close'] button")
    expert.page.wait_for_load_state()
    camera.shoot(expert, "session-consolidation")
    expert.page.click("form[action$='/step/consolidation/close'] button")
    expert.page.wait_for_load_state()
    assert seen(others[0].client, tender_id)["state"] == SessionState.SIGNING
    camera.shoot(expert, "session-signing")

    # The document to sign, as the page offers it, signed where the certificate is.
    document = expert.context.request.get(f"/evaluation/{tender_id}/report.json")
    assert document.status == 200
    saved = tmp_path / "report.json"
    saved.write_bytes(document.body())
    certificate, password = write_certificate(me.credential, tmp_path, "expert")
    monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / "home"))
    arguments = ["report", "sign", "--cert", str(certificate), "--password-file", str(password)]
    assert bidtool.main([*arguments, "--out", str(tmp_path / "report.sig"), str(saved)]) == 0
    expert.page.fill("#signature", (tmp_path / "report.sig").read_text().strip())
    expert.page.click("form[action$='/step/report/sign'] button[type=submit]")
    expert.page.wait_for_load_state()
    report = EvaluationReport.objects.get(session__tender_id=tender_id)
    assert report.signatures.filter(seat=me.seat).count() == 1
    camera.shoot(expert, "session-signed")

    for member in others:
        signature = base64.b64encode(
            sign_detached(bytes(report.document), credential=member.credential)
        )
        post(
            member.client,
            tender_id,
            "report/sign",
            {"signature": signature.decode(), "agrees": True},
        )
    report.refresh_from_db()
    assert report.state == ReportState.SIGNED
    expert.goto(f"/evaluation/{tender_id}/report.html")
    text = expert.page.inner_text("body")
    assert all(f"{bidder.price_fen // 100:,}.00" in text for bidder in story.bidders), text
    camera.shoot(expert, "report")
