"""Complaints through the API and the pages: a bidder logged in with its certificate files one
with attachments (stored under keys made of ids); the supervisor decides; the tenderee sees it
once accepted, without the complainant's name before the bid deadline."""

import hashlib
import io

import pytest
from django.test import Client

from accounts.acting import Acting
from accounts.models import Organisation, Role
from storage.objects import get_storage
from supervision.models import Complaint, ComplaintState
from tests.bids.conftest import certificate_login, make_bidder
from tests.certificates import BIDDER_NAME, BIDDER_USCC
from tests.config.test_openapi import assert_matches
from tests.supervision.complaint_stories import (
    answered,
    objection_to_documents,
    published_tender,
)

EVIDENCE = "会议纪要 2027-03-01.pdf".encode() * 1000  # a file whose name holds spaces and Chinese


@pytest.fixture
def story(s3_server, bidder_credential):
    story = published_tender()
    user = make_bidder(
        bidder_credential, name=BIDDER_NAME, uscc=BIDDER_USCC, username="bidder-complaint"
    )
    organisation = Organisation.objects.get(uscc=BIDDER_USCC)
    story.bidder = Acting(user=user, organisation=organisation, role=Role.BIDDER)
    story.objection = answered(story, objection_to_documents(story))
    story.client = Client(headers={"accept-language": "en"}, REMOTE_ADDR="10.1.2.3")
    certificate_login(story.client, bidder_credential)
    return story


