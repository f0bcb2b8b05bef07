"""Factories for the identities and tenders every test story starts from."""

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from accounts.models import Organisation, Role, RoleMembership, User
from accounts.uscc import make_uscc


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda number: f"user{number:04d}")
    full_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda number: f"测试建设有限公司{number:04d}")
    uscc = factory.Sequence(
        lambda number: make_uscc(
            authority="9", organisation_type="1", division="110108", body=f"MA{number:06d}"
        )
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    role = Role.BIDDER
    organisation = factory.SubFactory(OrganisationFactory)


def days_from_now(days: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def on_day_from_today(days: int, *, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock in Asia/Shanghai on the date ``days`` after today's there.

    Legal periods count dates, not hours: a deadline ``days_from_now(14) + 2 hours`` lies 15
    dates away when the test runs at 23:00, 14 at 10:00.
    """
    shanghai = ZoneInfo("Asia/Shanghai")
    day = dt.datetime.now(shanghai).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=shanghai)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trading.Project"

    code = factory.Sequence(lambda number: f"SFJ-2026-{number:04d}")
    name = factory.Sequence(lambda number: f"示范市第{number}中学教学楼新建工程")
    tenderee = factory.SubFactory(
        OrganisationFactory, name=factory.Sequence(lambda number: f"示范市教育局{number:04d}")
    )
    agent = None
    regime = "works"
    region = "110108"


def comprehensive_scoring_scheme() -> dict:
    return {
        "criteria": [
            {"name": "技术方案", "weight": 40, "minimum": 0, "maximum": 40},
            {"name": "商务", "weight": 10, "minimum": 0, "maximum": 10},
            {"name": "价格", "weight": 50, "minimum": 0, "maximum": 50},
        ],
        "price": {"formula": "mean_benchmark"},
    }


class TenderFactory(factory.django.DjangoModelFactory):
    """A draft whose schedule satisfies the works regime when published now."""

    class Meta:
        model = "trading.Tender"

    project = factory.SubFactory(ProjectFactory)
    lot_number = factory.Sequence(lambda number: number + 1)
    title = factory.LazyAttribute(lambda tender: f"{tender.project.name} 第1标段")
    category = "works"
    method = "open"
    ceiling_price_fen = 12_000_000_00
    bid_security_fen = 20_000_00
    estimated_price_fen = 12_500_000_00
    documents_from = factory.LazyFunction(lambda: days_from_now(0.01))
    # Five days' availability (条例 第十六条; five working days in government procurement, 令87
    # 第十八条) that may span a week of National Day holiday and a weekend: fifteen calendar
    # days keep the schedule lawful from any moment it is published.
    documents_until = factory.LazyFunction(lambda: days_from_now(15))
    clarification_cutoff = factory.LazyFunction(lambda: days_from_now(9))
    bid_deadline = factory.LazyFunction(lambda: days_from_now(25))
    evaluation_method = "comprehensive_scoring"
    scoring_scheme = factory.LazyFunction(comprehensive_scoring_scheme)
    required_files = factory.LazyFunction(lambda: ["投标函.pdf", "技术标.pdf"])


class TenderDocumentFactory(factory.django.DjangoModelFactory):
    """A tender document row, for stories about who obtained it (its bytes are not stored)."""

    class Meta:
        model = "trading.TenderDocument"

    tender = factory.SubFactory(TenderFactory)
    kind = "tender_documents"
    name = "招标文件.pdf"
    size = 1
    sha256 = "0" * 64
    object_key = factory.LazyAttribute(lambda document: f"tenders/{document.tender.pk}/documents/x")
    statement_signature = b""
    signer_certificate_sha256 = "0" * 64
    uploaded_by = factory.SubFactory(UserFactory)
    uploaded_at = factory.LazyFunction(lambda: days_from_now(0))
