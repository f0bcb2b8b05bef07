"""The secrecy audit (issue 19): before the deadline, nothing the platform keeps or says holds a
byte of any bid's plaintext or price, nor a key that opens one, and nothing ties a bidder to
the tender except where the law allows it (docs/hardening.md, "Secrecy audit").

One story is played once for the module, committed (the dump is taken from another
connection): a published tender, its documents obtained by three bidders, who bid through the
real API; then every role GETs every route. The tests search what it left behind.
"""

import logging
import time
import uuid
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

from storage.objects import MINIMUM_PART_SIZE, get_storage
from tests.bids.conftest import certificate_login
from tests.hardening.secrecy_differential import Change, differential
from tests.hardening.secrecy_redis import RedisItem, redis_after_the_story
from tests.hardening.secrecy_routes import ADMIN_OBJECT, Answer, post_walk, walk
from tests.hardening.secrecy_search import (
    Finding,
    Markers,
    StoredThing,
    database_dump,
    dump_rows,
    linked,
    markers_of,
    raw_files,
    report,
    search,
    stored_objects,
)
from tests.hardening.secrecy_world import (
    World,
    build_world,
    obtain_documents,
    submit_bid,
    withdraw_bid,
)

# The searches read the evidence only; the mark makes the run set up the test database.
pytestmark = pytest.mark.django_db

# Tables that may tie a bidder to the tender before the deadline: the platform's own record
# of who obtained the documents and who bid, which the bidder's own pages and the supervisors
# read (招标投标法 第二十二条 and 办法 第二十一条 forbid disclosing it, not keeping it).
MAY_LINK = {
    "bids_bid": "the bid: its bidder and the user who submitted it",
    "bids_bidupload": "the upload carrying it: bidder, user, address, device",
    "bids_receipt": "the receipt (回执) the bidder was given, naming its USCC",
    "trading_documentdownload": "who obtained the tender documents",
    "monitoring_sealedidentity": "a sealed event's actor: read by supervisors, each read logged",
}
ROLES = ("public", "tenderee", "agent", "A", "B", "C", "expert", "supervisor", "operator")
# Who must not see a difference when another bidder acts: everyone but a supervisor (one
# bidder stands for the others: each sees only its own).
WATCHING_ROLES = ("public", "tenderee", "agent", "A", "expert", "operator")
# Who sends every unsafe request: B to A's bids and uploads, the tenderee to the bid routes.
POSTING_ROLES = ("public", "tenderee", "agent", "B", "expert", "operator")
# Loggers of the test tooling itself (factory_boy prints what it builds): not the platform's.
TOOLING_LOGGERS = ("factory", "faker")


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(TOOLING_LOGGERS):
            return
        self.lines.append(self.format(record))


@dataclass
class Evidence:
    world: World
    markers: Markers
    dump: bytes
    objects: list[StoredThing]
    raw_s3_files: list[tuple[str, bytes]]
    log_lines: list[str]
    s3_log: bytes
    answers: list[Answer]
    post_answers: list[Answer]
    changes: list[Change]
    differential_requests: int
    redis: list[RedisItem]
    seconds: float
    stages: dict[str, float]


def role_clients(world: World) -> dict[str, Client]:
    clients = {"public": Client(raise_request_exception=False)}
    for role, user in world.users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients[role] = client
    for bidder in world.bidders:
        client = Client(raise_request_exception=False)
        certificate_login(client, bidder.credential)
        clients[bidder.key] = client
    return clients


def latecomer_steps(world: World):
    """Bidder D, registered in the story, obtains the documents, bids and withdraws."""
    latecomer = world.latecomer
    return [
        ("D obtained the documents", lambda: obtain_documents(latecomer, world.document_id)),
        ("D bid", lambda: submit_bid(latecomer, world.tender, 1)),
        ("D withdrew", lambda: withdraw_bid(latecomer, world.tender)),
    ]


