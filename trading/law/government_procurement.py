"""The rules of 政府采购 (goods and services by tender), each with its source: 政府采购法,
政府采购法实施条例, 财政部令第87号. A change in the law is a change of this table."""

from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from trading.law.rules import (
    AMENDMENT_NOTICE,
    AWARD_DECISION,
    BID_SECURITY_MAXIMUM,
    BID_SECURITY_REFUND,
    COMPLAINT_DECISION,
    COMPLAINT_WINDOW,
    CONTRACT_FILING,
    CONTRACT_SIGNING,
    DOCUMENT_OBJECTION_ANSWER,
    DOCUMENT_OBJECTION_WINDOW,
    DOCUMENTS_AVAILABLE,
    ISSUE_TO_DEADLINE,
    LARGE_BUDGET,
    MINIMUM_BIDS,
    NOTICE_DURATION,
    PANEL_EXPERT_SHARE,
    PANEL_MINIMUM,
    PANEL_MINIMUM_LARGE,
    PRICE_DROPS,
    PRICE_LOWEST_BENCHMARK,
    PRICE_WEIGHT_GOODS,
    PRICE_WEIGHT_SERVICES,
    RESULT_ANNOUNCEMENT_DURATION,
    RESULT_ANNOUNCEMENT_START,
    UNSUCCESSFUL_BID_SECURITY_REFUND,
    WITHDRAWN_BID_SECURITY_REFUND,
    Rule,
    Unit,
    rule_table,
)

