"""The opening hall in Chromium: the tenderee hosts, three bidders sign in, decrypt and confirm
with bidtool on their machines (the decryption worker's job runs in the test's process, as in
tests/bids), a bidder with a password session watches without buttons it could not use, and
the signed opening record is published with each bid's status in words."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from bids.models import OpeningSession
from bidtool import cli as bidtool
from tests.bids.opening import build_opening
from tests.browser.people import PASSWORD, give_password, write_certificate
from trading.models import NoticeKind

pytestmark = pytest.mark.browser


def test_three_bidders_decrypt_in_the_hall_and_the_host_finalises_the_record(
    camera, bid_settings, certificate_authority, tmp_path, monkeypatch
):
    story = build_opening(certificate_authority, bidders=3)
    give_password(story.host_user)
    # Before any session: a new password ends the sessions opened before it.
    watcher_user = give_password(
        User.objects.get(memberships__organisation__uscc=story.bidders[0].uscc)
    )
    story.reach_deadline()
    hall = f"/bids/opening/{story.tender_id}/"
    server = camera.server

    def run_bidtool(index: int, *arguments: str) -> None:
        """bidtool on bidder `index`'s machine (its own home: its own session)."""
        bidder = story.bidders[index]
        certificate, password = write_certificate(bidder.credential, tmp_path, f"b{index}")
        monkeypatch.setenv("BIDTOOL_HOME", str(tmp_path / f"home-{index}"))
        credentials = ["--cert", str(certificate), "--password-file", str(password)]
        command, *rest = arguments
        if command == "login":
            arguments = ("login", "--server", server, *credentials)
        elif command == "decrypt":
            arguments = (
                "decrypt",
                "--server",
                server,
                "--tender",
                story.tender_id,
                *credentials,
                "--no-wait",
            )
        else:
            arguments = ("hall", command, "--server", server, "--tender", story.tender_id, *rest)
        assert bidtool.main(list(arguments)) == 0, arguments

    host = camera.person("host")
    camera.log_in(host, story.host_user.username, PASSWORD)
    host.goto(hall)
    camera.shoot(host, "hall-before-start")

    for index in range(3):
        run_bidtool(index, "login")
        run_bidtool(index, "sign-in")
    host.page.click("[data-control='start'] button")
    host.page.wait_for_selector("[data-control='start'][hidden]", state="attached")
    assert "12,000,000.00" in host.page.inner_text("[data-field='ceiling_price']")
    camera.shoot(host, "hall-decrypting")

    # A bidder's clerk with a password session sees the hall, and the commands, not buttons.
    watcher = camera.person("bidder")
    camera.log_in(watcher, watcher_user.username, PASSWORD)
    watcher.goto(hall)
    assert watcher.page.locator("[data-hall-form]").count() == 0
    assert "bidtool decrypt" in watcher.page.inner_text("pre.command")
    camera.shoot(watcher, "hall-watching")

    for index in range(3):
        run_bidtool(index, "decrypt")
    assert story.run_decryptions() == ["decrypted"] * 3  # the worker's job, in-process
    for bidder in story.bidders:
        price = f"{bidder.price_fen // 100:,}.00"
        host.page.wait_for_selector(f"#hall-bidders:has-text('{price}')", timeout=15_000)
    camera.shoot(host, "hall-reading")

    for index in range(3):
        run_bidtool(index, "confirm")
    host.page.reload()
    host.page.click("[data-control='finalise'] button")
    host.page.wait_for_selector("[data-control='record']:not([hidden])", timeout=15_000)
    assert OpeningSession.objects.get(tender=story.tender).state == "finalised"
    camera.shoot(host, "hall-finalised")
    watcher.goto(hall)
    camera.shoot(watcher, "hall-finalised")

    record = story.tender.notices.get(kind=NoticeKind.OPENING_RECORD)
    watcher.goto(f"/notices/{record.pk}/")
    statuses = watcher.page.locator("table.list tbody tr td:last-child").all_inner_texts()
    with translation.override("zh-hans"):  # in words of the page's language, never "valid"
        assert statuses == [gettext("Valid")] * 3
    camera.shoot(watcher, "opening-record")