@pytest.fixture(scope="module")
def evidence(django_db_setup, django_db_blocker, s3_server, certificate_authority, platform_ca):
    started = time.monotonic()
    stages: dict[str, float] = {}
    run = uuid.uuid4().hex[:8]
    from django.conf import settings

    buckets = {purpose: f"secrecy-{purpose}-{run}" for purpose in settings.S3_BUCKETS}
    weed_log = s3_server.data_dir / "weed.log"
    weed_log_start = weed_log.stat().st_size if weed_log.exists() else 0
    captured = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(captured)
    root.setLevel(logging.DEBUG)
    try:
        with (
            django_db_blocker.unblock(),
            translation.override("en"),
            override_settings(
                S3_BUCKETS=buckets, BID_UPLOAD_PART_SIZE=MINIMUM_PART_SIZE, BID_MAX_SIZE=2**31
            ),
        ):
            get_storage.cache_clear()
            get_storage().ensure_buckets()
            world = build_world(certificate_authority)
            stages["story"] = time.monotonic() - started
            answers = []
            clients = role_clients(world)
            for role, client in clients.items():
                answers += walk(world, role, client, staff=role == "operator")
                stages[f"walk as {role}"] = time.monotonic() - started
            post_answers = []
            for role in POSTING_ROLES:
                post_answers += post_walk(world, role, clients[role])
            stages["posts"] = time.monotonic() - started
            root.setLevel(level)
            dump = database_dump()
            stages["dump"] = time.monotonic() - started
            objects = list(stored_objects(buckets.values()))
            raw = list(raw_files(s3_server.data_dir))
            stages["objects"] = time.monotonic() - started
            s3_log = weed_log.read_bytes()[weed_log_start:] if weed_log.exists() else b""
            found_changes, differential_requests = differential(
                latecomer_steps(world),
                [
                    answer
                    for answer in answers
                    if answer.role in WATCHING_ROLES
                    and answer.status in (200, 409)
                    and not ADMIN_OBJECT.match(answer.route)
                ],
                clients,
            )
            stages["differential"] = time.monotonic() - started
            redis = redis_after_the_story()
            stages["redis"] = time.monotonic() - started
            found = Evidence(
                world=world,
                markers=markers_of(world),
                dump=dump,
                objects=objects,
                raw_s3_files=raw,
                log_lines=captured.lines,
                s3_log=s3_log,
                answers=answers,
                post_answers=post_answers,
                changes=found_changes,
                differential_requests=differential_requests,
                redis=redis,
                seconds=time.monotonic() - started,
                stages=stages,
            )
    finally:
        root.removeHandler(captured)
        root.setLevel(level)
        get_storage.cache_clear()
    yield found
    with django_db_blocker.unblock():
        # The story was committed: empty the tables for the tests that follow, as the
        # transactional tests do (tests/database_roles.py).
        call_command("flush", interactive=False, verbosity=0)


def test_the_database_dump_holds_no_plaintext_price_or_key(evidence):
    findings = search("database dump", evidence.dump, evidence.markers.of("plaintext", "price"))
    for row in dump_rows(evidence.dump):
        findings += search(
            f"database table {row.table}",
            row.text,
            evidence.markers.of("plaintext", "price", "key"),
        )
    assert not findings, report(findings)


def test_the_database_ties_the_tender_to_its_bidders_only_where_the_law_allows(evidence):
    findings: list[Finding] = []
    linking = set()
    for row in dump_rows(evidence.dump):
        found = linked(f"database table {row.table}", row.text, evidence.markers)
        if found:
            linking.add(row.table)
        if found and row.table not in MAY_LINK:
            findings += found
    assert not findings, report(findings)
    # The search finds the links where they are: it would find one anywhere else.
    assert linking == set(MAY_LINK), linking


def test_stored_objects_hold_no_secret_and_their_keys_and_headers_name_nobody(evidence):
    markers = evidence.markers
    findings: list[Finding] = []
    for stored in evidence.objects:
        place = f"object {stored.bucket}/{stored.key}"
        named = markers.of("plaintext", "price", "key", "identity")
        findings += search(f"{place} (key)", stored.key.encode(), named)
        findings += search(f"{place} (headers)", stored.headers, named)
        # The content is ciphertext behind a signed header that names its bidder by design
        # (docs/sealed-bid-format.md §2): no plaintext, price or key may show through.
        findings += search(
            f"{place} (content)", stored.content, markers.of("plaintext", "price", "key")
        )
    assert not findings, report(findings)
    sealed = [stored for stored in evidence.objects if stored.key.endswith(".sealed")]
    assert len(sealed) == sum(len(bidder.bids) for bidder in evidence.world.bidders) == 4


