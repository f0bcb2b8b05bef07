"""Demo tenders for `make run`, so that the portal and the workspace are not empty: a published
tender with its signed tender documents, two drafts in the tenderee's workspace, and a tender
terminated after publication (bids/demo.py adds one at its opening and one opened). Each is made
once; later calls return it.
"""

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.conf import settings

from accounts.demo import DEMO_PASSWORD, demo_uscc
from accounts.models import Organisation, Role, RoleMembership
from monitoring.clock import database_now
from signing.cms import sign_detached
from signing.credentials import Credential, load_pkcs12
from trading.documents import document_statement, document_upload
from trading.models import DocumentKind, Project, Tender, TenderDocument, TenderState
from trading.services import (
    Acting,
    project_create,
    tender_cancel,
    tender_create_draft,
    tender_publish,
)

DEMO_PROJECT_CODE = "SFJ-2026-DEMO"
TENDEREE_BODY = "MB1A0001"
DRAFT_TITLES = ("示范市人民医院门诊楼装修工程施工", "示范市第二小学食堂改造工程施工")
CANCELLED_TITLE = "示范市体育中心运动场维修改造工程施工"


def demo_tenderee_acting() -> Acting:
    """The demo tenderee's staff member (`tenderee`), acting from the workspace."""
    tenderee = Organisation.objects.get(uscc=demo_uscc(TENDEREE_BODY))
    staff = RoleMembership.objects.get(role=Role.TENDEREE, organisation=tenderee).user
    return Acting(user=staff, client_ip="127.0.0.1", user_agent="demo")


def demo_tenderee_credential() -> Credential:
    """The tenderee's demo certificate (var/demo-certificates/tenderee.p12): it signs the
    statements of its tender documents."""
    path = Path(settings.VAR_DIR) / "demo-certificates" / "tenderee.p12"
    return load_pkcs12(path.read_bytes(), DEMO_PASSWORD.encode())


def demo_project() -> Project:
    existing = Project.objects.filter(code=DEMO_PROJECT_CODE).first()
    if existing is not None:
        return existing
    return project_create(
        acting=demo_tenderee_acting(),
        code=DEMO_PROJECT_CODE,
        name="示范市第一中学教学楼新建工程",
        tenderee=Organisation.objects.get(uscc=demo_uscc(TENDEREE_BODY)),
        agent=Organisation.objects.get(uscc=demo_uscc("MA2B0002")),
        regime="works",
        region="110108",
    )


def demo_terms(title: str, *, now: dt.datetime, **changes: Any) -> dict[str, Any]:
    """A works tender's terms, its schedule lawful when published at `now`."""
    terms: dict[str, Any] = {
        "title": title,
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
    }
    return {**terms, **changes}


def demo_tender_ensure() -> Tender:
    """The published demo tender."""
    existing = Tender.objects.filter(
        project__code=DEMO_PROJECT_CODE, title="示范市第一中学教学楼新建工程施工"
    ).first()
    if existing is not None:
        return existing
    acting = demo_tenderee_acting()
    tender = tender_create_draft(
        acting=acting,
        project=demo_project(),
        terms=demo_terms("示范市第一中学教学楼新建工程施工", now=database_now()),
    )
    return tender_publish(acting=acting, tender_id=tender.pk)


def demo_document_upload(*, tender: Tender, name: str, content: bytes) -> TenderDocument:
    """Upload a tender document with its statement signed by the tenderee's demo certificate,
    as the workspace's signer does."""
    from hashlib import sha256

    statement = document_statement(
        tender_id=tender.pk,
        kind=DocumentKind.TENDER_DOCUMENTS,
        name=name,
        size=len(content),
        sha256=sha256(content).hexdigest(),
    )
    return document_upload(
        acting=demo_tenderee_acting(),
        tender_id=tender.pk,
        kind=DocumentKind.TENDER_DOCUMENTS,
        name=name,
        stream=io.BytesIO(content),
        statement_signature=sign_detached(statement, credential=demo_tenderee_credential()),
    )


def demo_documents_ensure() -> TenderDocument:
    """The published demo tender's documents, signed by the tenderee (needs object storage and
    the demo certificates)."""
    tender = demo_tender_ensure()
    existing = tender.documents.first()
    if existing is not None:
        return existing
    return demo_document_upload(
        tender=tender,
        name="招标文件.pdf",
        content=f"{tender.title} 招标文件（演示）\n".encode() * 400,
    )


def demo_drafts_ensure() -> list[Tender]:
    """Two drafts in the tenderee's workspace, not yet published."""
    acting = demo_tenderee_acting()
    drafts = []
    for title in DRAFT_TITLES:
        existing = Tender.objects.filter(project__code=DEMO_PROJECT_CODE, title=title).first()
        drafts.append(
            existing
            or tender_create_draft(
                acting=acting,
                project=demo_project(),
                terms=demo_terms(title, now=database_now() + dt.timedelta(days=7)),
            )
        )
    return drafts


def demo_cancelled_ensure() -> Tender:
    """A tender published, then terminated by the tenderee with its reason (终止招标)."""
    existing = Tender.objects.filter(
        project__code=DEMO_PROJECT_CODE, title=CANCELLED_TITLE, state=TenderState.CANCELLED
    ).first()
    if existing is not None:
        return existing
    acting = demo_tenderee_acting()
    draft = tender_create_draft(
        acting=acting,
        project=demo_project(),
        terms=demo_terms(
            CANCELLED_TITLE,
            now=database_now(),
            ceiling_price_fen=4_200_000_00,
            estimated_price_fen=4_400_000_00,
        ),
    )
    tender_publish(acting=acting, tender_id=draft.pk)
    return tender_cancel(
        acting=acting,
        tender_id=draft.pk,
        reason="项目资金安排调整，本项目终止招标，择期重新招标。",
    )
