"""The world the permission matrix asks every route about, built once through the real services:
one tender in each state the matrix covers, all of one tenderee (with its agent) and one
opening committee, bid on by bidder A and bidder B (and a third bidder, C, so that the opening
has the three valid bids the law needs), a panel with an expert on it, an expert not on it, a
supervisor and an operator.

Real sealed bids (tests/bids/conftest.py `seal`), certificate logins, the opening hall driven
through its API (tests/bids/opening.py), the session convened by its service. Two moves are
made on rows, as other stories make them: the "bidding closed" tender's deadline is put in the
past (the database clock cannot be moved), and the awarded tender's evaluation is not run step
by step: its candidates are publicized by the award service from the opened bids.
"""

import base64
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.acting import Acting
from accounts.models import Organisation, Role, User
from accounts.services import certificate_bind
from accounts.uscc import make_uscc
from bids.models import Bid, BidDecryption
from bids.opening.decryption import decrypt_bid
from evaluation.models import EvaluationSession, Expert
from evaluation.session.convene import session_convene
from monitoring.alerts import alert_raise
from monitoring.clock import database_now
from monitoring.services import PLATFORM
from monitoring.transitions import apply_transition
from signing.cms import sign_detached
from signing.envelope.escrow_parts import deal_escrow_part
from supervision.complaints.attachments import AttachmentUpload
from supervision.complaints.services import complaint_decide, complaint_file
from supervision.models import ComplaintAttachment
from tests.bids.conftest import BidClient, certificate_login, seal
from tests.bids.opening import HallBidder, price_sheet
from tests.evaluation.factories import (
    ExpertConflictFactory,
    ExpertFactory,
    ExpertUserFactory,
    PanelFactory,
    PanelSeatFactory,
)
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    TenderFactory,
    UserFactory,
)
from tests.hardening.permission_rules import STATES
from trading.award import (
    CandidatePublicity,
    candidate_objection_answer,
    candidate_objection_raise,
    candidates_publicize,
    tender_award,
)
from trading.documents import document_statement
from trading.models import AwardLetter, Notice, Tender, TenderDocument
from trading.objections import objection_answer, objection_raise
from trading.services import CHRONOGRAPH, tender_publish

# The closed area's network in this world; the experts' browsers write from inside it.
ROOM_NETWORK = "10.20.0.0/16"
ROOM_ADDRESS = "10.20.1.5"
DOCUMENT = "第一章 招标公告\n".encode() * 100


@dataclass
class Cast:
    tenderee: User
    agent: User
    tenderee_organisation: Organisation
    agent_organisation: Organisation
    bidders: dict[str, tuple[Organisation, Any]]  # "A"/"B"/"C" → (organisation, credential)
    committee: list[tuple[User, Any]]
    tenderee_credential: Any


@dataclass
class World:
    """Every object a route's parameters name, by state; `clients` by role."""

    tenders: dict[str, Tender] = field(default_factory=dict)
    bids: dict[str, dict[str, str]] = field(default_factory=dict)  # state → bidder → bid id
    uploads: dict[str, dict[str, str]] = field(default_factory=dict)
    notices: dict[str, str] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    objections: dict[str, str] = field(default_factory=dict)  # trading objections of A
    opening_objections: dict[str, str] = field(default_factory=dict)
    seats: dict[str, str] = field(default_factory=dict)  # the panel expert's seat
    alerts: dict[str, int] = field(default_factory=dict)
    releases: dict[str, str] = field(default_factory=dict)
    candidate_objections: dict[str, str] = field(default_factory=dict)
    # bidder A's complaint about the published tender's documents (its decision, attachment)
    complaint_id: str = ""
    decision_id: str = ""
    attachment_id: str = ""
    letter_id: str = ""
    expert_id: str = ""
    other_expert_id: str = ""
    conflict_id: str = ""
    clients: dict[str, Client] = field(default_factory=dict)
    users: dict[str, User | None] = field(default_factory=dict)


def _client(address: str = "10.9.0.1") -> Client:
    # raise_request_exception=False: a view's crash is a cell's 500, reported with the rest.
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address, raise_request_exception=False)


def _certificate_client(credential, address: str = "10.9.0.1") -> Client:
    client = _client(address)
    certificate_login(client, credential)
    return client


def _bidder(certificate_authority, letter: str, index: int) -> tuple[Organisation, Any, User]:
    name = f"投标人{letter}建设有限公司"
    uscc = make_uscc(authority="9", organisation_type="1", division="320000", body=f"77{index:06d}")
    credential = certificate_authority.issue_organisation(name=name, uscc=uscc, key_type="ec-p256")
    organisation = Organisation.objects.create(name=name, uscc=uscc)
    user = MembershipFactory(role=Role.BIDDER, organisation=organisation).user
    certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
    return organisation, credential, user


