"""A demo tender at its opening for `make run`: three demo bidders' sealed bids submitted, the
deadline passed, the hall open. The host (tenderee) starts decryption from the page; each bidder
decrypts with `bidtool decrypt` and its demo certificate (var/demo-certificates/<user>.p12)."""

import datetime as dt
import io
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_uscc
from accounts.models import Organisation, Role, RoleMembership, UserCertificate
from bids.submission.finalise import bid_finalise
from bids.submission.uploads import bid_upload_open, bid_upload_part
from monitoring.clock import database_now
from monitoring.services import Actor
from signing.credentials import load_pkcs12
from signing.envelope import seal_bid
from trading.demo import DEMO_PROJECT_CODE, demo_tender_ensure
from trading.models import NoticeKind, Tender
from trading.notices import notice_publish
from trading.services import Acting, tender_create_draft, tender_publish, tender_sweep_due

DEMO_TITLE = "示范市第一中学室外配套工程施工"
DEMO_BIDDERS = (("MA3C0003", 3_512_000_00), ("MA4D0004", 3_478_500_00), ("MA5E0005", 3_560_900_00))


def _submit(organisation: Organisation, tender: Tender, price_fen: int) -> None:
    member = RoleMembership.objects.select_related("user").get(
        role=Role.BIDDER, organisation=organisation
    )
    user = member.user
    path = Path(settings.VAR_DIR) / "demo-certificates" / f"{user.get_username()}.p12"
    credential = load_pkcs12(path.read_bytes(), DEMO_PASSWORD.encode())
    binding = UserCertificate.objects.filter(user=user).order_by("-bound_at").first()
    acting = Acting(
        user=user,
        organisation=organisation,
        role=Role.BIDDER,
        certificate_sha256=binding.certificate_sha256,
        user_agent="demo",
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        offer = folder / "投标函.pdf"
        offer.write_bytes(f"{organisation.name} 投标函（演示）\n".encode() * 200)
        sealed = folder / "bid.sealed"
        seal_bid(
            tender_id=str(tender.pk),
            credential=credential,
            files=[offer],
            price_sheet={
                "total_price_fen": price_fen,
                "duration_days": 240,
                "quality": "合格",
                "other": {"bid_security": "已缴纳"},
            },
            output=sealed,
            device_fingerprint={"installation_id": f"demo-{user.pk}"},
        )
        data = sealed.read_bytes()
    upload = bid_upload_open(acting=acting, tender_id=tender.pk, size=len(data))
    for number in range(1, upload.part_count + 1):
        part = data[(number - 1) * upload.part_size : number * upload.part_size]
        bid_upload_part(
            acting=acting,
            upload_id=upload.pk,
            number=number,
            stream=io.BytesIO(part),
            length=len(part),
        )
    bid_finalise(acting=acting, upload_id=upload.pk)


def _skip_bidding(tender: Tender) -> None:
    """The demo skips the four weeks of bidding: the deadline is brought forward to just now,
    the rest of the schedule with it so that it stays in order, and an amendment notice says so,
    so that the tender's latest release carries its own dates (a demonstration only: no real
    tender may shorten its schedule, see trading.services.tender_amend_deadline)."""
    with transaction.atomic():
        tender = (
            Tender.objects.select_related("project", "project__tenderee", "project__agent")
            .select_for_update(of=("self",))
            .get(pk=tender.pk)
        )
        now = database_now()
        tender.documents_from = min(tender.documents_from, tender.published_at)
        tender.documents_until = min(tender.documents_until, now)
        tender.clarification_cutoff = min(tender.clarification_cutoff, now)
        tender.bid_deadline = now
        Tender.objects.filter(pk=tender.pk).update(
            documents_from=tender.documents_from,
            documents_until=tender.documents_until,
            clarification_cutoff=tender.clarification_cutoff,
            bid_deadline=now,
        )
        notice_publish(
            tender=tender,
            kind=NoticeKind.AMENDMENT,
            actor=Actor(role="platform"),
            title=f"变更公告（演示）：{tender.title}",
            body={
                "reason": "演示：跳过投标期，直接进入开标",
                "changes": f"投标截止时间提前至 {now.isoformat()}",
            },
        )


def demo_opening_ensure() -> Tender:
    """Create the demo opening once; later calls return it."""
    existing = Tender.objects.filter(project__code=DEMO_PROJECT_CODE, title=DEMO_TITLE).first()
    if existing is not None:
        return existing
    first = demo_tender_ensure()
    staff = RoleMembership.objects.get(role=Role.TENDEREE, organisation=first.project.tenderee).user
    acting = Acting(user=staff)
    now = database_now()
    draft = tender_create_draft(
        acting=acting,
        project=first.project,
        terms={
            "title": DEMO_TITLE,
            "category": "works",
            "method": "open",
            "ceiling_price_fen": 3_680_000_00,
            "bid_security_fen": 50_000_00,
            "estimated_price_fen": 3_800_000_00,
            "evaluation_method": "lowest_evaluated_price",
            "qualification_requirements": "具备市政公用工程施工总承包三级及以上资质。",
            "required_files": ["投标函.pdf"],
            "documents_from": now + dt.timedelta(minutes=5),
            "documents_until": now + dt.timedelta(days=8),
            "clarification_cutoff": now + dt.timedelta(days=10),
            "bid_deadline": now + dt.timedelta(days=28),
        },
    )
    tender = tender_publish(acting=acting, tender_id=draft.pk)
    for body, price_fen in DEMO_BIDDERS:
        _submit(Organisation.objects.get(uscc=demo_uscc(body)), tender, price_fen)
    _skip_bidding(tender)
    tender_sweep_due()
    tender.refresh_from_db()
    return tender
