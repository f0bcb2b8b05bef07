"""`make demo`'s story: one works tender from draft to contract through the platform's own
services, every legal period lived through on the demo's clock (config/demo/clock.py) and
computed by the platform's own rules (trading/law), every step told in Chinese and English.

The cast is `make run`'s demo identities: the tenderee (示范市住房和城乡建设局), bidders 1–3 and
experts 01–05, each signing with its demo certificate. The story writes only through services,
as users would (docs/operations.md, "make demo").
"""

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from django.utils import translation

from accounts.demo import demo_uscc
from accounts.models import Organisation
from bids.demo import demo_bid_submit, demo_credential, demo_opening_run
from bids.opening.selectors import opening_sign_in_opens_at
from config.demo.clock import DemoClock
from evaluation.demo_session import demo_evaluate, demo_panel_seat
from evaluation.report.services import candidates_publicize_from_report
from monitoring.chronograph import run_chronograph
from monitoring.clock import database_now
from trading.award import contract_register, tender_award
from trading.demo import demo_document_upload, demo_tenderee_acting, demo_terms
from trading.documents import document_obtain
from trading.law.periods import period_last_day
from trading.law.regimes import policy_for
from trading.law.rules import AMENDMENT_NOTICE, DOCUMENTS_AVAILABLE, ISSUE_TO_DEADLINE, Regime
from trading.law.schedule import check_schedule
from trading.law.working_days import SHANGHAI, local, local_date, resolve_calendar
from trading.models import Tender
from trading.services import project_create, tender_clarify, tender_create_draft, tender_publish

TITLE = "示范市实验学校综合楼新建工程施工"
PROJECT_NAME = "示范市实验学校综合楼新建工程"


@dataclass(frozen=True)
class DemoBidder:
    body: str  # the demo organisation's USCC body (accounts.demo.ORGANISATIONS)
    price_fen: int
    technical: tuple[int, int]  # 施工组织设计 (of 30), 项目管理机构 (of 10): the panel's view


BIDDERS = (
    DemoBidder("MA3C0003", 35_180_000_00, (27, 8)),
    DemoBidder("MA4D0004", 34_860_000_00, (25, 9)),
    DemoBidder("MA5E0005", 35_620_000_00, (26, 7)),
)

Say = Callable[[str, str], None]


def teller(out: TextIO = sys.stdout) -> Say:
    """Print a step in both languages, after the platform's time in Asia/Shanghai."""

    def say(chinese: str, english: str) -> None:
        moment = local(database_now()).strftime("%Y-%m-%d %H:%M")
        print(f"[{moment} 北京时间] {chinese}\n{' ' * 23}{english}", file=out, flush=True)

    return say


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def until(moment: dt.datetime) -> str:
    """An exclusive end (00:00 of the next day) as the law says it: 24:00 of its last day."""
    return f"{local(moment - dt.timedelta(microseconds=1)):%Y-%m-%d} 24:00"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def lawful_schedule(now: dt.datetime) -> dict[str, dt.datetime]:
    """The shortest schedule the works regime allows from tomorrow, by the platform's rules:
    documents on sale for the 5 days the law gives, the deadline on the 20th day after they are
    first issued, clarifications until 15 days before it."""
    policy, calendar = policy_for(Regime.WORKS), resolve_calendar(None)
    documents_from = _at(local_date(now) + dt.timedelta(days=1), 9)
    last_sale_day = period_last_day(
        policy, policy.rule(DOCUMENTS_AVAILABLE), documents_from, calendar
    )
    deadline_day = period_last_day(policy, policy.rule(ISSUE_TO_DEADLINE), documents_from, calendar)
    clarifications_until = deadline_day - dt.timedelta(
        days=int(policy.rule(AMENDMENT_NOTICE).number)
    )
    return {
        "documents_from": documents_from,
        "documents_until": _at(last_sale_day, 17),
        "clarification_cutoff": _at(clarifications_until, 17),
        "bid_deadline": _at(deadline_day, 9, 30),
    }


def _tick(say: Say) -> None:
    """The chronograph's tick, as beat runs it every 30 seconds on a running platform."""
    result = run_chronograph()
    if result.failed_sweeps:
        raise RuntimeError(f"the chronograph's sweeps failed: {result.failed_sweeps}")
    if result.transitions_made:
        say(
            f"   计时器处理到期事项：{result.transitions_made} 项状态变更",
            f"   The chronograph makes what is due: {result.transitions_made} transition(s)",
        )


def run_story(*, clock: DemoClock, say: Say) -> Tender:
    """The whole tender; returns it contracted."""
    with translation.override("zh-hans"):
        return _story(clock, say)