def _contribute_escrow(client: Client, tender_id) -> None:
    """What `bidtool escrow contribute` does while the tender is a draft."""
    path = f"/api/v1/tenders/{tender_id}/escrow-part"
    brief = client.get(path).json()
    part = deal_escrow_part(
        tender_id=brief["tender"],
        dealer_number=brief["member_number"],
        threshold=brief["threshold"],
        member_certificates=[
            x509.load_der_x509_certificate(base64.b64decode(member["certificate"]))
            for member in brief["members"]
        ],
    )
    response = client.post(path, {"part": part.to_json()}, content_type="application/json")
    assert response.status_code == 201, response.content


def _upload_document(client: Client, cast: Cast, tender: Tender) -> str:
    statement = document_statement(
        tender_id=tender.pk,
        kind="tender_documents",
        name="招标文件.pdf",
        size=len(DOCUMENT),
        sha256=hashlib.sha256(DOCUMENT).hexdigest(),
    )
    response = client.post(
        f"/api/v1/tenders/{tender.pk}/documents",
        {
            "kind": "tender_documents",
            "name": "招标文件.pdf",
            "file": SimpleUploadedFile("招标文件.pdf", DOCUMENT),
            "signature": base64.b64encode(
                sign_detached(statement, credential=cast.tenderee_credential)
            ).decode(),
        },
    )
    assert response.status_code == 201, response.content
    return str(TenderDocument.objects.filter(tender=tender).latest("uploaded_at").pk)


def _draft(cast: Cast, clients: dict[str, Client]) -> Tender:
    project = ProjectFactory(tenderee=cast.tenderee_organisation, agent=cast.agent_organisation)
    tender = TenderFactory(project=project)
    Tender.objects.filter(pk=tender.pk).update(
        opening_committee={
            "members": [str(user.pk) for user, _ in cast.committee],
            "threshold": 2,
        }
    )
    return Tender.objects.get(pk=tender.pk)


def _submit(tender: Tender, letter: str, cast: Cast, clients: dict[str, Client]) -> str:
    """Bidder `letter` seals a real bid (escrow-sealed to the committee) and submits it."""
    _, credential = cast.bidders[letter]
    escrow_key = serialization.load_pem_public_key(tender.escrow.public_key_pem.encode())
    sealed = seal(
        credential,
        tender.pk,
        contents=(f"technical offer of {letter} ".encode() * 64,),
        price_sheet=price_sheet(PRICES[letter]),
        escrow_public_key=escrow_key,
    )
    response = BidClient(clients[letter]).submit(tender.pk, sealed)
    assert response.status_code in (200, 201), response.content
    return response.json()["bid"]["id"]


def _past_deadline(tender: Tender, *, open_hall: bool) -> Tender:
    """The deadline passes; the chronograph's moves for this tender alone."""
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=database_now() - dt.timedelta(seconds=1)
    )
    tender = Tender.objects.get(pk=tender.pk)
    # The chronograph's transitions (trading.services.tender_sweep_due), for this tender alone:
    # the sweep would open the "bidding closed" tender's hall as well.
    moves = [("close_bidding", "tender.bidding_closed")]
    if open_hall:
        moves.append(("start_opening", "tender.opening_started"))
    for transition, action in moves:
        apply_transition(
            tender,
            transition,
            actor=CHRONOGRAPH,
            action=action,
            payload={"bid_deadline": tender.bid_deadline.isoformat()},
        )
    return Tender.objects.get(pk=tender.pk)


def _hall(tender: Tender, cast: Cast, clients: dict[str, Client], bids: dict[str, str]):
    """Sign-in, start, every key handed over and decrypted: the hall reads the prices."""
    hall_bidders = [
        HallBidder(
            letter,
            cast.bidders[letter][0].uscc,
            cast.bidders[letter][1],
            clients[letter],
            PRICES[letter],
            bids[letter],
        )
        for letter in bids
    ]
    for bidder in hall_bidders:
        assert bidder.post(tender.pk, "sign-in").status_code == 200
    started = clients["tenderee"].post(
        f"/api/v1/tenders/{tender.pk}/opening/start", {}, content_type="application/json"
    )
    assert started.status_code == 200, started.content
    for bidder in hall_bidders:
        response = bidder.hand_over_key(tender.pk)
        assert response.status_code == 202, response.content
    for decryption in BidDecryption.objects.filter(session__tender=tender, state="decrypting"):
        assert decrypt_bid(decryption.pk) == "decrypted"
    return hall_bidders


def _opened(tender: Tender, clients: dict[str, Client], hall_bidders) -> None:
    for bidder in hall_bidders:
        assert bidder.post(tender.pk, "confirm").status_code == 200
    finalised = clients["tenderee"].post(
        f"/api/v1/tenders/{tender.pk}/opening/finalise", {}, content_type="application/json"
    )
    assert finalised.json()["outcome"] == "opened", finalised.content


