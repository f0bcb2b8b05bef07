"""The bid viewer of the closed area: the tender's decrypted bids, and one file read at a time,
decrypted as it is sent (docs/evaluation.md, "The closed area").

A file is read from the stored sealed bid: its header must be the one received (the receipt's
digest), the requested file's part is fetched alone (a ranged GET from its offset) and every
16 KiB chunk is authenticated under the bid's data key, bound to its tender, bidder and part
index, before its plaintext exists; the last chunk is released only once the file's size and
SHA-256 match what the opening's worker verified against the bidder-signed manifest
(BidDecryption.manifest_summary). The data key is unwrapped from the platform evaluation key
for the read and held only in memory. Nothing is written: no file, no object, no row holds the
plaintext; memory stays a few blocks whatever the file's size.

`open_sealed_bid` writes files to a folder or discards them, and `decrypt_stream` pushes into a
sink: a response needs a pull, so the viewer drives the Cobblestone decryptor itself over the
envelope's public layout (`read_envelope`, `Header.part_offset`, `part_context`). It seeks
straight to the requested part: the files before it are not decrypted.

Anonymous technical evaluation (暗标, scoring_scheme "anonymous_technical": true): until the
technical result is signed (session.technical_signed_at) each bid appears only under its code
(BidEvaluation.code, `bid_codes_assign`), its files as "File 1", "File 2", … and downloaded as
"A-1.pdf": file names chosen by bidders can name them. Two envelopes (双信封, "two_envelopes":
true): the files whose names match a pattern of scoring_scheme "price_files" (fnmatch, e.g.
"报价*.pdf") are the price envelope, opened only after the technical result is signed and only
for bids whose outcome is qualified.
"""

import hashlib
import mimetypes
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any
from uuid import UUID

from cryptography.cobblestone import Cobblestone256Decryptor
from cryptography.exceptions import InvalidTag
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.models import Bid
from bids.sealed_objects import data_key_purpose, evaluation_unwrap, stored_reader
from config.errors import Refusal
from evaluation.models import BidOutcome, SessionState
from evaluation.room.access import RoomPass, RoomRefused, room_enter, room_lobby_enter
from evaluation.room.selectors import room_bid, room_bids
from evaluation.room.services import bid_codes_assign
from monitoring.alerts import alert_raise
from monitoring.models import AlertSeverity
from signing.envelope import read_envelope
from signing.envelope.errors import (
    ChunkAuthenticationFailed,
    EnvelopeError,
    FileDigestMismatch,
    HeaderChanged,
    Truncated,
)
from signing.envelope.format import CHUNK_SIZE, part_context
from signing.errors import SigningError
from storage.objects import StorageError
from storage.ranged import RangedObjectReader

# Ciphertext read per step: 16 Cobblestone chunks; the plaintext sent per step is as large.
BLOCK_SIZE = 256 << 10
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}\Z")


@dataclass(frozen=True)
class RoomRules:
    """What the tender's scoring scheme asks of the closed area."""

    anonymous_technical: bool
    two_envelopes: bool
    price_files: tuple[str, ...]
    technical_signed: bool

    @classmethod
    def of(cls, room: RoomPass) -> "RoomRules":
        scheme = room.tender.scoring_scheme or {}
        patterns = scheme.get("price_files") or []
        return cls(
            anonymous_technical=bool(scheme.get("anonymous_technical")),
            two_envelopes=room.tender.two_envelopes,
            price_files=tuple(str(pattern) for pattern in patterns if str(pattern)),
            technical_signed=room.session.technical_signed_at is not None,
        )

    @property
    def names_hidden(self) -> bool:
        """Bidders appear under codes: the technical part of an anonymous evaluation."""
        return self.anonymous_technical and not self.technical_signed

    def is_price_file(self, name: str) -> bool:
        return self.two_envelopes and any(
            fnmatchcase(name, pattern) for pattern in self.price_files
        )

    def file_refusal(self, name: str, outcome: str) -> RoomRefused | None:
        """Why a file may not be opened now (two envelopes), or None."""
        if not self.two_envelopes:
            return None
        if not self.price_files:
            # The price part cannot be told apart: no file is opened rather than a price early.
            return RoomRefused(
                "price_files_undefined",
                _(
                    "The tender asks for two envelopes but names no price files "
                    "(scoring_scheme.price_files): the price envelope cannot be told apart, so "
                    "no file is opened."
                ),
                status=409,
                severity=AlertSeverity.NOTICE,
            )
        if not self.is_price_file(name):
            return None
        if not self.technical_signed:
            return RoomRefused(
                "price_envelope_sealed",
                _(
                    "This file is in the price envelope: it is opened only after the technical "
                    "result is signed."
                ),
            )
        if outcome != BidOutcome.QUALIFIED:
            return RoomRefused(
                "bid_not_qualified",
                _(
                    "This bid did not pass the technical evaluation: its price envelope stays "
                    "closed."
                ),
            )
        return None


