"""A published demo tender for `make run`, so that the portal and the workspace are not empty."""

import datetime as dt

from accounts.demo import demo_uscc
from accounts.models import Organisation, Role, RoleMembership
from monitoring.clock import database_now
from trading.models import Project, Tender
from trading.services import Acting, project_create, tender_create_draft, tender_publish

DEMO_PROJECT_CODE = "SFJ-2026-DEMO"


def demo_tender_ensure() -> Tender:
    """Create and publish the demo tender once; later calls return it."""
    existing = Tender.objects.filter(project__code=DEMO_PROJECT_CODE).first()
    if existing is not None:
        return existing
    tenderee = Organisation.objects.get(uscc=demo_uscc("MB1A0001"))
    agent = Organisation.objects.get(uscc=demo_uscc("MA2B0002"))
    staff = RoleMembership.objects.get(role=Role.TENDEREE, organisation=tenderee).user
    acting = Acting(user=staff)
    project = Project.objects.filter(code=DEMO_PROJECT_CODE).first() or project_create(
        acting=acting,
        code=DEMO_PROJECT_CODE,
        name="示范市第一中学教学楼新建工程",
        tenderee=tenderee,
        agent=agent,
        regime="works",
        region="110108",
    )
    now = database_now()
    tender = tender_create_draft(
        acting=acting,
        project=project,
        terms={
            "title": "示范市第一中学教学楼新建工程施工",
            "category": "works",
            "method": "open",
            "ceiling_price_fen": 36_800_000_00,
            "bid_security_fen": 50_000_00,
            "estimated_price_fen": 38_000_000_00,
            "evaluation_method": "comprehensive_scoring",
            "scoring_scheme": {
                "criteria": [
                    {"name": "施工组织设计", "weight": 30, "minimum": 0, "maximum": 30},
                    {"name": "项目管理机构", "weight": 10, "minimum": 0, "maximum": 10},
                    {"name": "投标报价", "weight": 60, "minimum": 0, "maximum": 60},
                ],
                "price": {"formula": "mean_benchmark"},
            },
            "qualification_requirements": "具备建筑工程施工总承包二级及以上资质。",
            "required_files": ["投标函.pdf", "施工组织设计.pdf", "已标价工程量清单.pdf"],
            "documents_from": now + dt.timedelta(minutes=5),
            "documents_until": now + dt.timedelta(days=8),
            "clarification_cutoff": now + dt.timedelta(days=10),
            "bid_deadline": now + dt.timedelta(days=28),
        },
    )
    return tender_publish(acting=acting, tender_id=tender.pk)
