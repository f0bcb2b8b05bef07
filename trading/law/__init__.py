"""The law in one folder: every legal duration and threshold of a regime, each with its source,
the checks that apply them, and the calendar they count days by.

Two regimes share the platform (docs/law-policy.md lists every rule):

- ``works``: 工程建设项目招标投标 under 招标投标法 (2017), 招标投标法实施条例 (2019) and
  电子招标投标办法 (2013);
- ``government_procurement``: 政府采购 under 政府采购法 (2014), 政府采购法实施条例 (2015) and
  财政部令第87号 (政府采购货物和服务招标投标管理办法, 2017).

| module | what it holds |
|---|---|
| ``rules`` | the vocabulary: ``Regime``, the rule codes, ``Rule``, ``Policy``, ``Violation`` |
| ``works``, ``government_procurement`` | the rule table of each regime, with sources |
| ``regimes`` | ``policy_for(regime)``, ``rules_table()`` |
| ``periods`` | when a period ends: ``due``, publicity, refunds, the contract, objections |
| ``schedule`` | ``check_schedule``: a tender's dates against the law |
| ``checks`` | numbers against the law: bids, candidates, the panel, bid security |
| ``tender_terms`` | ``check_terms``: a tender's terms (prices, scoring, committee) |
| ``working_days`` | days in the Asia/Shanghai calendar with holidays and make-up working days |

A change in the law is a change of the data in works.py / government_procurement.py. The
checks return every ``Violation`` they find and never raise for a rule break, so a page can show
them all at once; they raise only for a programming error (an unknown regime, a naive datetime,
a rule the regime does not have).
"""
