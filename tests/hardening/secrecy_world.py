"""The world of the secrecy audit: a published tender before its deadline, its documents
obtained and bid on by three bidders through the real API, each bid sealed by bidtool's code.

Everything here is committed (the audit dumps the database from another process) and built
once per module; `tests/hardening/test_secrecy_audit.py` empties the tables afterwards.
"""

import base64
import hashlib
import importlib
import io
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client

from accounts.models import Organisation, Role, User
from accounts.uscc import make_uscc
from bids.models import Bid, BidUpload, Receipt
from monitoring.models import Event
from signing.certificates import CertificateAuthority
from signing.cms import sign_detached
from signing.credentials import Credential
from signing.envelope import seal_bid
from tests.bids.conftest import FINGERPRINT, BidClient, certificate_login, make_bidder
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    TenderFactory,
    UserFactory,
    days_from_now,
)
from trading.documents import document_statement, document_upload
from trading.models import DocumentDownload, Tender
from trading.services import Acting, tender_publish

# One token per run: no earlier run's leftovers (the S3 server's data, logs) can match.
RUN = secrets.token_hex(6)
DOCUMENT = b"%PDF-1.7 tender documents of the secrecy audit\n"


@dataclass(frozen=True)
class BidderPlan:
    """A bidder of the story: who it is, and what it seals."""

    key: str  # "A", "B", "C": how the audit names it
    name: str
    uscc_body: str
    username: str
    full_name: str
    price_yuan: str  # the distinctive total price, in yuan as a person writes it
    price_fen: int
    price_capital: str  # the price in Chinese capital figures (大写), as a bid form writes it


PLANS = (
    BidderPlan(
        "A",
        "甲秘润达建设集团有限公司",
        "A7700001",
        f"zhao-secret-a-{RUN}",
        "赵密甲",
        "8765432.19",
        876_543_219,
        "捌佰柒拾陆万伍仟肆佰叁拾贰元壹角玖分",
    ),
    BidderPlan(
        "B",
        "乙隐恒通路桥工程有限公司",
        "B7700002",
        f"qian-secret-b-{RUN}",
        "钱隐乙",
        "7654321.98",
        765_432_198,
        "柒佰陆拾伍万肆仟叁佰贰拾壹元玖角捌分",
    ),
    BidderPlan(
        "C",
        "丙藏弘远水利建设有限公司",
        "C7700003",
        f"sun-secret-c-{RUN}",
        "孙藏丙",
        "6543219.87",
        654_321_987,
        "陆佰伍拾肆万叁仟贰佰壹拾玖元捌角柒分",
    ),
)
# The bidder of the differential check (tests/hardening/secrecy_differential.py), who joins
# after the others were searched: obtains the documents, bids and withdraws while every other
# role looks on.
LATECOMER = BidderPlan(
    "D",
    "丁迟立信安装工程有限公司",
    "D7700004",
    f"li-secret-d-{RUN}",
    "李迟丁",
    "5432198.76",
    543_219_876,
    "伍佰肆拾叁万贰仟壹佰玖拾捌元柒角陆分",
)


@dataclass
class Bidder:
    plan: BidderPlan
    organisation: Organisation
    user: User
    credential: Credential
    client: Client
    # Every marker this bidder's plaintext carries (file contents, file names, price sheet).
    plaintext_markers: list[str] = field(default_factory=list)
    bids: list[Bid] = field(default_factory=list)
    uploads: list[BidUpload] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    downloads: list[DocumentDownload] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.plan.key

    def identity(self) -> dict[str, str]:
        """What names this bidder: a page or row holding one of these names it."""
        certificate = self.credential.certificate
        return {
            "organisation name": self.organisation.name,
            "USCC": self.organisation.uscc,
            "organisation id": str(self.organisation.pk),
            "user name": self.user.username,
            "user id": str(self.user.pk),
            "email": self.user.email,
            "full name": self.user.full_name,
            "certificate SHA-256": hashlib.sha256(
                certificate.public_bytes(Encoding.DER)
            ).hexdigest(),
            "certificate serial": format(certificate.serial_number, "x"),
        }

    def traces(self) -> dict[str, str]:
        """What this bidder did on the tender: ids of its bids, uploads, receipts. (Downloads
        have small integer ids, found everywhere: their rows hold the tender's id anyway.)"""
        found = {}
        for index, bid in enumerate(self.bids):
            found[f"bid {index + 1} id"] = str(bid.pk)
        for index, upload in enumerate(self.uploads):
            found[f"upload {index + 1} id"] = str(upload.pk)
        for index, receipt in enumerate(self.receipts):
            found[f"receipt {index + 1} id"] = str(receipt.pk)
        return found


