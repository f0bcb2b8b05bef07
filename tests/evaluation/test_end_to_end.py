"""The whole closed evaluation on real parts: five bids sealed, submitted and opened for real,
a panel of five experts holding certificates, a review, scores with one outlier flagged and
justified, one dissent, a report every member signs with its certificate (verified offline
as bidtool does), its candidates published, the award and the contract."""

import argparse
import base64
import datetime as dt
import io
import json

import pytest
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.test import Client

from accounts.acting import Acting
from accounts.services import certificate_bind
from bidtool.report import verify_signed_report
from evaluation.models import (
    BidEvaluation,
    EvaluationReport,
    Panel,
    PanelSeat,
    PanelState,
    Score,
    SeatState,
    SessionState,
)
from evaluation.panel.request import panel_request
from evaluation.panel.seats import seat_confirm, seat_decline
from evaluation.report.services import signed_report_json
from monitoring.clock import database_now
from monitoring.services import PLATFORM
from signing.cms import sign_detached
from tests.bids.conftest import certificate_login
from tests.bids.opening import build_opening
from tests.evaluation.factories import SPECIALTY, ExpertFactory
from tests.trading.test_award import end_publicity
from trading.models import Candidate, TenderState

# The draw commits its seed in a durable transaction of its own: the test runs outside one.
pytestmark = pytest.mark.django_db(transaction=True)

PRICES = [10_000_000_00, 10_300_000_00, 9_700_000_00, 10_600_000_00, 9_900_000_00]
# 技术方案 (0–40) and 商务 (0–10) per member and bid; member 3 gives bid index 1 an outlier.
TECHNICAL = [[32, 30, 35, 28, 33], [33, 31, 34, 29, 32], [31, 30, 36, 27, 33]]


def opened(certificate_authority, settings):
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = build_opening(certificate_authority, bidders=5, prices=PRICES)
    story.reach_deadline()
    story.host_post("start")
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted"] * 5
    assert story.host_post("finalise").json()["outcome"] == "opened"
    return story


def panel_of_five(story, certificate_authority):
    """Seven experts in the pool, each holding a certificate bound to it; the tenderee requests
    a panel of five; the first drawn declines and its replacement is drawn; all confirm."""
    experts = {}
    for index in range(7):
        expert = ExpertFactory()
        credential = certificate_authority.issue_person(
            name=f"评标专家{index}", person_id=f"11010819800101{index:04d}", key_type="ec-p256"
        )
        certificate_bind(user=expert.user, certificate=credential.certificate, actor=PLATFORM)
        experts[expert.user.pk] = (expert.user, credential)
    panel = panel_request(
        acting=Acting(user=story.host_user, client_ip="10.0.0.8"),
        tender_id=story.tender.pk,
        specialties=[{"specialty": SPECIALTY, "count": 5}],
        size=5,
    )
    first = PanelSeat.objects.filter(panel=panel).order_by("user__username").first()
    seat_decline(
        acting=Acting(user=first.user, client_ip="10.1.0.9"),
        seat_id=first.pk,
        reason="与投标人存在利害关系，申请回避",
    )
    for seat in PanelSeat.objects.filter(panel=panel, state=SeatState.DRAWN):
        seat_confirm(acting=Acting(user=seat.user, client_ip="10.1.0.9"), seat_id=seat.pk)
    assert Panel.objects.get(pk=panel.pk).state == PanelState.COMPLETE
    assert panel.draws.count() == 2  # the first draw and the replacement round
    members = []
    for seat in PanelSeat.objects.filter(panel=panel, state=SeatState.CONFIRMED).order_by(
        "user__username"
    ):
        user, credential = experts[seat.user_id]
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="127.0.0.1")
        certificate_login(client, credential)
        members.append((user, credential, client))
    return members


def post(client, tender_id, step, body=None):
    response = client.post(
        f"/api/v1/tenders/{tender_id}/evaluation/{step}",
        body or {},
        content_type="application/json",
    )
    assert response.status_code == 200, (step, response.json())
    return response.json()