def _story(clock: DemoClock, say: Say) -> Tender:
    host = demo_tenderee_acting()
    bidders = [Organisation.objects.get(uscc=demo_uscc(item.body)) for item in BIDDERS]
    now = clock.now()

    # 1. The draft, its schedule worked out by the platform's own rules.
    schedule = lawful_schedule(now)
    project = project_create(
        acting=host,
        code=f"SFJ-DEMO-{local(now):%Y%m%d%H%M%S}",
        name=PROJECT_NAME,
        tenderee=host_organisation(),
        agent=None,
        regime=Regime.WORKS,
        region="110108",
    )
    tender = tender_create_draft(
        acting=host, project=project, terms=demo_terms(TITLE, now=now, **schedule)
    )
    say(
        f"① 招标人起草招标项目：{TITLE}（最高投标限价 {yuan(tender.ceiling_price_fen)} 元）",
        f"1. The tenderee drafts the tender {TITLE} (ceiling price CNY "
        f"{yuan(tender.ceiling_price_fen)})",
    )
    deadline = schedule["bid_deadline"]
    days = (local_date(deadline) - local_date(schedule["documents_from"])).days
    rolled = days > int(policy_for(Regime.WORKS).rule(ISSUE_TO_DEADLINE).number)
    say(
        f"   文件发售 {local(schedule['documents_from']):%m-%d %H:%M} 至 "
        f"{local(schedule['documents_until']):%m-%d %H:%M}；投标截止/开标 "
        f"{local(deadline):%m-%d %H:%M}（文件发出之日起第{days}日，招标投标法 第二十四条"
        f"{'；第20日为休息日，顺延' if rolled else ''}）",
        f"   documents on sale {local(schedule['documents_from']):%m-%d %H:%M} to "
        f"{local(schedule['documents_until']):%m-%d %H:%M}; bid deadline and opening "
        f"{local(deadline):%m-%d %H:%M}, day {days} after the documents are first issued"
        f"{' (the 20th is not a working day: the period runs on)' if rolled else ''}",
    )
    shorter = check_schedule(
        Regime.WORKS,
        published_at=now,
        documents_from=schedule["documents_from"],
        documents_until=schedule["documents_until"],
        clarification_cutoff=schedule["clarification_cutoff"],
        bid_deadline=deadline - dt.timedelta(days=1),
        decryption_window_minutes=tender.decryption_window_minutes,
    )
    refused = next(item for item in shorter if item.rule_code == ISSUE_TO_DEADLINE)
    say(
        f"   平台规则校验：截止时间若提前一天，将被拒绝 —— {refused.message}",
        f"   The platform's rules: a deadline one day earlier would be refused ({refused.source})",
    )

    # 2. Documents signed by the tenderee's certificate; 3. publication.
    document = demo_document_upload(
        tender=tender,
        name="招标文件.pdf",
        content=f"{TITLE} 招标文件（演示）\n".encode() * 400,
    )
    say(
        f"② 招标人以其数字证书签名并上传招标文件（SHA-256 {document.sha256[:16]}…）",
        "2. The tenderee uploads the tender documents, signed with its certificate",
    )
    tender = tender_publish(acting=host, tender_id=tender.pk)
    say(
        "③ 招标人发布招标公告（平台签名并加盖时间戳）",
        "3. The tenderee publishes the tender notice (signed and time-stamped by the platform)",
    )

    # 4. Bidders obtain the documents once they are on sale.
    clock.advance_to(schedule["documents_from"])
    _tick(say)
    for organisation in bidders:
        document_obtain(acting=demo_credential(organisation)[0], document_id=document.pk)
    say(
        f"④ {len(bidders)} 家投标人下载招标文件（获取人名单在截止前保密，办法 第二十一条）",
        f"4. {len(bidders)} bidders obtain the documents (who did stays secret until the deadline)",
    )

    # 5. A clarification 18 days before the deadline: the deadline stays.
    clock.advance_to(schedule["documents_from"] + dt.timedelta(days=2))
    tender = tender_clarify(
        acting=host,
        tender_id=tender.pk,
        text="澄清：综合楼外墙保温材料燃烧性能等级为A级，详见图纸说明。",
    )
    say(
        f"⑤ 招标人发布澄清，距截止 {(local_date(deadline) - local_date(clock.now())).days} 日"
        "（≥15日，截止时间不变）；已下载文件的投标人均收到通知",
        "5. The tenderee publishes a clarification at least 15 days before the deadline, which "
        "therefore stays; every bidder that obtained the documents is notified",
    )

    # 6. Sealed bids, two days before the deadline.
    clock.advance_to(deadline - dt.timedelta(days=2))
    for item, organisation in zip(BIDDERS, bidders, strict=True):
        finalised = demo_bid_submit(
            organisation=organisation, tender=tender, price_fen=item.price_fen
        )
        say(
            f"⑥ {organisation.name} 在本机加密签名投标文件并上传，取得平台回执 "
            f"{str(finalised.receipt.pk)[:8]}（签名并加盖时间戳）",
            f"6. {organisation.name} seals and submits its bid; the platform's signed, "
            "time-stamped receipt comes back",
        )

    # 7. The deadline: the chronograph closes bidding and opens the hall; the opening.
    clock.advance_to(opening_sign_in_opens_at(tender=tender))
    clock.advance_to(deadline)
    _tick(say)
    tender.refresh_from_db()
    say(
        f"⑦ 投标截止，开标大厅开启（状态：{tender.get_state_display()}）",
        "7. The bid deadline passes and the opening hall opens",
    )
    session = demo_opening_run(tender=tender, bidders=bidders)
    say(
        "⑧ 投标人签到；招标人宣布最高投标限价并开始解密；各投标人以本单位证书远程解密",
        "8. The bidders sign in; the host announces the ceiling price and starts decryption; "
        "each bidder decrypts its own bid with its certificate, as bidtool does",
    )
    for line in session.lines:
        say(
            f"   唱标：{line['bidder']} 投标报价 {yuan(line['total_price_fen'])} 元，"
            f"工期 {line['duration_days']} 日",
            f"   Price reading: {line['bidder']} bids CNY {yuan(line['total_price_fen'])}, "
            f"{line['duration_days']} days",
        )
    tender.refresh_from_db()
    say(
        f"⑨ 投标人逐一确认唱标结果，开标记录签名发布（{tender.get_state_display()}）",
        "9. Each bidder confirms its line; the opening record is signed and published",
    )

    # 10. The closed evaluation, the same morning.
    clock.advance_to(_at(local_date(deadline), 10, 30))
    members = demo_panel_seat(tender=tender, requested_by=host.user)
    say(
        f"⑩ 从专家库随机抽取评标专家 {len(members)} 名（种子哈希先行记入日志，回避投标人、招标人）",
        f"10. {len(members)} experts are drawn at random from the pool (the seed's hash logged "
        "first, avoiding the bidders and the tenderee)",
    )
    report = demo_evaluate(
        tender=tender,
        host=host,
        members=members,
        technical_points={
            organisation.uscc: item.technical
            for item, organisation in zip(BIDDERS, bidders, strict=True)
        },
    )
    say(
        "⑪ 封闭评标：资格审查、符合性审查、评分、汇总；每位专家以本人证书签署评标报告",
        "11. Closed evaluation: qualification, responsiveness, scoring, consolidation; every "
        "expert signs the report with its own certificate",
    )
    for candidate in report.candidates:
        say(
            f"   第{candidate['rank']}名：{candidate['name']}，得分 {candidate['score']}，"
            f"报价 {yuan(candidate['price_fen'])} 元",
            f"   Rank {candidate['rank']}: {candidate['name']}, score {candidate['score']}, "
            f"CNY {yuan(candidate['price_fen'])}",
        )

    # 12. Candidate publicity the next morning (within 3 days of the report), at least 3 days.
    clock.advance_to(_at(local_date(clock.now()) + dt.timedelta(days=1), 9))
    publicity = candidates_publicize_from_report(acting=host, tender_id=tender.pk)
    say(
        f"⑫ 招标人公示中标候选人，公示期至 {until(publicity.ends_at)}"
        "（不少于3日，条例 第五十四条）",
        f"12. The tenderee publicizes the candidates until {until(publicity.ends_at)} (at least "
        "3 days)",
    )

    # 13. The award once the publicity is over; 14. the contract a week later.
    clock.advance_to(publicity.ends_at + dt.timedelta(hours=9))
    _tick(say)
    first = next(item for item in report.candidates if item["rank"] == 1)
    award = tender_award(acting=host, tender_id=tender.pk, winner_uscc=first["uscc"])
    say(
        f"⑬ 公示期满无异议，确定中标人 {award.winner.name}，中标价 {yuan(award.price_fen)} 元；"
        f"发出中标通知书，合同应于 {until(award.contract_due)} 前签订（招标投标法 第四十六条）",
        f"13. The publicity is over with no objection: {award.winner.name} wins at CNY "
        f"{yuan(award.price_fen)}; the award notice is issued, the contract due by "
        f"{until(award.contract_due)}",
    )
    clock.advance_to(_at(local_date(clock.now()) + dt.timedelta(days=7), 10))
    contract_register(
        acting=host, tender_id=tender.pk, value_fen=award.price_fen, signed_at=clock.now()
    )
    tender.refresh_from_db()
    say(
        f"⑭ 招标人登记合同（{tender.get_state_display()}）：从起草到签约共 "
        f"{(local_date(clock.now()) - local_date(now)).days} 日",
        f"14. The tenderee registers the contract ({tender.state}): "
        f"{(local_date(clock.now()) - local_date(now)).days} days from draft to contract",
    )
    return tender


def host_organisation() -> Organisation:
    return Organisation.objects.get(uscc=demo_uscc("MB1A0001"))