@dataclass(frozen=True)
class RoomSessionCard:
    """One of the person's sessions in its list: the tender is named only while the session's
    window is open (the list is inside the room, but a panel's tender is shown no earlier)."""

    tender_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    state: str  # the stage, as people read it
    open_now: bool


def room_sessions(*, acting: Acting) -> list[RoomSessionCard]:
    """The sessions of the panels the person sits on (an event: `lobby`)."""
    lobby = room_lobby_enter(acting=acting)
    cards = []
    for seat in lobby.seats:
        session = seat.panel.session
        open_now = (
            lobby.at is not None
            and session.starts_at <= lobby.at < session.ends_at
            and session.reported_at is None
        )
        cards.append(
            RoomSessionCard(
                tender_id=session.tender_id,
                title=seat.panel.tender.title if open_now else "",
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                state=str(SessionState(session.state).label),
                open_now=open_now,
            )
        )
    return cards


@dataclass(frozen=True)
class RoomFileCard:
    index: int
    label: str  # the file's name, or "File 2" where bidders are anonymous
    size: int
    sha256: str
    price_part: bool
    readable: bool
    reason: str  # why it cannot be opened now, where it cannot


@dataclass(frozen=True)
class RoomBidCard:
    bid_id: UUID
    code: str
    label: str  # the bidder's name, or its code where bidders are anonymous
    files: tuple[RoomFileCard, ...]


@dataclass(frozen=True)
class RoomBidList:
    room: RoomPass
    rules: RoomRules
    bids: list[RoomBidCard]


def _files(bid: Bid) -> list[dict[str, Any]]:
    return list(bid.decryption.manifest_summary.get("files", []))


def _code(bid: Bid) -> str:
    evaluation = getattr(bid, "evaluation", None)
    return evaluation.code if evaluation is not None else ""


def _outcome(bid: Bid) -> str:
    evaluation = getattr(bid, "evaluation", None)
    return evaluation.outcome if evaluation is not None else ""


def file_label(rules: RoomRules, index: int, name: str) -> str:
    return _("File %(number)d") % {"number": index + 1} if rules.names_hidden else name


def download_name(rules: RoomRules, bid: Bid, index: int, name: str) -> str:
    """What the download is called: its own name, or "<code>-<n><extension>"."""
    if not rules.names_hidden:
        return name
    extension = _EXTENSION.search(name)
    return f"{_code(bid)}-{index + 1}{extension.group(0) if extension else ''}"


def _card(rules: RoomRules, bid: Bid) -> RoomBidCard:
    files = []
    for index, entry in enumerate(_files(bid)):
        refusal = rules.file_refusal(entry["name"], _outcome(bid))
        files.append(
            RoomFileCard(
                index=index,
                label=file_label(rules, index, entry["name"]),
                size=entry["size"],
                sha256=entry["sha256"],
                price_part=rules.is_price_file(entry["name"]),
                readable=refusal is None,
                reason=refusal.message if refusal is not None else "",
            )
        )
    code = _code(bid)
    return RoomBidCard(
        bid_id=bid.pk,
        code=code,
        label=code if rules.names_hidden else bid.bidder.name,
        files=tuple(files),
    )


