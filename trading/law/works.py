"""The rules of 工程建设项目招标投标, each with its source: 招标投标法 (法), 招标投标法实施条例
(条例), 电子招标投标办法. A change in the law is a change of this table."""

from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from trading.law.rules import (
    AMENDMENT_NOTICE,
    AWARD_REPORT,
    BID_SECURITY_MAXIMUM,
    BID_SECURITY_REFUND,
    CANDIDATE_OBJECTION_ANSWER,
    CANDIDATE_PUBLICITY_DURATION,
    CANDIDATE_PUBLICITY_START,
    CANDIDATES_MAXIMUM,
    COMPLAINT_ACCEPTANCE,
    COMPLAINT_DECISION,
    COMPLAINT_WINDOW,
    CONTRACT_SIGNING,
    DOCUMENT_OBJECTION_ANSWER,
    DOCUMENT_OBJECTION_CUTOFF,
    DOCUMENTS_AVAILABLE,
    ISSUE_TO_DEADLINE,
    MINIMUM_BIDS,
    PANEL_EXPERT_SHARE,
    PANEL_MINIMUM,
    WITHDRAWN_BID_SECURITY_REFUND,
    Rule,
    Unit,
    rule_table,
)

# 工程建设项目招标投标: 招标投标法 (法), 招标投标法实施条例 (条例).
WORKS_RULES = rule_table(
    Rule(
        DOCUMENTS_AVAILABLE,
        5,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第十六条",
        _("tender documents are on sale for at least 5 days"),
        "招标文件的发售期不得少于5日",
        counted_from="documents_from",
    ),
    Rule(
        ISSUE_TO_DEADLINE,
        20,
        Unit.CALENDAR_DAYS,
        "招标投标法 第二十四条",
        _("at least 20 days from the first issue of the documents to the bid deadline"),
        "自招标文件开始发出之日起至投标人提交投标文件截止之日止，最短不得少于二十日",
        counted_from="documents_from",
    ),
    Rule(
        AMENDMENT_NOTICE,
        15,
        Unit.CALENDAR_DAYS,
        "招标投标法 第二十三条; 招标投标法实施条例 第二十一条",
        _(
            "a clarification or amendment at least 15 days before the bid deadline, "
            "otherwise the deadline moves"
        ),
        "澄清或者修改应当在投标截止时间至少15日前通知；不足15日的，应当顺延投标截止时间",
    ),
    Rule(
        DOCUMENT_OBJECTION_CUTOFF,
        10,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第二十二条",
        _("objections to the tender documents are raised at least 10 days before the deadline"),
        "对招标文件有异议的，应当在投标截止时间10日前提出",
    ),
    Rule(
        DOCUMENT_OBJECTION_ANSWER,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第二十二条",
        _("an objection is answered within 3 days; the procedure is suspended until then"),
        "招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动",
    ),
    Rule(
        MINIMUM_BIDS,
        3,
        Unit.COUNT,
        "招标投标法 第二十八条; 招标投标法实施条例 第四十四条",
        _("with fewer than 3 bids there is no opening; the tender is repeated"),
        "投标人少于3个的，不得开标；招标人应当重新招标",
    ),
    Rule(
        PANEL_MINIMUM,
        5,
        Unit.COUNT,
        "招标投标法 第三十七条",
        _("the evaluation panel has at least 5 members, an odd number"),
        "评标委员会成员人数为五人以上单数",
    ),
    Rule(
        PANEL_EXPERT_SHARE,
        Fraction(2, 3),
        Unit.FRACTION,
        "招标投标法 第三十七条",
        _("experts are at least two thirds of the panel"),
        "技术、经济等方面的专家不得少于成员总数的三分之二",
    ),
    Rule(
        CANDIDATES_MAXIMUM,
        3,
        Unit.COUNT,
        "招标投标法实施条例 第五十三条",
        _("at most 3 winning candidates, ranked"),
        "中标候选人应当不超过3个，并标明排序",
    ),
    Rule(
        CANDIDATE_PUBLICITY_START,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十四条",
        _("the candidates are published within 3 days of receiving the evaluation report"),
        "招标人应当自收到评标报告之日起3日内公示中标候选人",
    ),
    Rule(
        CANDIDATE_PUBLICITY_DURATION,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十四条",
        _("the candidate publicity lasts at least 3 days"),
        "公示期不得少于3日",
    ),
    Rule(
        CANDIDATE_OBJECTION_ANSWER,
        3,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十四条",
        _(
            "an objection to the evaluation result is answered within 3 days; "
            "the procedure is suspended until then"
        ),
        "招标人应当自收到异议之日起3日内作出答复；作出答复前，应当暂停招标投标活动",
    ),
    Rule(
        CONTRACT_SIGNING,
        30,
        Unit.CALENDAR_DAYS,
        "招标投标法 第四十六条",
        _("the contract is signed within 30 days of the award notice"),
        "自中标通知书发出之日起三十日内订立书面合同",
    ),
    Rule(
        AWARD_REPORT,
        15,
        Unit.CALENDAR_DAYS,
        "招标投标法 第四十七条",
        _("a report to the supervising authority within 15 days of the award"),
        "自确定中标人之日起十五日内，向有关行政监督部门提交招标投标情况的书面报告",
    ),
    Rule(
        COMPLAINT_WINDOW,
        10,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第六十条",
        _(
            "a complaint is filed within 10 days of knowing of the breach "
            "(time spent on a prior objection not counted)"
        ),
        "自知道或者应当知道之日起10日内投诉；异议答复期间不计算在内",
    ),
    Rule(
        COMPLAINT_ACCEPTANCE,
        3,
        Unit.WORKING_DAYS,
        "招标投标法实施条例 第六十一条",
        _("a complaint is accepted or refused within 3 working days of receipt"),
        "自收到投诉之日起3个工作日内决定是否受理投诉",
    ),
    Rule(
        COMPLAINT_DECISION,
        30,
        Unit.WORKING_DAYS,
        "招标投标法实施条例 第六十一条",
        _(
            "a complaint is decided within 30 working days of acceptance "
            "(inspection, testing, appraisal and expert review not counted)"
        ),
        "自受理投诉之日起30个工作日内作出书面处理决定",
    ),
    Rule(
        BID_SECURITY_MAXIMUM,
        2,
        Unit.PERCENT,
        "招标投标法实施条例 第二十六条",
        # xgettext:no-python-format
        _("bid security is at most 2% of the estimated price"),
        "投标保证金不得超过招标项目估算价的2%",
    ),
    Rule(
        BID_SECURITY_REFUND,
        5,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第五十七条",
        _(
            "bid security is refunded to the winner and to every other bidder within 5 days "
            "of signing the contract"
        ),
        "最迟应当在书面合同签订后5日内向中标人和未中标的投标人退还投标保证金及银行同期存款利息",
        counted_from="contract_signed_at",
    ),
    Rule(
        WITHDRAWN_BID_SECURITY_REFUND,
        5,
        Unit.CALENDAR_DAYS,
        "招标投标法实施条例 第三十五条",
        _("the security of a withdrawn bid is refunded within 5 days of the withdrawal notice"),
        "自收到投标人书面撤回通知之日起5日内退还",
    ),
)