@dataclass
class World:
    tender: Tender
    document_id: str
    bidders: list[Bidder]
    users: dict[str, User]  # role name → user, for the roles other than bidders
    data_keys: list[bytes]
    story_events: list[Event]  # the events of the story, before any role walked the routes
    # Registered and logged in, nothing done on the tender yet: its steps are the differential
    # check's changes (tests/hardening/secrecy_differential.py).
    latecomer: Bidder

    def bidder(self, key: str) -> Bidder:
        return next(bidder for bidder in self.bidders if bidder.key == key)


def _files_of(plan: BidderPlan, submission: int) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Plaintext files with unique markers, ASCII and Chinese, and the markers themselves."""
    ascii_marker = f"PLAINTEXT-{plan.key}{submission}-{RUN}-{secrets.token_hex(8)}"
    chinese_marker = f"技术标机密{plan.key}{submission}号{RUN}工期承诺"
    name_marker = f"secret-file-name-{plan.key}{submission}-{RUN}"
    letter = f"投标函 {chinese_marker}\n{ascii_marker}\n投标总价 {plan.price_yuan} 元".encode()
    # Of a size of its own for each bidder: a bid's size is looked for too.
    repeat = 50 + 40 * "ABCD".index(plan.key) + 10 * submission
    technical = (f"技术方案 {chinese_marker} " * repeat + ascii_marker).encode()
    files = [(f"{name_marker}.pdf", letter), ("技术标.pdf", technical)]
    return files, [ascii_marker, chinese_marker, name_marker]


def _price_sheet(plan: BidderPlan, submission: int) -> tuple[dict[str, Any], str]:
    manager = f"项目经理{plan.key}{submission}{RUN}"
    sheet = {
        "total_price_fen": plan.price_fen,
        "duration_days": 173,
        "quality": "合格",
        "other": {"project_manager": manager, "warranty_months": 37},
    }
    return sheet, manager


def _bidder_client(credential: Credential, plan: BidderPlan) -> Client:
    client = Client(
        HTTP_USER_AGENT="bidtool/1.0 (Test OS)",
        HTTP_X_DEVICE_FINGERPRINT=base64.b64encode(
            f'{{"installation_id":"secrecy-{plan.key}"}}'.encode()
        ).decode(),
        REMOTE_ADDR=f"10.77.0.{ord(plan.key)}",
    )
    certificate_login(client, credential)
    return client


def seal_files(credential: Credential, tender_id, files, price_sheet) -> bytes:
    """`seal` of tests/bids with named files: file names are plaintext too (in the manifest)."""
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for name, content in files:
            path = Path(scratch) / name
            path.write_bytes(content)
            paths.append(path)
        output = Path(scratch) / "bid.sealed"
        seal_bid(
            tender_id=str(tender_id),
            credential=credential,
            files=paths,
            price_sheet=price_sheet,
            output=output,
            device_fingerprint=FINGERPRINT,
        )
        return output.read_bytes()


@contextmanager
def recording_data_keys() -> Iterator[list[bytes]]:
    """Keep each data key bidtool's sealing draws, to look for it where it must not be.

    A spy, not a mock: the real function runs and its key is used."""
    sealing = importlib.import_module("signing.envelope.seal")

    keys: list[bytes] = []
    original = sealing.generate_data_key

    def spy() -> bytes:
        key = original()
        keys.append(key)
        return key

    sealing.generate_data_key = spy
    try:
        yield keys
    finally:
        sealing.generate_data_key = original


def register(authority: CertificateAuthority, plan: BidderPlan) -> Bidder:
    """A bidder registers (its organisation's certificate bound to its user) and logs in."""
    uscc = make_uscc(authority="9", organisation_type="1", division="310000", body=plan.uscc_body)
    credential = authority.issue_organisation(name=plan.name, uscc=uscc, key_type="ec-p256")
    user = make_bidder(credential, name=plan.name, uscc=uscc, username=plan.username)
    User.objects.filter(pk=user.pk).update(
        email=f"{plan.username}@secret-mail.example", full_name=plan.full_name
    )
    user.refresh_from_db()
    bidder = Bidder(
        plan=plan,
        organisation=Organisation.objects.get(uscc=uscc),
        user=user,
        credential=credential,
        client=_bidder_client(credential, plan),
    )
    return bidder


def obtain_documents(bidder: Bidder, document_id: str) -> None:
    obtained = bidder.client.get(f"/api/v1/documents/{document_id}/download")
    assert obtained.status_code == 200, obtained
    b"".join(obtained.streaming_content)


def build_world(authority: CertificateAuthority) -> World:
    """The story: the tenderee (with an agent) publishes and uploads its documents; three
    bidders obtain them and bid: A once, B twice (a replacement), C once then withdraws."""
    tenderee_organisation = OrganisationFactory(name=f"秘审示范市教育局{RUN}")
    agent_organisation = OrganisationFactory(name=f"秘审招标代理有限公司{RUN}")
    project = ProjectFactory(tenderee=tenderee_organisation, agent=agent_organisation)
    draft = TenderFactory(project=project, title=f"秘审中学教学楼工程 第1标段 {RUN}")
    tenderee = MembershipFactory(
        role=Role.TENDEREE,
        organisation=tenderee_organisation,
        user=UserFactory(username=f"tenderee-{RUN}"),
    ).user
    agent = MembershipFactory(
        role=Role.AGENT, organisation=agent_organisation, user=UserFactory(username=f"agent-{RUN}")
    ).user
    acting = Acting(user=tenderee, client_ip="10.0.0.8")
    tender = tender_publish(acting=acting, tender_id=draft.pk)
    tenderee_credential = authority.issue_organisation(
        name=tenderee_organisation.name, uscc=tenderee_organisation.uscc, key_type="ec-p256"
    )
    statement = document_statement(
        tender_id=tender.pk,
        kind="tender_documents",
        name="招标文件.pdf",
        size=len(DOCUMENT),
        sha256=hashlib.sha256(DOCUMENT).hexdigest(),
    )
    document = document_upload(
        acting=acting,
        tender_id=tender.pk,
        kind="tender_documents",
        name="招标文件.pdf",
        stream=io.BytesIO(DOCUMENT),
        statement_signature=sign_detached(statement, credential=tenderee_credential),
    )
    Tender.objects.filter(pk=tender.pk).update(documents_from=days_from_now(-0.001))

    users = {
        "tenderee": tenderee,
        "agent": agent,
        "expert": MembershipFactory(
            role=Role.EXPERT, organisation=None, user=UserFactory(username=f"expert-{RUN}")
        ).user,
        "supervisor": MembershipFactory(
            role=Role.SUPERVISOR, organisation=None, user=UserFactory(username=f"supervisor-{RUN}")
        ).user,
        "operator": MembershipFactory(
            role=Role.OPERATOR,
            organisation=None,
            user=UserFactory(username=f"operator-{RUN}", is_staff=True, is_superuser=True),
        ).user,
    }

    bidders = []
    with recording_data_keys() as data_keys:
        for plan in PLANS:
            bidder = register(authority, plan)
            obtain_documents(bidder, str(document.pk))
            bidders.append(bidder)
        for bidder, submissions in zip(bidders, (1, 2, 1), strict=True):
            for number in range(1, submissions + 1):
                submit_bid(bidder, tender, number)
        withdraw_bid(bidders[2], tender)
    latecomer = register(authority, LATECOMER)
    for bidder in bidders:
        bidder.bids = list(Bid.objects.filter(bidder=bidder.organisation).order_by("received_at"))
        bidder.uploads = list(BidUpload.objects.filter(bidder=bidder.organisation))
        bidder.receipts = list(Receipt.objects.filter(bid__bidder=bidder.organisation))
        bidder.downloads = list(DocumentDownload.objects.filter(organisation=bidder.organisation))
    return World(
        tender=Tender.objects.get(pk=tender.pk),
        document_id=str(document.pk),
        bidders=bidders,
        users=users,
        data_keys=list(data_keys),
        story_events=list(Event.objects.order_by("pk")),
        latecomer=latecomer,
    )


def submit_bid(bidder: Bidder, tender: Tender, number: int) -> None:
    files, markers = _files_of(bidder.plan, number)
    sheet, manager = _price_sheet(bidder.plan, number)
    sealed = seal_files(bidder.credential, tender.pk, files, sheet)
    response = BidClient(bidder.client).submit(tender.pk, sealed)
    assert response.status_code == 201, response.json()
    bidder.plaintext_markers += [*markers, manager]
    bidder.bids.append(Bid.objects.get(pk=response.json()["bid"]["id"]))


def withdraw_bid(bidder: Bidder, tender: Tender) -> None:
    _, _, withdrawn = BidClient(bidder.client).withdraw(
        tender.pk, str(bidder.bids[-1].pk), bidder.credential
    )
    assert withdrawn.status_code == 201, withdrawn.json()
