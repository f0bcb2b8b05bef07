"""Every route × every role × the tender's states: the outcome each gets, checked on the server
against the rules of tests/hardening/permission_rules.py, all mismatches reported at once.

The world (tests/hardening/permission_world.py) is built once; each cell's request runs in a
savepoint rolled back after it, so a step one role takes never changes what the next is asked.
docs/permissions.md is the same rules as a table (`python -m tests.hardening.permission_table`).
"""

import json
import os
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.db import transaction

from tests.hardening import permission_table
from tests.hardening.permission_rules import (
    ALLOWED,
    ANY_STATE,
    BODY_FIRST,
    DRAFT_KNOWN_TO,
    EXCLUDED,
    HIDDEN,
    LOGIN,
    NOT_ASKED,
    REFUSED,
    ROLES,
    Route,
    all_routes,
    resolver_patterns,
)

pytestmark = pytest.mark.django_db

# Objects no world holds: a route naming one must answer "hidden" (or ask to log in).
ABSENT = str(uuid.UUID(int=0x5EC12E7))
ALERT_ABSENT = "987654321"


def login_page(response) -> bool:
    return "/login/" in response.headers.get("Location", "")


def classify(response, role: str, route: Route) -> str:
    status = response.status_code
    if status in (302, 400) and route.body_first and role != "public" and not login_page(response):
        return BODY_FIRST
    if status == 415:
        return ALLOWED  # the TSA's refusal of a body that is not a TimeStampReq
    if status in (301, 302, 303, 307):
        location = response.headers.get("Location", "")
        return LOGIN if "/login/" in location else ALLOWED
    if status == 401:
        return LOGIN
    if status == 403:
        return LOGIN if role == "public" else REFUSED
    if status == 404:
        return HIDDEN
    if status < 300 or status in (400, 405, 409, 412, 422, 429):
        return ALLOWED
    return str(status)


def object_value(world, route: Route, name: str, state: str) -> str | None:
    """The world's object for parameter `name` in `state` (bidder A's where it is a bidder's)."""
    state = "published" if state == ANY_STATE else state
    kind = route.object_of(name)
    by_kind = {
        "tender_id": lambda: str(world.tenders[state].pk),
        "bid_id": lambda: world.bids.get(state, {}).get("A"),
        "upload_id": lambda: world.uploads.get(state, {}).get("A"),
        "document_id": lambda: world.documents.get(state),
        "notice_id": lambda: world.notices.get(state),
        "release_id": lambda: world.notices.get(state),
        "objection": lambda: world.objections.get(state),
        "opening_objection": lambda: world.opening_objections.get(state),
        "seat_id": lambda: world.seats.get(state),
        "alert_id": lambda: world.alerts.get(state),
        "conflict_id": lambda: world.conflict_id,
        "expert_id": lambda: world.other_expert_id,
        "candidate_objection": lambda: world.candidate_objections.get(state),
        "complaint_id": lambda: world.complaint_id,
        "decision_id": lambda: world.decision_id,
        "attachment_id": lambda: world.attachment_id,
        "letter_id": lambda: world.letter_id,
    }
    if kind in route.values:
        return route.values[kind]
    return by_kind[kind]() if kind in by_kind else ABSENT


# Objects whose existence is itself not public: a bid, its upload, a panel seat, an expert's
# conflict, an objection, an alert, and any object of a tender while it is a draft (a
# published tender, its notices and documents are public).
SECRET_OBJECTS = {
    "bid_id",
    "upload_id",
    "seat_id",
    "conflict_id",
    "objection",
    "opening_objection",
    "alert_id",
    "candidate_objection",
    "complaint_id",
    "decision_id",
    "attachment_id",
    "letter_id",
}


def secret(route: Route, state: str, role: str) -> bool:
    """Whether `role` may not know the object of this cell exists."""
    kinds = {route.object_of(name) for name in route.parameters} - set(route.values)
    return bool(kinds & SECRET_OBJECTS) or (
        state == "draft" and bool(kinds) and role not in DRAFT_KNOWN_TO
    )


def url_of(world, route: Route, state: str, *, absent: bool = False) -> str | None:
    """The cell's URL; `absent`: every object the route names replaced by an id no object has
    (the values of `route.values`, slugs and indexes, kept)."""
    url = "/" + route.pattern
    for whole, name in _parameters(route.pattern):
        value = object_value(world, route, name, state)
        if absent and route.object_of(name) not in route.values:
            value = ALERT_ABSENT if "int:" in whole else ABSENT
        if value is None:
            return None
        url = url.replace(whole, str(value))
    return url


