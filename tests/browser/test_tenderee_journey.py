"""A visitor reads the portal; a tenderee drafts a tender in yuan with date pickers, signs its
documents where its certificate is, uploads them from the page and publishes — in Chromium."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role
from tests.browser.people import PASSWORD, person_with_password, write_certificate
from tests.factories import ProjectFactory, days_from_now
from trading.models import NoticeKind, Tender, TenderState

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def picked(days: float) -> str:
    """What a datetime-local picker holds for that moment, in Beijing time."""
    return timezone.localtime(days_from_now(days)).strftime("%Y-%m-%dT%H:%M")


def test_a_visitor_reads_the_portal_and_its_error_pages(camera, bid_settings):
    visitor = camera.person("visitor")
    visitor.goto("/")
    camera.shoot(visitor, "home")
    # The language switch names each language in its own words.
    assert visitor.page.inner_text(".language-switch").split() == ["中文", "English"]
    visitor.goto("/tenders/")
    camera.shoot(visitor, "tenders")
    visitor.goto("/no-such-page/", expected_status=404)
    assert visitor.page.inner_text("h1") == "页面没有找到"
    assert "urlpatterns" not in visitor.page.content()
    camera.shoot(visitor, "not-found", status=404)
    visitor.goto("/api/v1/docs")
    # Swagger UI's own files are served by the platform: the policy lets them run.
    visitor.page.wait_for_selector(".swagger-ui .information-container", timeout=15_000)
    camera.shoot(visitor, "api-docs", axe=False)


def test_a_tenderee_drafts_signs_its_documents_and_publishes(
    camera, bid_settings, certificate_authority, tmp_path
):
    project = ProjectFactory()
    person_with_password(
        username="tenderee-wang",
        full_name="王建国",
        role=Role.TENDEREE,
        organisation=project.tenderee,
    )
    certificate, password = write_certificate(
        certificate_authority.issue_organisation(
            name=project.tenderee.name, uscc=project.tenderee.uscc, key_type="ec-p256"
        ),
        tmp_path,
        "tenderee",
    )
    clerk = camera.person("tenderee")
    camera.log_in(clerk, "tenderee-wang", PASSWORD)
    page = clerk.page
    clerk.goto("/tenders/workspace/")
    camera.shoot(clerk, "my-tenders")

    page.click("a[href='/tenders/workspace/new/']")
    camera.shoot(clerk, "draft-form")
    page.select_option("select[name=project]", str(project.pk))
    page.fill("input[name=title]", "示范中学体育馆维修工程")
    page.select_option("select[name=category]", "works")
    page.fill("input[name=ceiling_price]", "5000000.00")
    page.fill("input[name=bid_security]", "104000.01")  # over 2% of the estimate
    page.fill("input[name=estimated_price]", "5200000")
    page.fill("input[name=documents_from]", picked(0.02))
    page.fill("input[name=documents_until]", picked(15))
    page.fill("input[name=clarification_cutoff]", picked(9))
    page.fill("input[name=bid_deadline]", picked(25))
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()
    # The problem is drawn under the bid security, without the term's code.
    error = page.locator(".field:has(input[name=bid_security]) .errorlist").inner_text()
    assert "2%" in error and "bid_security" not in error
    assert page.locator(".errorlist").count() == 1
    camera.shoot(clerk, "draft-form-refused")
    page.fill("input[name=bid_security]", "100000.00")
    page.fill("input[name=documents_from]", picked(0.02))
    page.fill("input[name=documents_until]", picked(15))
    page.fill("input[name=clarification_cutoff]", picked(9))
    page.fill("input[name=bid_deadline]", picked(25))
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/tenders/workspace/*/")
    tender = Tender.objects.get()
    assert (tender.ceiling_price_fen, tender.bid_security_fen) == (500_000_000, 10_000_000)
    assert tender.estimated_price_fen == 520_000_000
    camera.shoot(clerk, "draft-saved")

    # Signed where the certificate is: the local signer, then the page takes both files.
    document = tmp_path / "招标文件.pdf"
    document.write_bytes(b"%PDF-1.7 tender documents of the gymnasium " * 200)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "sign_document.py"),
            "--tender",
            str(tender.pk),
            "--kind",
            "tender_documents",
            "--cert",
            str(certificate),
            "--password-file",
            str(password),
            str(document),
        ],
        check=True,
        capture_output=True,
    )
    page.select_option("select[name=kind]", "tender_documents")
    page.set_input_files("input[name=file]", str(document))
    page.set_input_files("input[name=signature]", str(tmp_path / "招标文件.pdf.p7s"))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_load_state()
    assert tender.documents.get().name == "招标文件.pdf"
    assert "招标文件.pdf" in page.inner_text("table.list")
    camera.shoot(clerk, "document-added")

    page.click(f"form[action='/tenders/workspace/{tender.pk}/publish/'] button")
    page.wait_for_load_state()
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLISHED
    with translation.override("zh-hans"):  # a sentence in the page's language, not "publish"
        assert page.inner_text(".messages") == _(
            "The tender is published; its notice is signed and on the portal."
        )
    camera.shoot(clerk, "published")

    clerk.goto(f"/tenders/{tender.pk}/")
    camera.shoot(clerk, "tender-page")
    notice = tender.notices.get(kind=NoticeKind.TENDER_NOTICE)
    clerk.goto(f"/notices/{notice.pk}/")
    assert "北京时间" in page.inner_text("table.facts")
    camera.shoot(clerk, "notice")
    clerk.goto(f"/notices/tender/{tender.pk}/")
    camera.shoot(clerk, "notices")
