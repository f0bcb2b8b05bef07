"""A bidder obtains the tender documents in Chromium (saved under their own Chinese name), seals
and submits with bidtool on its machine, and finds its bid and signed receipt on its page; it
objects to the documents, the tenderee answers and clarifies from its page, and the bidder
reads the notice sent to it."""

import hashlib
import io
import json
from pathlib import Path

import pytest

from accounts.models import Role
from bids.models import Bid, BidState
from bidtool import cli as bidtool
from signing.cms import sign_detached
from tests.bids.conftest import make_bidder
from tests.browser.people import PASSWORD, give_password, write_certificate
from tests.certificates import BIDDER_NAME, BIDDER_USCC
from tests.factories import MembershipFactory, TenderFactory, UserFactory, days_from_now
from trading.documents import document_statement, document_upload
from trading.models import DocumentObjection, NoticeKind, ObjectionState, Tender
from trading.services import Acting, tender_publish

pytestmark = pytest.mark.browser
DOCUMENT = b"%PDF-1.7 the tender documents of the school, chapter after chapter " * 300


@pytest.fixture
def published_tender(bid_settings, certificate_authority):
    """A published tender with one document signed by its tenderee, on offer now."""
    draft = TenderFactory()
    tenderee = MembershipFactory(
        role=Role.TENDEREE,
        organisation=draft.project.tenderee,
        user=UserFactory(username="tenderee-li", full_name="李清"),
    )
    give_password(tenderee.user)
    acting = Acting(user=tenderee.user, client_ip="127.0.0.1")
    tender = tender_publish(acting=acting, tender_id=draft.pk)
    credential = certificate_authority.issue_organisation(
        name=draft.project.tenderee.name, uscc=draft.project.tenderee.uscc, key_type="ec-p256"
    )
    statement = document_statement(
        tender_id=tender.pk,
        kind="tender_documents",
        name="招标文件.pdf",
        size=len(DOCUMENT),
        sha256=hashlib.sha256(DOCUMENT).hexdigest(),
    )
    document_upload(
        acting=acting,
        tender_id=tender.pk,
        kind="tender_documents",
        name="招标文件.pdf",
        stream=io.BytesIO(DOCUMENT),
        statement_signature=sign_detached(statement, credential=credential),
    )
    # The documents are offered from the moment they were published for (a minute ago).
    Tender.objects.filter(pk=tender.pk).update(documents_from=days_from_now(-0.001))
    return tender


def test_a_bidder_obtains_the_documents_submits_with_bidtool_and_sees_its_receipt(
    camera, published_tender, bidder_credential_ec, platform_ca, tmp_path, monkeypatch
):
    tender = published_tender
    give_password(
        make_bidder(
            bidder_credential_ec, name=BIDDER_NAME, uscc=BIDDER_USCC, username="bidder-zhang"
        )
    )
    manager = camera.person("bidder")
    camera.log_in(manager, "bidder-zhang", PASSWORD)
    page = manager.page
    # A bidder is offered its own pages, never a tenderee's "new tender".
    assert page.locator("a[href='/bids/']").count() == 1
    assert page.locator("a[href='/tenders/workspace/']").count() == 0

    manager.goto(f"/tenders/{tender.pk}/")
    camera.shoot(manager, "tender-page")
    with page.expect_download() as downloading:
        page.click("a[href^='/tenders/documents/']")
    download = downloading.value
    assert download.suggested_filename == "招标文件.pdf"
    assert (
        hashlib.sha256(Path(download.path()).read_bytes()).digest()
        == hashlib.sha256(DOCUMENT).digest()
    )

    # On the bidder's machine: seal with the organisation's certificate, log in, submit.
    certificate, password = write_certificate(bidder_credential_ec, tmp_path, "bidder")
    monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / "bidtool"))
    (tmp_path / "price.json").write_text(
        json.dumps(
            {"total_price_fen": 11_880_000_00, "duration_days": 300, "quality": "合格", "other": {}}
        )
    )
    files = []
    for name in ("投标函.pdf", "技术标.pdf"):
        (tmp_path / name).write_bytes(f"{name} of {BIDDER_NAME}".encode() * 500)
        files.append(str(tmp_path / name))
    credentials = ["--cert", str(certificate), "--password-file", str(password)]
    sealed = tmp_path / "bid.sealed"
    server = camera.server
    assert (
        bidtool.main(
            [
                "seal",
                "--tender",
                str(tender.pk),
                *credentials,
                "--price-sheet",
                str(tmp_path / "price.json"),
                "--out",
                str(sealed),
                *files,
            ]
        )
        == 0
    )
    assert bidtool.main(["login", "--server", server, *credentials]) == 0
    assert bidtool.main(["submit", "--server", server, str(sealed)]) == 0
    bid = Bid.objects.get()
    assert bid.state == BidState.SUBMITTED

    page.click("a[href='/bids/']")
    page.wait_for_load_state()
    row = page.locator(f"tr[data-bid='{bid.pk}']")
    assert tender.title in row.inner_text() and bid.ciphertext_sha256 in row.inner_text()
    camera.shoot(manager, "my-bids")
    with page.expect_download() as receipt_download:
        row.locator(f"a[href='/bids/{bid.pk}/receipt/submission.json']").click()
    receipt = json.loads(Path(receipt_download.value.path()).read_bytes())
    saved = json.loads((tmp_path / "bid.sealed.receipt.json").read_text())
    assert receipt["receipt"] == saved["receipt"]
    assert receipt["receipt"]["bid"] == str(bid.pk)

    # The bidder objects to the documents from the tender's page.
    manager.goto(f"/tenders/{tender.pk}/")
    page.click("details.section summary")
    page.fill("#objection-text", "第三章工期要求与图纸不一致。")
    page.click("form[action$='/objections'] button[type=submit]")
    page.wait_for_load_state()
    objection = DocumentObjection.objects.get()
    assert objection.text == "第三章工期要求与图纸不一致。"
    camera.shoot(manager, "objection-sent")

    # The tenderee answers it and publishes a clarification from its tender's page.
    clerk = camera.person("tenderee")
    camera.log_in(clerk, "tenderee-li", PASSWORD)
    clerk.goto(f"/tenders/workspace/{tender.pk}/")
    assert "第三章工期要求与图纸不一致。" in clerk.page.inner_text("main")
    camera.shoot(clerk, "objection-to-answer")
    clerk.page.fill(f"#answer-{objection.pk}", "工期以图纸为准，见澄清第1号。")
    clerk.page.click(f"form:has(#answer-{objection.pk}) button[type=submit]")
    clerk.page.wait_for_load_state()
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED
    clerk.page.click("details.section:has(textarea[name=text]) summary")
    clerk.page.fill("textarea[name=text]", "澄清第1号：工期以图纸为准。")
    clerk.page.click("form[action$='/clarify/'] button[type=submit]")
    clerk.page.wait_for_load_state()
    assert tender.notices.filter(kind=NoticeKind.AMENDMENT).count() == 1
    camera.shoot(clerk, "clarified")

    # The bidder reads the notice sent to it, and is refused a tenderee's page with a reason.
    manager.goto("/bids/")
    assert "澄清" in manager.page.inner_text("main")
    camera.shoot(manager, "my-bids-notified")
    manager.goto("/tenders/workspace/new/", expected_status=403)
    camera.shoot(manager, "not-allowed", status=403)
