"""After the evaluation in Chromium, as the tenderee's clerk lives it: the report is signed
(five members, on rows and with their own certificates, as in tests/evaluation); from its
tender's page the clerk publishes the candidates of the report; a bidder objects to the result
from its objections page (refused first without a text); the clerk answers (refused first with
the problem under the answer), and the bidder reads the answer and its notices. Once the clock
has moved past the legal publicity (条例 第五十四条), the clerk chooses the winner (refused
first for the second-ranked without a reason, 条例 第五十五条), records the contract (refused
first for a date to come) and the bid security refunds. The winner reads its award notice
(中标通知书) and another bidder its result notice on their pages."""

import datetime as dt

import pytest

from accounts.models import Role
from accounts.services import certificate_bind
from evaluation.models import EvaluationReport, ReportState
from evaluation.panel.seed import seed_new, seed_wrap
from evaluation.report.services import report_sign
from evaluation.session.consolidation import consolidation_close, scoring_close
from monitoring.clock import database_now
from monitoring.models import Event
from monitoring.services import PLATFORM
from signing.cms import sign_detached
from tests.browser.people import PASSWORD, give_password, person_with_password
from tests.evaluation.stories import opened_tender
from tests.evaluation.test_scoring_session import at_scoring, score_everything
from tests.supervision.complaint_stories import clock_at
from trading.models import (
    AwardLetter,
    AwardLetterKind,
    Candidate,
    CandidateObjection,
    CandidatePublicity,
    Contract,
    ObjectionState,
    TenderState,
)

pytestmark = pytest.mark.browser


def signed_report(story, certificate_authority) -> None:
    """Everyone scored alike; each member signs the report with a certificate bound to it."""
    at_scoring(story)
    score_everything(story)
    scoring_close(acting=story.member(0), tender_id=story.tender.pk)
    consolidation_close(acting=story.member(0), tender_id=story.tender.pk)
    report = EvaluationReport.objects.get(session__tender=story.tender)
    for index, seat in enumerate(story.seats):
        credential = certificate_authority.issue_person(
            name=f"评标专家{index}", person_id=f"11010819800202{index:04d}", key_type="ec-p256"
        )
        certificate_bind(user=seat.user, certificate=credential.certificate, actor=PLATFORM)
        report_sign(
            acting=story.member(index),
            tender_id=story.tender.pk,
            signature=sign_detached(bytes(report.document), credential=credential),
        )
    report.refresh_from_db()
    assert report.state == ReportState.SIGNED


def local(moment: dt.datetime) -> str:
    """A datetime-local value, as a person picks it (Beijing time)."""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def click(person, selector: str) -> None:
    person.page.click(selector)
    person.page.wait_for_load_state()


def next_step_link(person) -> str:
    return person.page.locator("[aria-current=step] a").get_attribute("href")


def error_under(person, field: str) -> str:
    return person.page.inner_text(f"#id_{field}_error")


