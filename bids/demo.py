"""Demo bids for `make run` and `make demo`: demo bidders seal, submit and decrypt their bids with
their demo certificates (var/demo-certificates/<user>.p12), doing on the platform's side what
`bidtool` does on a bidder's machine.

For `make run`: a bid with its receipt in the published demo tender; a tender at its opening
(three sealed bids, the deadline passed, the hall waiting for the host to start decryption,
each bidder then decrypting with `bidtool decrypt`); and a tender opened, with its signed
record. Each is made once.
"""

import base64
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_uscc
from accounts.models import Organisation, Role, RoleMembership, UserCertificate
from bids.acting import bidder_acting
from bids.models import BidDecryption, DecryptionState, OpeningSession
from bids.opening.decryption import decrypt_bid
from bids.opening.keys import opening_submit_key, opening_wrapped_key
from bids.opening.reading import opening_confirm
from bids.opening.record import opening_finalise
from bids.opening.sign_in import opening_sign_in
from bids.opening.start import opening_start
from bids.submission.finalise import bid_finalise
from bids.submission.receipts import Finalised
from bids.submission.uploads import bid_upload_open, bid_upload_part
from monitoring.clock import database_now
from monitoring.services import Actor
from monitoring.transitions import moment_set_by_state
from signing.credentials import Credential, load_pkcs12
from signing.envelope import seal_bid
from signing.envelope.format import wrap_info
from signing.envelope.keywrap import unwrap_key
from trading.demo import DEMO_PROJECT_CODE, demo_tender_ensure, demo_tenderee_acting
from trading.models import NoticeKind, Tender
from trading.notices import notice_publish
from trading.services import Acting, tender_create_draft, tender_publish, tender_sweep_due

DEMO_TITLE = "示范市第一中学室外配套工程施工"
DEMO_BIDDERS = (("MA3C0003", 3_512_000_00), ("MA4D0004", 3_478_500_00), ("MA5E0005", 3_560_900_00))
OPENED_TITLE = "示范市第一中学围墙及大门改造工程施工"
OPENED_BIDDERS = (
    ("MA3C0003", 1_286_000_00),
    ("MA6F0006", 1_254_300_00),
    ("MA7G0007", 1_301_800_00),
)
RECEIPT_BIDDER = "MA3C0003"  # bidder1: its bid in the published demo tender, with its receipt


def demo_credential(organisation: Organisation) -> tuple[Acting, Credential]:
    """The bidder's session as a certificate login opens it, and the credential of its demo
    certificate file."""
    user = (
        RoleMembership.objects.select_related("user")
        .get(role=Role.BIDDER, organisation=organisation)
        .user
    )
    path = Path(settings.VAR_DIR) / "demo-certificates" / f"{user.get_username()}.p12"
    credential = load_pkcs12(path.read_bytes(), DEMO_PASSWORD.encode())
    binding = UserCertificate.objects.filter(user=user).order_by("-bound_at").first()
    acting = bidder_acting(
        user=user,
        certificate_sha256=binding.certificate_sha256 if binding else None,
        user_agent="demo",
    )
    return acting, credential