def _parameters(pattern: str) -> list[tuple[str, str]]:
    import re

    return [(match.group(0), match.group(1)) for match in re.finditer(r"<(?:\w+:)?(\w+)>", pattern)]


def ask(client, route: Route, url: str):
    """One cell's request, in a savepoint rolled back after it; the client keeps its cookies
    (a logout or a login would change them for the next cell)."""
    method = route.method.lower()
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    with transaction.atomic():
        if method == "get":
            response = client.get(url)
        elif method == "delete":
            response = client.delete(url)
        elif route.body is None and method == "post":
            response = client.post(url, {})
        else:
            response = getattr(client, method)(
                url, route.body or {}, content_type="application/json"
            )
        if response.streaming:
            # A download streams: read it here, while the savepoint holds what it reads. (The
            # test client closes it once read; closing it again would fire request_finished
            # with close_old_connections, which closes the connection inside the world's
            # transaction.)
            response.body = b"".join(response.streaming_content)
        else:
            response.body = response.content
        transaction.set_rollback(True)
    client.cookies = SimpleCookie()
    for name, value in cookies.items():
        client.cookies[name] = value
    return response


def test_every_route_is_in_the_matrix_or_excluded_with_a_reason():
    patterns = resolver_patterns()
    asked = {route.pattern for route in all_routes(patterns)}
    missing = [pattern for pattern in patterns if pattern not in asked and pattern not in EXCLUDED]
    unknown = sorted(asked - set(patterns))
    assert not missing, f"routes neither in the matrix nor excluded: {missing}"
    assert not unknown, f"routes in the matrix the site does not have: {unknown}"


def test_the_committed_table_is_what_the_rules_give():
    committed = Path(permission_table.DOCUMENT).read_text(encoding="utf-8")
    assert committed == permission_table.render(resolver_patterns()), (
        "docs/permissions.md is out of date: python -m tests.hardening.permission_table"
    )


def test_every_role_gets_what_the_rules_say_in_every_state(permission_world, record_property):
    world = permission_world
    started = time.monotonic()
    mismatches, cells, observed_cells = [], 0, {}
    leaks, leaks_asked = [], set()
    for route in all_routes(resolver_patterns()):
        for state in route.states():
            if not route.asked_in(state):
                continue
            url = url_of(world, route, state)
            assert url is not None, (route.pattern, state, "the world lacks the object")
            for role in ROLES:
                response = ask(world.clients[role], route, url)
                observed = classify(response, role, route)
                expected = route.expected(role, state)
                cells += 1
                key = f"{route.method} /{route.pattern}{route.values or ''} {state} {role}"
                observed_cells[key] = (
                    observed,
                    expected,
                    response.status_code,
                    response.body[:100].decode("utf-8", "replace"),
                )
                leak_key = (route.method, route.pattern, str(route.values), role, observed)
                if (
                    secret(route, state, role)
                    and observed != ALLOWED
                    and leak_key not in leaks_asked
                ):
                    # A leak: a role not let through answered differently for a real object than
                    # for an id no object has (403 or a 400 for the one, 404 for the other).
                    leaks_asked.add(leak_key)
                    absent_url = url_of(world, route, state, absent=True)
                    absent = classify(ask(world.clients[role], route, absent_url), role, route)
                    if absent != observed:
                        leaks.append(
                            f"{route.method} /{route.pattern} [{state}] {role}: {observed} "
                            f"({response.status_code}) for the object, {absent} for an absent id"
                        )
                if observed != expected:
                    mismatches.append(
                        f"{route.method} /{route.pattern} [{state}] {role}: expected "
                        f"{expected}, got {observed} ({response.status_code} "
                        f"{response.body[:120]!r})"
                    )
    seconds = time.monotonic() - started
    record_property("cells", cells)
    if os.environ.get("PERMISSION_MATRIX_OBSERVED"):
        # Where to write every cell's outcome, to read while changing the rules.
        Path(os.environ["PERMISSION_MATRIX_OBSERVED"]).write_text(
            json.dumps(observed_cells, ensure_ascii=False, indent=0), encoding="utf-8"
        )
    print(
        f"\npermission matrix: {cells} cells, {len(leaks_asked)} asked again with an absent id, "
        f"{len(leaks)} leaks, in {seconds:.1f} s"
    )
    assert not leaks and not mismatches, (
        f"{len(leaks)} leaks:\n" + "\n".join(leaks) + f"\n{len(mismatches)} of {cells} cells "
        "differ:\n" + "\n".join(mismatches)
    )
    assert NOT_ASKED  # the symbol of cells not asked (documented in the table's legend)