def test_the_s3_servers_own_files_hold_no_plaintext_price_or_key(evidence):
    findings: list[Finding] = []
    for path, content in evidence.raw_s3_files:
        findings += search(
            f"S3 server file {path}", content, evidence.markers.of("plaintext", "price", "key")
        )
    assert not findings, report(findings)


def test_the_logs_hold_no_secret_and_name_no_bidder(evidence):
    markers = evidence.markers
    # Names anywhere; bare ids (a request's path names an organisation or user the operator
    # asked for) only together with the tender or a bid, upload or receipt of it.
    secret = [
        secret
        for secret in markers.of("plaintext", "price", "key", "identity")
        if not secret.label.endswith((": organisation id", ": user id"))
    ]
    findings: list[Finding] = []
    for number, line in enumerate(evidence.log_lines, 1):
        place = f"platform log line {number}"
        findings += search(place, line.encode(), secret)
        findings += linked(place, line.encode(), markers)
    findings += search("S3 server log", evidence.s3_log, secret)
    findings += linked("S3 server log", evidence.s3_log, markers)
    assert not findings, report(findings)
    assert evidence.log_lines, "the story logged nothing: the capture is not working"


def _answer_findings(evidence, answer: Answer, secrets) -> list[Finding]:
    """Hits in a response, except what the request itself named (its URL's ids)."""
    place = f"{answer.role} {answer.method} {answer.url} ({answer.status})"
    return [
        finding
        for finding in search(place, answer.body, secrets)
        if not any(
            secret.label == finding.marker and secret.text.decode() in answer.url
            for secret in secrets
        )
    ]


def test_no_page_or_api_response_holds_a_bids_plaintext_price_or_key(evidence):
    secrets = evidence.markers.of("plaintext", "price", "key")
    findings: list[Finding] = []
    for answer in evidence.answers:
        findings += _answer_findings(evidence, answer, secrets)
    assert not findings, report(findings)
    assert {answer.role for answer in evidence.answers} == set(ROLES)


def test_before_the_deadline_only_a_bidder_itself_reads_its_identity_and_traces(evidence):
    """The public, the tenderee, its agent and an expert learn nothing of any bidder; a bidder
    nothing of the others: no name, USCC, user, certificate, nor any id of their bids,
    uploads or receipts (办法 第二十一条; 招标投标法 第二十二条)."""
    markers = evidence.markers
    findings: list[Finding] = []
    for answer in evidence.answers:
        if answer.role in ("public", "tenderee", "agent", "expert"):
            others = ("A", "B", "C")
        elif answer.role in ("A", "B", "C"):
            others = tuple(key for key in "ABC" if key != answer.role)
        else:
            continue
        secrets = [
            secret
            for key in others
            for secret in markers.of("identity", "trace", "size", bidder=key)
        ]
        findings += _answer_findings(evidence, answer, secrets)
    assert not findings, report(findings)
    # A bidder does read its own: the search would see the others' the same way.
    own = [
        answer
        for answer in evidence.answers
        if answer.role == "A" and answer.url == "/api/v1/bids" and answer.status == 200
    ]
    assert own and str(evidence.world.bidder("A").bids[0].pk).encode() in own[0].body


def test_supervisors_read_bidders_identities_only_through_logged_reads(evidence):
    identities = evidence.markers.of("identity")
    findings: list[Finding] = []
    shown = 0
    for answer in evidence.answers:
        if answer.role != "supervisor":
            continue
        found = _answer_findings(evidence, answer, identities)
        shown += bool(found)
        if found and not answer.read_events:
            findings += found
    assert not findings, report(findings)
    assert shown >= 3, "the supervisors' reads of identities were not reached"