def test_a_tenderee_awards_the_tender_and_records_the_contract(
    camera, certificate_authority, settings
):
    story = opened_tender()
    tender_id = story.tender.pk
    # The draw's seed, wrapped as a draw leaves it: the reveal with the candidates unwraps it.
    panel = story.panel
    seed_wrap(panel, seed_new())
    panel.save(update_fields=["seed_wrap_method", "seed_wrapped", "seed_sha256"])
    signed_report(story, certificate_authority)
    clerk_user = give_password(story.tenderee.user)
    bidders = {bid.bidder_id: bid.bidder for bid in story.bids}

    clerk = camera.person("tenderee")
    camera.log_in(clerk, clerk_user.username, PASSWORD)
    workspace = f"/tenders/workspace/{tender_id}/"
    clerk.goto(workspace)
    assert next_step_link(clerk) == f"/evaluation/{tender_id}/"
    camera.shoot(clerk, "workspace-report-signed")
    click(clerk, "[aria-current=step] a")
    camera.shoot(clerk, "evaluation-reported")
    click(clerk, "form[action$='/step/candidates'] button[type=submit]")
    publicity = CandidatePublicity.objects.get(tender_id=tender_id)
    candidates = list(Candidate.objects.filter(tender_id=tender_id).order_by("rank"))
    assert len(candidates) == 3

    # The second-ranked objects: the tender is suspended until the clerk answers.
    second = candidates[1].organisation
    objector = person_with_password(
        username="toubiao-2", full_name="投标经理 李强", role=Role.BIDDER, organisation=second
    )
    # From its page: refused first without a text (the problem under the text), then sent.
    bidder_two = camera.person("objector")
    camera.log_in(bidder_two, objector.username, PASSWORD)
    bidder_two.goto("/bids/")
    click(bidder_two, "a[href='/tenders/objections/']")
    camera.shoot(bidder_two, "objections-publicity")
    objection_form = f"form:has(input[name=tender][value='{tender_id}'])"
    click(bidder_two, f"{objection_form} button[type=submit]")
    assert error_under(bidder_two, f"{tender_id}-text")
    assert not CandidateObjection.objects.filter(tender_id=tender_id).exists()
    camera.shoot(bidder_two, "objection-refused")
    bidder_two.page.fill(f"#id_{tender_id}-text", "第一中标候选人的类似工程业绩不实。")
    click(bidder_two, f"{objection_form} button[type=submit]")
    objection = CandidateObjection.objects.get(tender_id=tender_id)
    assert (objection.organisation, objection.raised_by) == (second, objector)
    assert "第一中标候选人的类似工程业绩不实。" in bidder_two.page.inner_text(
        "#candidate-objections + article"
    )
    camera.shoot(bidder_two, "objection-sent")
    clerk.goto(workspace)
    assert next_step_link(clerk).endswith("/candidates/#objections")
    camera.shoot(clerk, "workspace-objection")
    click(clerk, "[aria-current=step] a")
    camera.shoot(clerk, "candidates-objection")
    form = f"form:has(input[name=objection][value='{objection.pk}'])"
    click(clerk, f"{form} button[type=submit]")
    assert error_under(clerk, f"{objection.pk}-text")
    camera.shoot(clerk, "candidates-answer-refused")
    clerk.page.fill(f"#id_{objection.pk}-text", "经核查，第一中标候选人的业绩真实有效。")
    click(clerk, f"{form} button[type=submit]")
    objection.refresh_from_db()
    assert objection.state == ObjectionState.ANSWERED
    assert story.tender.__class__.objects.get(pk=tender_id).state == TenderState.PUBLICIZING
    camera.shoot(clerk, "candidates-answered")
    bidder_two.goto("/tenders/objections/")
    assert "经核查" in bidder_two.page.inner_text("#candidate-objections + article")
    camera.shoot(bidder_two, "objection-answered")
    click(bidder_two, "a[href='/bids/']")
    click(bidder_two, "a[href='/tenders/notifications/']")
    camera.shoot(bidder_two, "notifications")

    # 条例 第五十四条: the publicity lasts at least 3 days; an hour after its end, the award.
    with clock_at(settings, publicity.ends_at + dt.timedelta(hours=1)):
        camera.log_in(clerk, clerk_user.username, PASSWORD, shoot=False)  # idle session ended
        clerk.goto(workspace)
        assert next_step_link(clerk) == f"{workspace}award/"
        camera.shoot(clerk, "workspace-award-next")
        click(clerk, "[aria-current=step] a")
        camera.shoot(clerk, "award-form")
        clerk.page.check(f"input[name=winner][value='{second.uscc}']")
        click(clerk, "form.stacked button[type=submit]")
        assert "第五十五条" in error_under(clerk, "winner")
        camera.shoot(clerk, "award-refused")
        winner = candidates[0].organisation
        clerk.page.check(f"input[name=winner][value='{winner.uscc}']")
        click(clerk, "form.stacked button[type=submit]")
        assert clerk.page.url.endswith(workspace)
        assert next_step_link(clerk) == f"{workspace}contract/"
        camera.shoot(clerk, "awarded")
        awarded_at = database_now()

        # The winner's bid manager reads its award notice; another bidder its result notice.
        winner_user = person_with_password(
            username="toubiao-1", full_name="投标经理 张伟", role=Role.BIDDER, organisation=winner
        )
        bidder = camera.person("bidder")
        camera.log_in(bidder, winner_user.username, PASSWORD)
        bidder.goto("/bids/")
        letter = AwardLetter.objects.get(tender_id=tender_id, organisation=winner)
        assert letter.kind == AwardLetterKind.AWARD_NOTICE
        camera.shoot(bidder, "my-bids-award-notice")
        click(bidder, f"a[href='/tenders/letters/{letter.pk}/']")
        text = bidder.page.inner_text("main")
        assert f"{candidates[0].price_fen // 100:,}.00" in text and story.tender.title in text
        camera.shoot(bidder, "award-notice")
        other = camera.person("other-bidder")
        camera.log_in(other, objector.username, PASSWORD, shoot=False)
        result = AwardLetter.objects.get(tender_id=tender_id, organisation=second)
        assert result.kind == AwardLetterKind.RESULT_NOTICE
        other.goto(f"/tenders/letters/{result.pk}/")
        assert winner.name in other.page.inner_text("main")
        camera.shoot(other, "result-notice")
        other.goto(f"/tenders/letters/{letter.pk}/", expected_status=404)  # not its letter

    # Two days on, the contract signed the day after the award is recorded, then the refunds.
    signed_on = awarded_at + dt.timedelta(days=1)
    with clock_at(settings, awarded_at + dt.timedelta(days=2)):
        camera.log_in(clerk, clerk_user.username, PASSWORD, shoot=False)
        clerk.goto(workspace)
        click(clerk, "[aria-current=step] a")
        camera.shoot(clerk, "contract-form")
        clerk.page.fill("#id_signed_at", local(awarded_at + dt.timedelta(days=3)))
        click(clerk, "form.stacked button[type=submit]")
        assert error_under(clerk, "signed_at")
        camera.shoot(clerk, "contract-refused")
        clerk.page.fill("#id_signed_at", local(signed_on))
        clerk.page.fill("#id_value", f"{candidates[0].price_fen / 100:.2f}")
        click(clerk, "form.stacked button[type=submit]")
        contract = Contract.objects.get(tender_id=tender_id)
        assert (contract.supplier, contract.value_fen) == (winner, candidates[0].price_fen)
        assert next_step_link(clerk) == f"{workspace}bid-security/"
        camera.shoot(clerk, "contracted")
        click(clerk, "[aria-current=step] a")
        camera.shoot(clerk, "refunds-form")
        for recipients in ("winner", "others"):
            clerk.page.check(f"input[name=recipients][value={recipients}]")
            clerk.page.fill("#id_refunded_at", local(signed_on + dt.timedelta(hours=2)))
            click(clerk, "form.stacked button[type=submit]")
        refunds = Event.objects.filter(action="bid_security.refunded", object_id=str(tender_id))
        assert sorted(event.payload["recipients"] for event in refunds) == ["others", "winner"]
        camera.shoot(clerk, "refunds-recorded")
        clerk.goto(workspace)
        assert clerk.page.locator("[aria-current=step]").count() == 0
        assert clerk.page.locator(".steps .step-done").count() == 5
        camera.shoot(clerk, "workspace-all-done")
    assert len(bidders) == len(story.bids)