# 政府采购 (goods and services by tender): 政府采购法, 政府采购法实施条例, 财政部令第87号.
GOVERNMENT_PROCUREMENT_RULES = rule_table(
    Rule(
        NOTICE_DURATION,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第十六条",
        _("a tender notice stays published for 5 working days"),
        "招标公告、资格预审公告的公告期限为5个工作日",
    ),
    Rule(
        DOCUMENTS_AVAILABLE,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第十八条",
        _("tender documents are provided for at least 5 working days from the notice"),
        "提供期限自招标公告、资格预审公告发布之日起计算不得少于5个工作日",
        counted_from="published_at",
    ),
    Rule(
        ISSUE_TO_DEADLINE,
        20,
        Unit.CALENDAR_DAYS,
        "政府采购法 第三十五条",
        _("at least 20 days from the first issue of the documents to the bid deadline"),
        "自招标文件开始发出之日起至投标人提交投标文件截止之日止，不得少于二十日",
        counted_from="documents_from",
    ),
    Rule(
        AMENDMENT_NOTICE,
        15,
        Unit.CALENDAR_DAYS,
        "财政部令第87号 第二十七条",
        _(
            "a clarification or amendment at least 15 days before the bid deadline, "
            "otherwise the deadline moves"
        ),
        "应当在投标截止时间至少15日前通知；不足15日的，应当顺延提交投标文件的截止时间",
    ),
    Rule(
        DOCUMENT_OBJECTION_WINDOW,
        7,
        Unit.WORKING_DAYS,
        "政府采购法 第五十二条",
        _("a challenge (质疑) is raised within 7 working days of knowing of the harm"),
        "在知道或者应知其权益受到损害之日起七个工作日内，以书面形式向采购人提出质疑",
    ),
    Rule(
        DOCUMENT_OBJECTION_ANSWER,
        7,
        Unit.WORKING_DAYS,
        "政府采购法 第五十三条",
        _("a challenge is answered within 7 working days"),
        "采购人应当在收到供应商的书面质疑后七个工作日内作出答复",
    ),
    Rule(
        MINIMUM_BIDS,
        3,
        Unit.COUNT,
        "政府采购法 第三十六条",
        _("with fewer than 3 qualified and responsive suppliers the tender fails"),
        "符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的，应予废标",
    ),
    Rule(
        PANEL_MINIMUM,
        5,
        Unit.COUNT,
        "财政部令第87号 第四十七条",
        _("the evaluation panel has at least 5 members, an odd number"),
        "评标委员会成员人数应当为5人以上单数",
    ),
    Rule(
        PANEL_EXPERT_SHARE,
        Fraction(2, 3),
        Unit.FRACTION,
        "财政部令第87号 第四十七条",
        _("experts are at least two thirds of the panel"),
        "评审专家不得少于成员总数的三分之二",
    ),
    Rule(
        PANEL_MINIMUM_LARGE,
        7,
        Unit.COUNT,
        "财政部令第87号 第四十七条",
        _(
            "at least 7 members, an odd number, for a budget of 10 million yuan or more, "
            "a technically complex project or one of wide social impact"
        ),
        "采购预算金额在1000万元以上、技术复杂或者社会影响较大的，评标委员会成员人数应当为7人以上单数",
    ),
    Rule(
        LARGE_BUDGET,
        10_000_000,
        Unit.YUAN,
        "财政部令第87号 第四十七条",
        _("the budget from which the panel needs 7 members"),
        "采购预算金额在1000万元以上",
    ),
    Rule(
        PRICE_WEIGHT_GOODS,
        30,
        Unit.PERCENT,
        "财政部令第87号 第五十五条",
        # xgettext:no-python-format
        _("in comprehensive scoring of goods the price is at least 30% of the total score"),
        "货物项目的价格分值占总分值的比重不得低于30%",
    ),
    Rule(
        PRICE_WEIGHT_SERVICES,
        10,
        Unit.PERCENT,
        "财政部令第87号 第五十五条",
        # xgettext:no-python-format
        _("in comprehensive scoring of services the price is at least 10% of the total score"),
        "服务项目的价格分值占总分值的比重不得低于10%",
    ),
    Rule(
        PRICE_LOWEST_BENCHMARK,
        100,
        Unit.POINTS,
        "财政部令第87号 第五十五条",
        _(
            "the price score is computed from the lowest valid price as benchmark: "
            "benchmark / price × 100 (低价优先法)"
        ),
        "价格分应当采用低价优先法计算……投标报价得分=(评标基准价／投标报价)×100",
    ),
    Rule(
        PRICE_DROPS,
        0,
        Unit.COUNT,
        "财政部令第87号 第五十五条",
        _("neither the highest nor the lowest price is dropped"),
        "项目评审过程中，不得去掉报价中的最高报价和最低报价",
    ),
    Rule(
        AWARD_DECISION,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第六十八条",
        _("the purchaser chooses the winner within 5 working days of receiving the report"),
        "采购人应当自收到评标报告之日起5个工作日内，在评标报告确定的中标候选人名单中按顺序确定中标人",
    ),
    Rule(
        RESULT_ANNOUNCEMENT_START,
        2,
        Unit.WORKING_DAYS,
        "财政部令第87号 第六十九条",
        _("the result is announced within 2 working days of choosing the winner"),
        "自中标人确定之日起2个工作日内，在省级以上财政部门指定的媒体上公告中标结果",
    ),
    Rule(
        RESULT_ANNOUNCEMENT_DURATION,
        1,
        Unit.WORKING_DAYS,
        "财政部令第87号 第六十九条",
        _("the result announcement lasts 1 working day"),
        "中标公告期限为1个工作日",
    ),
    Rule(
        CONTRACT_SIGNING,
        30,
        Unit.CALENDAR_DAYS,
        "政府采购法 第四十六条",
        _("the contract is signed within 30 days of the award notice"),
        "应当在中标、成交通知书发出之日起三十日内签订政府采购合同",
    ),
    Rule(
        CONTRACT_FILING,
        7,
        Unit.WORKING_DAYS,
        "政府采购法 第四十七条",
        _(
            "a copy of the contract is filed with the supervising authority "
            "within 7 working days of signing"
        ),
        "采购合同自签订之日起七个工作日内，将合同副本报同级政府采购监督管理部门和有关部门备案",
    ),
    Rule(
        COMPLAINT_WINDOW,
        15,
        Unit.WORKING_DAYS,
        "政府采购法 第五十五条",
        _("a complaint is filed within 15 working days after the challenge answer period ends"),
        "可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉",
    ),
    Rule(
        COMPLAINT_DECISION,
        30,
        Unit.WORKING_DAYS,
        "政府采购法 第五十六条",
        _("a complaint is decided within 30 working days of receipt"),
        "应当在收到投诉后三十个工作日内，对投诉事项作出处理决定",
    ),
    Rule(
        BID_SECURITY_MAXIMUM,
        2,
        Unit.PERCENT,
        "政府采购法实施条例 第三十三条",
        # xgettext:no-python-format
        _("bid security is at most 2% of the budget"),
        "投标保证金不得超过采购项目预算金额的2%",
    ),
    Rule(
        BID_SECURITY_REFUND,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第三十八条",
        _("the winner's bid security is refunded within 5 working days of signing the contract"),
        "自采购合同签订之日起5个工作日内退还中标人的投标保证金或者转为中标人的履约保证金",
        counted_from="contract_signed_at",
    ),
    Rule(
        UNSUCCESSFUL_BID_SECURITY_REFUND,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第三十八条",
        _(
            "the bid security of the bidders that did not win is refunded within 5 working days "
            "of the award notice"
        ),
        "自中标通知书发出之日起5个工作日内退还未中标人的投标保证金",
        counted_from="award_notice_at",
    ),
    Rule(
        WITHDRAWN_BID_SECURITY_REFUND,
        5,
        Unit.WORKING_DAYS,
        "财政部令第87号 第三十八条",
        _("the security of a withdrawn bid is refunded within 5 working days of the notice"),
        "自收到投标人书面撤回通知之日起5个工作日内，退还已收取的投标保证金",
    ),
)