def logged_in(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def upload(name: str, content: bytes) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def file_complaint(story, **fields):
    body = {
        "tender": str(story.tender.pk),
        "matter": "tender_documents",
        "text": "评分标准设置不合理，请求责令修改",
        "objection": str(story.objection.pk),
        "attachments": [
            upload("会议纪要 2027-03-01.pdf", EVIDENCE),
            upload("../../etc/passwd", b"not a path"),
        ],
    }
    return story.client.post("/api/v1/complaints", {**body, **fields})


@pytest.mark.django_db
def test_a_bidder_files_a_complaint_with_attachments_kept_under_keys_of_ids(story):
    response = file_complaint(story)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert_matches("/api/v1/complaints", "post", 201, body)
    complaint = Complaint.objects.get(pk=body["id"])
    assert (body["state"], body["matter"], body["prior_objection"]) == (
        "filed",
        "tender_documents",
        str(story.objection.pk),
    )
    assert (body["complainant"], body["complainant_uscc"]) == (BIDDER_NAME, BIDDER_USCC)
    # The multipart parser keeps a name's last part; no name is ever part of a key anyway.
    assert sorted((item["name"], item["sha256"]) for item in body["attachments"]) == [
        ("passwd", hashlib.sha256(b"not a path").hexdigest()),
        ("会议纪要 2027-03-01.pdf", hashlib.sha256(EVIDENCE).hexdigest()),
    ]
    storage = get_storage()
    for attachment in complaint.attachments.all():
        assert attachment.object_key == f"complaints/{complaint.pk}/attachments/{attachment.pk}"
        stored = storage.stat(bucket=storage.bucket("documents"), key=attachment.object_key)
        assert stored.size == attachment.size
    evidence = complaint.attachments.get(name="会议纪要 2027-03-01.pdf")
    download = story.client.get(f"/complaints/{complaint.pk}/attachments/{evidence.pk}")
    assert b"".join(download.streaming_content) == EVIDENCE
    receipt = story.client.get(f"/api/v1/complaints/{complaint.pk}/receipt").json()
    assert sorted(receipt["receipt"]["attachments"], key=lambda item: item["name"]) == [
        {"id": str(item.pk), "name": item.name, "size": item.size, "sha256": item.sha256}
        for item in complaint.attachments.order_by("name")
    ]


@pytest.mark.django_db
def test_a_complaint_without_its_objection_is_refused_by_the_api(story):
    response = file_complaint(story, objection="")

    assert response.status_code == 400
    assert_matches("/api/v1/complaints", "post", 400, response.json())
    assert response.json() == {
        "error": "prior_objection_required",
        "message": "a complaint about The tender documents follows an objection your "
        "organisation raised with the tenderee on the same matter of this tender "
        "(招标投标法实施条例 第六十条): name that objection",
        "field": "objection",
    }
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_a_session_without_the_organisation_certificate_files_nothing(story):
    response = logged_in(story.bidder.user).post(
        "/api/v1/complaints",
        {"tender": str(story.tender.pk), "matter": "other", "text": "投诉"},
    )
    assert (response.status_code, response.json()["error"]) == (403, "certificate_login_required")
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_the_tenderee_sees_a_complaint_once_accepted_and_not_who_filed_it_before_the_deadline(
    story,
):
    complaint_id = file_complaint(story).json()["id"]
    tenderee = logged_in(story.tenderee.user)
    supervisor = logged_in(story.supervisor.user)

    before_acceptance = tenderee.get("/api/v1/complaints").json()
    refused = tenderee.post(
        f"/api/v1/complaints/{complaint_id}/decisions",
        {"step": "accept", "reason": "受理"},
        content_type="application/json",
    )
    decided = supervisor.post(
        f"/api/v1/complaints/{complaint_id}/decisions",
        {"step": "accept", "reason": "投诉符合受理条件"},
        content_type="application/json",
    )
    seen = tenderee.get(f"/api/v1/complaints/{complaint_id}").json()
    decision_id = seen["decisions"][0]["id"]

    assert before_acceptance == []
    assert (refused.status_code, refused.json()["error"]) == (403, "permission_denied")
    assert decided.status_code == 201, decided.json()
    assert_matches("/api/v1/complaints/{complaint_id}/decisions", "post", 201, decided.json())
    assert_matches("/api/v1/complaints/{complaint_id}", "get", 200, seen)
    assert decided.json()["decision"]["step"] == "accept"
    assert set(decided.json()) == {"decision", "signature", "timestamp_token"}
    assert (seen["state"], seen["complainant"], seen["complainant_uscc"]) == (
        "accepted",
        None,
        None,
    )
    assert (seen["attachments"], seen["prior_objection"], seen["steps"]) == ([], None, [])
    assert [item["reason"] for item in seen["decisions"]] == ["投诉符合受理条件"]
    # The signed documents name the complainant: not for the tenderee before the deadline.
    assert (
        tenderee.get(f"/api/v1/complaints/{complaint_id}/decisions/{decision_id}").status_code
        == 404
    )
    assert tenderee.get(f"/api/v1/complaints/{complaint_id}/receipt").status_code == 404
    attachment = Complaint.objects.get(pk=complaint_id).attachments.first()
    assert (
        tenderee.get(f"/complaints/{complaint_id}/attachments/{attachment.pk}").status_code == 404
    )
    assert supervisor.get(f"/api/v1/complaints/{complaint_id}").json()["steps"] == ["investigate"]


@pytest.mark.django_db
def test_the_supervisor_decides_on_the_page(story):
    complaint_id = file_complaint(story).json()["id"]
    supervisor = logged_in(story.supervisor.user)

    page = supervisor.get(f"/complaints/{complaint_id}/")
    decided = supervisor.post(
        f"/complaints/{complaint_id}/decide/",
        {"step": "refuse", "reason": "投诉超过法定期限"},
        follow=True,
    )
    wrong_state = supervisor.post(
        f"/complaints/{complaint_id}/decide/", {"step": "uphold", "reason": "成立"}, follow=True
    )

    assert b"Accept" in page.content and b"Refuse" in page.content
    assert b"The decision is signed and recorded." in decided.content
    assert b"the decisions open now are none (it is decided), not uphold" in wrong_state.content
    assert Complaint.objects.get(pk=complaint_id).state == ComplaintState.REFUSED


@pytest.mark.django_db
def test_a_bidder_files_on_the_page_naming_its_objection(story):
    page = f"/complaints/new/{story.tender.pk}/"

    form = story.client.get(page)
    filed = story.client.post(
        page,
        {
            "matter": "tender_documents",
            "objection": str(story.objection.pk),
            "text": "评分标准设置不合理",
            "attachments": [upload("证据.pdf", b"evidence")],
        },
    )
    without_objection = story.client.post(
        page, {"matter": "evaluation_result", "text": "评标结果有误"}
    )
    stranger = logged_in(story.tenderee.user).get(page)

    assert str(story.objection.pk).encode() in form.content
    complaint = Complaint.objects.get()
    assert (filed.status_code, filed["Location"]) == (302, f"/complaints/{complaint.pk}/")
    assert [item.name for item in complaint.attachments.all()] == ["证据.pdf"]
    assert "第六十条" in without_objection.content.decode()
    assert stranger.status_code == 403