def _convened(tender: Tender, cast: Cast, expert: Expert) -> EvaluationSession:
    panel = PanelFactory(tender=tender, state="complete", requested_by=cast.tenderee)
    seat = PanelSeatFactory(panel=panel, expert=expert, state="confirmed")
    PanelSeatFactory.create_batch(4, panel=panel, state="confirmed")
    now = database_now()
    session_convene(
        acting=Acting(user=cast.tenderee, client_ip="10.0.0.8"),
        tender_id=tender.pk,
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=8),
    )
    return seat


PRICES = {"A": 10_000_000_00, "B": 10_120_000_00, "C": 10_250_000_00}


def build_world(certificate_authority) -> World:
    world = World()
    tenderee_organisation = OrganisationFactory(name="示范市教育局（矩阵）")
    agent_organisation = OrganisationFactory(name="示范招标代理有限公司（矩阵）")
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tenderee_organisation).user
    agent = MembershipFactory(role=Role.AGENT, organisation=agent_organisation).user
    bidders: dict[str, tuple[Organisation, Any]] = {}
    clients: dict[str, Client] = {"public": _client()}
    users: dict[str, User | None] = {"public": None, "tenderee": tenderee, "agent": agent}
    for index, letter in enumerate("ABC"):
        organisation, credential, user = _bidder(certificate_authority, letter, index)
        bidders[letter] = (organisation, credential)
        clients[letter] = _certificate_client(credential)
        users[f"bidder_{letter.lower()}"] = user
    committee = []
    for index in range(2):
        credential = certificate_authority.issue_person(
            name=f"委员{index}", person_id=f"11010119900101{7700 + index:04d}", key_type="ec-p256"
        )
        user = UserFactory(username=f"matrix-committee-{index}")
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        committee.append((user, credential))
    committee_clients = [_certificate_client(credential) for _, credential in committee]
    tenderee_credential = certificate_authority.issue_organisation(
        name=tenderee_organisation.name, uscc=tenderee_organisation.uscc, key_type="ec-p256"
    )
    cast = Cast(
        tenderee,
        agent,
        tenderee_organisation,
        agent_organisation,
        bidders,
        committee,
        tenderee_credential,
    )
    for role, user in (("tenderee", tenderee), ("agent", agent)):
        clients[role] = _client("10.0.0.8")
        clients[role].force_login(user)
    experts = {}
    for role, index in (("expert_on_panel", 0), ("expert_off_panel", 1)):
        credential = certificate_authority.issue_person(
            name=f"专家{index}", person_id=f"11010819800101{7700 + index:04d}", key_type="ec-p256"
        )
        expert = ExpertFactory(user=ExpertUserFactory(username=f"matrix-expert-{index}"))
        certificate_bind(user=expert.user, certificate=credential.certificate, actor=PLATFORM)
        clients[role] = _certificate_client(credential, ROOM_ADDRESS)
        users[role] = expert.user
        experts[role] = expert
    world.expert_id = str(experts["expert_on_panel"].pk)
    world.other_expert_id = str(experts["expert_off_panel"].pk)
    world.conflict_id = str(ExpertConflictFactory(expert=experts["expert_on_panel"]).pk)
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    operator = MembershipFactory(role=Role.OPERATOR, organisation=None).user
    User.objects.filter(pk=operator.pk).update(is_staff=True, is_superuser=True)
    operator.refresh_from_db()
    for role, user in (("supervisor", supervisor), ("operator", operator)):
        clients[role] = _client("10.0.0.9")
        clients[role].force_login(user)
        users[role] = user
    clients["committee"] = committee_clients[0]
    users["committee"] = committee[0][0]

    # draft: a document uploaded, the committee named, nothing contributed yet
    draft = _draft(cast, clients)
    world.documents["draft"] = _upload_document(clients["tenderee"], cast, draft)
    world.tenders["draft"] = draft

    for state in STATES[1:]:
        tender = _draft(cast, clients)
        world.documents[state] = _upload_document(clients["tenderee"], cast, tender)
        for client in committee_clients:
            _contribute_escrow(client, tender.pk)
        tender = tender_publish(
            acting=Acting(user=cast.tenderee, client_ip="10.0.0.8"), tender_id=tender.pk
        )
        Tender.objects.filter(pk=tender.pk).update(
            documents_from=database_now() - dt.timedelta(minutes=5)
        )
        tender = Tender.objects.get(pk=tender.pk)
        world.notices[state] = str(
            Notice.objects.filter(tender=tender).order_by("published_at").first().pk
        )
        # Bidder A obtains the documents (through the API, as bidtool does).
        downloaded = clients["A"].get(f"/api/v1/documents/{world.documents[state]}/download")
        assert downloaded.status_code == 200, downloaded.content
        letters = "AB" if state in ("published", "bidding_closed") else "ABC"
        bids = {letter: _submit(tender, letter, cast, clients) for letter in letters}
        world.bids[state] = bids
        world.uploads[state] = {
            letter: str(Bid.objects.get(pk=bid_id).upload_id) for letter, bid_id in bids.items()
        }
        if state == "published":
            objection = objection_raise(
                acting=Acting(user=users["bidder_a"]),
                tender_id=tender.pk,
                text="资格条件排斥潜在投标人",
            )
            # An objection to the documents suspends the tender until it is answered
            # (条例 第二十二条): answered, the tender is published again.
            objection_answer(
                acting=Acting(user=cast.tenderee), objection_id=objection.pk, answer="不予修改"
            )
            world.objections[state] = str(objection.pk)
            # ... and, the objection answered, bidder A complains to the supervisor, who
            # accepts the complaint (its receipt and decision are signed documents).
            complaint = complaint_file(
                acting=Acting(
                    user=users["bidder_a"],
                    organisation=bidders["A"][0],
                    role=Role.BIDDER,
                    client_ip="10.9.0.1",
                ),
                tender_id=tender.pk,
                matter="tender_documents",
                text="资格条件要求本省业绩，排斥外地投标人；请求责令修改招标文件",
                objection_id=objection.pk,
                attachments=[AttachmentUpload("证明材料.pdf", io.BytesIO(b"%PDF-1.4 matrix"))],
            )
            decision = complaint_decide(
                acting=Acting(user=supervisor),
                complaint_id=complaint.pk,
                step="accept",
                reason="投诉符合受理条件",
            )
            world.complaint_id = str(complaint.pk)
            world.decision_id = str(decision.pk)
            world.attachment_id = str(ComplaintAttachment.objects.get(complaint=complaint).pk)
        if state != "published":
            tender = _past_deadline(tender, open_hall=state != "bidding_closed")
        if state in ("opening", "evaluating", "awarded"):
            hall_bidders = _hall(tender, cast, clients, bids)
            if state == "opening":
                objection = hall_bidders[0].post(tender.pk, "objections", {"text": "请复核报价"})
                assert objection.status_code == 201, objection.content
                world.opening_objections[state] = objection.json()["id"]
            else:
                _opened(tender, clients, hall_bidders)
                seat = _convened(tender, cast, experts["expert_on_panel"])
                world.seats[state] = str(seat.pk)
        if state == "awarded":
            acting = Acting(user=cast.tenderee, client_ip="10.0.0.8")
            candidates_publicize(
                acting=acting,
                tender_id=tender.pk,
                candidates=[
                    {
                        "rank": rank,
                        "name": bidders[letter][0].name,
                        "uscc": bidders[letter][0].uscc,
                        "price_fen": PRICES[letter],
                    }
                    for rank, letter in enumerate("ABC", start=1)
                ],
                report_at=database_now() - dt.timedelta(hours=1),
            )
            # Bidder B objects to the result during the publicity; answered, the tender resumes.
            objection = candidate_objection_raise(
                acting=Acting(user=users["bidder_b"]), tender_id=tender.pk, text="第一名业绩不实"
            )
            candidate_objection_answer(
                acting=acting, objection_id=objection.pk, answer="经核查业绩属实"
            )
            world.candidate_objections[state] = str(objection.pk)
            CandidatePublicity.objects.filter(tender=tender).update(
                ends_at=database_now() - dt.timedelta(minutes=1)
            )
            tender_award(acting=acting, tender_id=tender.pk, winner_uscc=bidders["A"][0].uscc)
            world.letter_id = str(
                AwardLetter.objects.get(tender=tender, organisation=bidders["A"][0]).pk
            )
        if state in ("evaluating", "awarded"):
            world.alerts[state] = alert_raise(
                kind="matrix.check",
                severity="notice",
                object_type="trading.tender",
                object_id=str(tender.pk),
                tender_id=str(tender.pk),
                message="permission matrix",
            ).pk
        world.tenders[state] = Tender.objects.get(pk=tender.pk)
        assert world.tenders[state].state == state, (state, world.tenders[state].state)

    world.clients = {
        "public": clients["public"],
        "tenderee": clients["tenderee"],
        "agent": clients["agent"],
        "bidder_a": clients["A"],
        "bidder_b": clients["B"],
        "committee": clients["committee"],
        "expert_on_panel": clients["expert_on_panel"],
        "expert_off_panel": clients["expert_off_panel"],
        "supervisor": clients["supervisor"],
        "operator": clients["operator"],
    }
    world.users = users
    return world