def room_bid_list(*, acting: Acting, tender_id: UUID) -> RoomBidList:
    """The tender's decrypted bids as the expert may see them now (an event: `bid_list`)."""
    room = room_enter(acting=acting, tender_id=tender_id, what="bid_list")
    rules = RoomRules.of(room)
    bids = room_bids(session=room.session)
    if rules.anonymous_technical and any(not _code(bid) for bid in bids):
        # The workflow assigns codes at convening; a bid without one is never shown by name.
        bid_codes_assign(session_id=room.session.pk)
        bids = room_bids(session=room.session)
    if rules.names_hidden:
        bids.sort(key=lambda bid: (len(_code(bid)), _code(bid)))
    return RoomBidList(room=room, rules=rules, bids=[_card(rules, bid) for bid in bids])


class PlaintextStream:
    """A file's plaintext blocks, iterated once; `close` (which a StreamingHttpResponse calls
    when it is done, or when the client went away) closes the stored object's reader, even
    when iteration never started."""

    def __init__(self, source: RangedObjectReader, blocks: Generator[bytes, None, None]) -> None:
        self._source = source
        self._blocks = blocks

    def __iter__(self) -> Iterator[bytes]:
        return self._blocks

    def close(self) -> None:
        self._blocks.close()
        self._source.close()


@dataclass(frozen=True)
class RoomFile:
    """One bid file being read: its download name and size, and its plaintext as it is
    decrypted (iterate once, then close)."""

    name: str
    size: int
    content_type: str
    chunks: PlaintextStream


def room_bid_file(*, acting: Acting, tender_id: UUID, bid_id: UUID, file_index: int) -> RoomFile:
    """Admit the expert to one file of one bid (an event: `bid_file`, the bid and the file's
    index) and return its plaintext stream; refused (and recorded) where the bid is not one
    of the tender's decrypted bids, the file does not exist, or its envelope is closed."""
    found: dict[str, Any] = {}

    def require(room: RoomPass) -> None:
        rules = RoomRules.of(room)
        bid = room_bid(session=room.session, bid_id=bid_id)
        if bid is None:
            raise RoomRefused(
                "bid_not_found",
                _("This evaluation has no decrypted bid %(bid)s.") % {"bid": bid_id},
                status=404,
                severity=AlertSeverity.NOTICE,
            )
        files = _files(bid)
        if not 0 <= file_index < len(files):
            raise RoomRefused(
                "file_not_found",
                _("The bid has %(count)d files: there is no file %(number)d.")
                % {"count": len(files), "number": file_index + 1},
                status=404,
                severity=AlertSeverity.NOTICE,
            )
        entry = files[file_index]
        if rules.names_hidden and not _code(bid):
            raise RoomRefused(
                "bid_code_missing",
                _("The bids have no codes yet: open the list of bids first."),
                status=409,
                severity=AlertSeverity.NOTICE,
            )
        refusal = rules.file_refusal(entry["name"], _outcome(bid))
        if refusal is not None:
            raise refusal
        found.update(rules=rules, bid=bid, entry=entry)

    room_enter(
        acting=acting,
        tender_id=tender_id,
        what="bid_file",
        detail={"bid": str(bid_id), "file": file_index},
        require=require,
    )
    rules, bid, entry = found["rules"], found["bid"], found["entry"]
    name = download_name(rules, bid, file_index, entry["name"])
    chunks = _open_file(bid, file_index, size=entry["size"], sha256=entry["sha256"])
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return RoomFile(name=name, size=entry["size"], content_type=content_type, chunks=chunks)


class BidFileUnreadable(Refusal):
    """The stored bid no longer decrypts as it did at the opening: a fault of the platform's
    storage (or tampering), never of the reader; supervisors are alerted."""

    code = "bid_file_unreadable"
    status = 500