def test_five_experts_evaluate_five_bids_and_their_signed_report_names_the_candidates(
    bid_settings, certificate_authority, settings
):
    story = opened(certificate_authority, settings)
    members = panel_of_five(story, certificate_authority)
    tender_id = story.tender_id
    now = database_now()
    post(
        story.host,
        tender_id,
        "convene",
        {"starts_at": now.isoformat(), "ends_at": (now + dt.timedelta(hours=8)).isoformat()},
    )
    leader = members[0][2]
    seen = leader.get(f"/api/v1/tenders/{tender_id}/evaluation").json()
    post(members[2][2], tender_id, "leader", {"leader_seat_id": seen["seat"]})
    post(leader, tender_id, "review/start")
    for stage in ("qualification", "responsiveness"):
        seen = leader.get(f"/api/v1/tenders/{tender_id}/evaluation").json()
        assert seen["state"] == stage
        for _user, _credential, client in members:
            for bid in seen["bids"]:
                for criterion in seen["criteria"]:
                    post(
                        client,
                        tender_id,
                        "verdicts",
                        {"bid_id": bid["bid"], "criterion": criterion["code"], "passed": True},
                    )
        post(leader, tender_id, "review/close")

    seen = leader.get(f"/api/v1/tenders/{tender_id}/evaluation").json()
    assert seen["state"] == SessionState.SCORING
    assert [item["code"] for item in seen["criteria"]] == ["c1", "c2"]
    bids = seen["bids"]
    for index, (_user, _credential, client) in enumerate(members):
        for position, bid in enumerate(bids):
            technical = TECHNICAL[index % 3][position]
            if index == 3 and position == 1:
                technical = 10  # the outlier
            for criterion, points in (("c1", technical), ("c2", 8)):
                post(
                    client,
                    tender_id,
                    "scores",
                    {"bid_id": bid["bid"], "criterion": criterion, "points": str(points)},
                )
    post(leader, tender_id, "scoring/close")
    flagged = Score.objects.filter(session__tender_id=tender_id, flagged=True)
    assert [(score.seat.user, score.criterion, score.points) for score in flagged] == [
        (members[3][0], "c1", 10)
    ]
    refused = members[0][2].post(
        f"/api/v1/tenders/{tender_id}/evaluation/consolidation/close",
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert "awaits its member's review" in refused.json()["message"]
    post(
        members[3][2],
        tender_id,
        "scores/review",
        {
            "bid_id": bids[1]["bid"],
            "criterion": "c1",
            "reason": "该投标人施工组织设计缺少关键工序的质量保证措施，维持评分",
        },
    )
    post(leader, tender_id, "consolidation/close")

    report = EvaluationReport.objects.get(session__tender_id=tender_id)
    document = json.loads(bytes(report.document))
    assert len(document["candidates"]) == 3
    for index, (_user, credential, client) in enumerate(members):
        signature = base64.b64encode(sign_detached(bytes(report.document), credential=credential))
        body = {"signature": signature.decode("ascii"), "agrees": index != 4}
        if index == 4:
            body["dissent"] = "对第二名投标人的技术评分持不同意见"
        post(client, tender_id, "report/sign", body)

    report.refresh_from_db()
    assert report.state == "signed"
    assert story.tender.evaluation.__class__.objects.get(pk=report.session_id).state == (
        SessionState.REPORTED
    )
    verified = verify_signed_report(
        signed_report_json(report),
        arguments=argparse.Namespace(
            trust_root=[
                certificate_authority.directory / "root.pem",
                certificate_authority.directory / "issuing.pem",
            ],
            crl=[],
        ),
    )
    assert [line["signed_by"] for line in verified] == [
        credential.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        for _user, credential, _client in members
    ]
    assert [line["agrees"] for line in verified] == [True, True, True, True, False]

    page = story.host.get(f"/evaluation/{tender_id}/report.html").content.decode()
    assert "对第二名投标人的技术评分持不同意见" in page
    assert all(bid["bidder"] in page for bid in document["bids"])
    pdf = story.host.get(f"/evaluation/{tender_id}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content])[:5] == b"%PDF-"
    assert story.bidders[0].client.get(f"/evaluation/{tender_id}/report.html").status_code == 404

    post(story.host, tender_id, "candidates")
    assert story.refresh().state == TenderState.PUBLICIZING
    # The result is public, and so are the panel and its seed: anyone replays the draw.
    assert Panel.objects.get(tender_id=tender_id).state == PanelState.REVEALED
    replayed = io.StringIO()
    call_command("verify_draw", tender_id, stdout=replayed)
    assert "OK" in replayed.getvalue()
    ranked = BidEvaluation.objects.filter(session__tender_id=tender_id, rank__lte=3)
    assert sorted(
        Candidate.objects.filter(tender_id=tender_id).values_list("rank", "price_fen")
    ) == sorted(ranked.values_list("rank", "price_fen"))

    end_publicity(story.tender)
    winner = Candidate.objects.get(tender_id=tender_id, rank=1).organisation
    awarded = story.host.post(
        f"/api/v1/tenders/{tender_id}/award",
        {"winner_uscc": winner.uscc},
        content_type="application/json",
    )
    assert awarded.json()["state"] == TenderState.AWARDED, awarded.json()
    winning = Candidate.objects.get(tender_id=tender_id, rank=1)
    contracted = story.host.post(
        f"/api/v1/tenders/{tender_id}/contract",
        {"value_fen": winning.price_fen, "signed_at": database_now().isoformat()},
        content_type="application/json",
    )
    assert contracted.json()["state"] == TenderState.CONTRACTED, contracted.json()