def test_the_admin_never_ties_a_bidder_to_the_tender(evidence):
    """Operators manage users and organisations; nothing in the admin says which tender an
    organisation bid on or obtained documents of (DESIGN §3: operators cannot read bids)."""
    findings: list[Finding] = []
    for answer in evidence.answers:
        if answer.role == "operator":
            place = f"operator GET {answer.url} ({answer.status})"
            findings += linked(place, answer.body, evidence.markers)
    assert not findings, report(findings)
    reached = [a for a in evidence.answers if a.role == "operator" and a.status == 200]
    assert sum(a.url.startswith("/admin/") for a in reached) >= 20


def test_no_refusal_or_answer_to_an_unsafe_request_gives_a_bid_or_bidder_away(evidence):
    """Every POST, PUT, PATCH and DELETE each role can send outside the admin (a minimal JSON
    body, rolled back): B sending to A's bids and uploads, the tenderee to the bid routes, the
    objection and question routes. No answer echoes a plaintext, price or key; none but a
    supervisor's names a bidder, or an id or size of a bid, other than the caller's own."""
    markers = evidence.markers
    findings: list[Finding] = []
    for answer in evidence.post_answers:
        findings += _answer_findings(evidence, answer, markers.of("plaintext", "price", "key"))
        others = [key for key in "ABC" if key != answer.role]
        secrets = [
            secret
            for key in others
            for secret in markers.of("identity", "trace", "size", bidder=key)
        ]
        findings += _answer_findings(evidence, answer, secrets)
    assert not findings, report(findings)
    # B did reach A's bid: its refusal was searched.
    assert any(
        answer.role == "B" and str(evidence.world.bidder("A").bids[0].pk) in answer.url
        for answer in evidence.post_answers
    )
    assert {answer.role for answer in evidence.post_answers} == set(POSTING_ROLES)


def test_no_page_or_answer_changes_because_another_bidder_obtained_bid_or_withdrew(evidence):
    """The number of those who obtained the documents or bid is secret until the opening
    (招标投标法 第二十二条; 办法 第二十一条): what every role but a supervisor sees is the same,
    volatile parts aside, before and after bidder D obtains the documents, bids and withdraws."""
    assert not evidence.changes, "\n\n".join(str(change) for change in evidence.changes)
    assert evidence.differential_requests > 500


def test_the_broker_holds_no_secret_nor_a_bidder_tied_to_the_tender(evidence):
    """Every key of the test's Redis database after the story (Celery's queued messages
    decoded, the tasks' stored results): no plaintext, price, key or identity."""
    markers = evidence.markers
    findings: list[Finding] = []
    for item in evidence.redis:
        place = f"Redis {item.kind} {item.key}"
        findings += search(place, item.content, markers.of("plaintext", "price", "key", "identity"))
        findings += linked(place, item.content, markers)
    assert not findings, report(findings)
    queued = [item for item in evidence.redis if item.kind == "list" and b"\n" in item.content]
    assert queued, [item.key for item in evidence.redis]


def test_figures(evidence):
    """Not a check: what the audit searched, for docs/hardening.md."""
    from collections import Counter

    print(
        f"\nsecrecy audit: {evidence.seconds:.0f} s to build and collect "
        f"({ {stage: round(seconds) for stage, seconds in evidence.stages.items()} }); "
        f"dump {len(evidence.dump)} bytes, {sum(1 for _ in dump_rows(evidence.dump))} rows; "
        f"{len(evidence.objects)} objects, {sum(len(o.content) for o in evidence.objects)} bytes; "
        f"{len(evidence.raw_s3_files)} S3 server files, "
        f"{sum(len(content) for _, content in evidence.raw_s3_files)} bytes; "
        f"{len(evidence.log_lines)} log lines, S3 log {len(evidence.s3_log)} bytes; "
        f"{len(evidence.answers)} responses {dict(Counter(a.status for a in evidence.answers))}; "
        f"{len(evidence.post_answers)} unsafe requests "
        f"{dict(Counter(a.status for a in evidence.post_answers))}; "
        f"differential {evidence.differential_requests} requests, "
        f"{len(evidence.changes)} changes; "
        f"Redis {len(evidence.redis)} keys, {sum(len(i.content) for i in evidence.redis)} bytes; "
        f"{len(evidence.markers.secrets)} markers"
    )