def _alert_unreadable(bid: Bid, file_index: int, error: Exception) -> None:
    with transaction.atomic():
        alert_raise(
            kind="bid_tampered",
            severity=AlertSeverity.RED,
            object_type="bids.bid",
            object_id=str(bid.pk),
            tender_id=str(bid.tender_id),
            message=_(
                "A file of a decrypted bid no longer decrypts as it did at the opening: %(reason)s"
            )
            % {"reason": str(error)},
            evidence={
                "file": file_index,
                "code": getattr(error, "code", type(error).__name__),
                "receipt_header_sha256": bid.header_sha256,
            },
        )


def _open_file(bid: Bid, file_index: int, *, size: int, sha256: str) -> PlaintextStream:
    """Check the stored front and position the reader at the file's part, before any byte
    is sent (so that a failure here is an error response, not a cut download)."""
    # No read-ahead thread: it would contend with the decryption for the interpreter in a web
    # process, and the opening's workers measured it no faster (docs/opening.md, "Measured").
    source = stored_reader(bid, prefetch=False)
    try:
        envelope = read_envelope(source)
        found = hashlib.sha256(envelope.header_bytes).hexdigest()
        if found != bid.header_sha256:
            raise HeaderChanged(
                f"The stored bid's header (SHA-256 {found}) is not the one received "
                f"(SHA-256 {bid.header_sha256})."
            )
        header = envelope.header
        part = header.parts[file_index]
        if part.kind != "file":
            raise HeaderChanged(f"Part {file_index} of the stored bid is not a file.")
        source.seek(envelope.parts_offset + header.part_offset(file_index))
        decryption = bid.decryption
        data_key = evaluation_unwrap(
            decryption.wrap_method,
            bytes(decryption.wrapped_data_key),
            purpose=data_key_purpose(bid),
        )
        context = part_context(
            tender_id=header.tender_id,
            bidder_uscc=header.bidder_uscc,
            part_index=file_index,
            part_kind="file",
        )
    except (EnvelopeError, SigningError, IndexError) as error:
        source.close()
        _alert_unreadable(bid, file_index, error)
        raise BidFileUnreadable(
            message=_(
                "The stored bid no longer matches what was received; supervisors were alerted."
            )
        ) from error
    except BaseException:
        source.close()
        raise
    blocks = _plaintext(
        source,
        key=data_key,
        context=context,
        ciphertext_size=part.size,
        size=size,
        sha256=sha256,
        on_failure=lambda error: _alert_unreadable(bid, file_index, error),
    )
    return PlaintextStream(source, blocks)


def _plaintext(
    source: RangedObjectReader,
    *,
    key: bytes,
    context: bytes,
    ciphertext_size: int,
    size: int,
    sha256: str,
    on_failure: Callable[[Exception], None],
) -> Generator[bytes, None, None]:
    """The part's plaintext, block by block, each chunk authenticated before it is released;
    the last held back until the whole file's size and digest are the manifest's."""
    decryptor = Cobblestone256Decryptor(key, context)
    digest = hashlib.sha256()
    released = 0
    remaining = ciphertext_size
    try:
        while remaining:
            # A view of the stored object's current chunk: no copy before the decryption.
            block = source.readview(min(BLOCK_SIZE, remaining))
            if not block:
                raise Truncated(f"The file's part ends {remaining} bytes early.")
            remaining -= len(block)
            try:
                plaintext = decryptor.update(block)
            except InvalidTag as error:
                raise ChunkAuthenticationFailed(
                    f"Chunk {released // CHUNK_SIZE} of the file failed authentication."
                ) from error
            if plaintext:
                digest.update(plaintext)
                released += len(plaintext)
                yield plaintext
        try:
            tail = decryptor.finalize()
        except InvalidTag as error:
            raise ChunkAuthenticationFailed("The file's last chunk failed authentication.") from (
                error
            )
        digest.update(tail)
        if released + len(tail) != size or digest.hexdigest() != sha256:
            raise FileDigestMismatch(
                f"The file decrypts to {released + len(tail)} bytes with SHA-256 "
                f"{digest.hexdigest()}, but the signed manifest says {size} bytes, {sha256}."
            )
        yield tail
    except (EnvelopeError, StorageError) as error:
        on_failure(error)
        raise
    finally:
        source.close()