def demo_bid_submit(
    *, organisation: Organisation, tender: Tender, price_fen: int, duration_days: int = 240
) -> Finalised:
    """Seal a bid with the bidder's demo certificate (as `bidtool seal`) and submit it in parts
    (as `bidtool submit`); returns the bid and its receipt."""
    acting, credential = demo_credential(organisation)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = []
        for name in tender.required_files or ["投标函.pdf"]:
            path = folder / name
            path.write_bytes(f"{organisation.name} {name}（演示）\n".encode() * 200)
            files.append(path)
        sealed = folder / "bid.sealed"
        seal_bid(
            tender_id=str(tender.pk),
            credential=credential,
            files=files,
            price_sheet={
                "total_price_fen": price_fen,
                "duration_days": duration_days,
                "quality": "合格",
                "other": {"bid_security": "已缴纳"},
            },
            output=sealed,
            device_fingerprint={"installation_id": f"demo-{acting.user.pk}"},
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
    return bid_finalise(acting=acting, upload_id=upload.pk)


def demo_key_hand_over(*, organisation: Organisation, tender: Tender) -> BidDecryption:
    """What `bidtool decrypt` does: fetch the bid's wrapped data key, unwrap it with the
    bidder's own certificate key, and hand the key over for the opening."""
    acting, credential = demo_credential(organisation)
    wrapped = opening_wrapped_key(acting=acting, tender_id=tender.pk)
    info = wrap_info(
        tender_id=wrapped["tender_id"], bidder_uscc=wrapped["bidder_uscc"], role=wrapped["role"]
    )
    key = unwrap_key(
        wrapped["method"],
        base64.b64decode(wrapped["wrapped_key"]),
        credential.private_key,
        info=info,
    )
    return opening_submit_key(
        acting=acting, tender_id=tender.pk, data_key=key, bid_id=wrapped["bid"]
    )


@contextmanager
def jobs_run_here() -> Iterator[None]:
    """Celery jobs queued meanwhile (the decryption jobs) run in this process, as they are
    queued: the demo needs their results before its next step, and no worker runs yet."""
    from celery import current_app

    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = before


def demo_opening_run(*, tender: Tender, bidders: list[Organisation]) -> OpeningSession:
    """The opening at the deadline (the tender `opening`): the bidders sign in, the host starts
    decryption, each bidder decrypts with its certificate, the prices are read, each bidder
    confirms its line and the host finalises the signed record."""
    host = demo_tenderee_acting()
    with jobs_run_here():
        for organisation in bidders:
            opening_sign_in(acting=demo_credential(organisation)[0], tender_id=tender.pk)
        opening_start(acting=host, tender_id=tender.pk)
        for organisation in bidders:
            demo_key_hand_over(organisation=organisation, tender=tender)
        # The worker's part: a job queued after a commit already ran; one whose commit is still
        # ahead (inside a caller's transaction) runs now.
        for decryption in BidDecryption.objects.filter(
            session__tender=tender, state=DecryptionState.DECRYPTING
        ):
            decrypt_bid(decryption.pk)
    for organisation in bidders:
        opening_confirm(acting=demo_credential(organisation)[0], tender_id=tender.pk)
    return opening_finalise(acting=host, tender_id=tender.pk)


def _skip_bidding(tender: Tender) -> None:
    """`make run`'s shortcut over four weeks of bidding (`make demo` lives through them on its
    own clock instead): the deadline is brought forward to just now, the rest of the schedule
    with it so that it stays in order, and an amendment notice says so, so that the tender's
    latest release carries its own dates (a demonstration only: no real tender may shorten its
    schedule, see trading.services.tender_amend_deadline)."""
    with transaction.atomic():
        tender = (
            Tender.objects.select_related("project", "project__tenderee", "project__agent")
            .select_for_update(of=("self",))
            .get(pk=tender.pk)
        )
        now = database_now()
        tender.documents_from = min(
            moment_set_by_state(tender, "documents_from"),
            moment_set_by_state(tender, "published_at"),
        )
        tender.documents_until = min(moment_set_by_state(tender, "documents_until"), now)
        tender.clarification_cutoff = min(moment_set_by_state(tender, "clarification_cutoff"), now)
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


def _bid_at_deadline(title: str, bidders: tuple[tuple[str, int], ...], price_fen: int) -> Tender:
    """A tender of the demo project with `bidders`' sealed bids, its deadline just passed and the
    hall open (`opening`)."""
    first = demo_tender_ensure()
    acting = demo_tenderee_acting()
    now = database_now()
    draft = tender_create_draft(
        acting=acting,
        project=first.project,
        terms={
            "title": title,
            "category": "works",
            "method": "open",
            "ceiling_price_fen": price_fen,
            "bid_security_fen": 20_000_00,
            "estimated_price_fen": price_fen + price_fen // 30,
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
    for body, bid_price in bidders:
        demo_bid_submit(
            organisation=Organisation.objects.get(uscc=demo_uscc(body)),
            tender=tender,
            price_fen=bid_price,
        )
    _skip_bidding(tender)
    tender_sweep_due()
    tender.refresh_from_db()
    return tender


def demo_opening_ensure() -> Tender:
    """The tender at its opening, the hall waiting for the host; made once."""
    existing = Tender.objects.filter(project__code=DEMO_PROJECT_CODE, title=DEMO_TITLE).first()
    if existing is not None:
        return existing
    return _bid_at_deadline(DEMO_TITLE, DEMO_BIDDERS, 3_680_000_00)


def demo_opened_ensure() -> Tender:
    """A tender opened at a real opening, with its signed record; made once."""
    existing = Tender.objects.filter(project__code=DEMO_PROJECT_CODE, title=OPENED_TITLE).first()
    if existing is not None:
        return existing
    tender = _bid_at_deadline(OPENED_TITLE, OPENED_BIDDERS, 1_350_000_00)
    demo_opening_run(
        tender=tender,
        bidders=[Organisation.objects.get(uscc=demo_uscc(body)) for body, _ in OPENED_BIDDERS],
    )
    tender.refresh_from_db()
    return tender


def demo_receipt_ensure() -> Finalised | None:
    """bidder1's bid in the published demo tender, with its receipt; made once (None when it
    was made before)."""
    tender = demo_tender_ensure()
    organisation = Organisation.objects.get(uscc=demo_uscc(RECEIPT_BIDDER))
    if tender.bids.filter(bidder=organisation).exists():
        return None
    return demo_bid_submit(organisation=organisation, tender=tender, price_fen=35_980_000_00)
