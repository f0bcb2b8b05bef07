"""The differential check of the secrecy audit: what every role other than a supervisor sees
must not change because ANOTHER bidder obtained the documents, bid or withdrew before the
deadline (招标投标法 第二十二条; 电子招标投标办法 第二十一条: not even their number).

A number ("3 bids") cannot be searched for; a difference can. Each role's pages and API
answers are taken again after each step of the latecomer, their volatile parts (CSRF tokens,
nonces, timestamps) blanked, and compared with the answers before it.
"""

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.test import Client

from tests.hardening.secrecy_routes import Answer, body_of

# What changes from one request to the next whoever bid: the form's and the cookie's CSRF
# token, the policy's nonce, times (the page's clock, the countdown's "now").
VOLATILE = (
    (re.compile(rb'(csrfmiddlewaretoken"? value=")[^"]*'), rb"\1<csrf>"),
    (re.compile(rb'(csrf[-_]?token=")[^"]*'), rb"\1<csrf>"),
    (re.compile(rb'(name="csrf-token" content=")[^"]*'), rb"\1<csrf>"),
    (re.compile(rb'(nonce=")[^"]*'), rb"\1<nonce>"),
    (
        re.compile(
            rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
        b"<time>",
    ),
    (re.compile(rb"\b\d{1,2}:\d{2}:\d{2}\b"), b"<time>"),
)


def normalised(body: bytes) -> bytes:
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    return body


# Not compared: they change with every event of the platform, the looks' own included (a
# refusal, a read): the operations network's counters (/metrics: the event chain's length,
# alerts by kind) and the admin's list of events. Neither shows a sealed event: the admin
# leaves them out (monitoring/admin.py) and the metrics count the whole platform's events.
UNCOMPARED = ("/metrics", "/admin/monitoring/event/")
# Not looked at again: obtaining the documents (a GET that records the looker's own download,
# which its own list then shows) and the API's schema and docs, made from the code alone.
UNLOOKED_ROUTES = ("api/v1/schema", "api/v1/docs")
OBTAINING = "documents/<uuid:document_id>/download"  # the page's route and the API's


@dataclass(frozen=True)
class Look:
    """What one role saw at one URL, volatile parts blanked."""

    role: str
    url: str
    route: str
    status: int
    body: bytes


def looks_of(answers: Iterable[Answer]) -> dict[tuple[str, str], Look]:
    return {
        (answer.role, answer.url): Look(
            answer.role, answer.url, answer.route, answer.status, normalised(answer.body)
        )
        for answer in answers
    }


def look_again(
    before: dict[tuple[str, str], Look], clients: dict[str, Client]
) -> dict[tuple[str, str], Look]:
    """The same URLs, as the same roles, now."""
    after = {}
    for (role, url), look in before.items():
        response = clients[role].get(url)
        after[(role, url)] = Look(
            role, url, look.route, response.status_code, normalised(body_of(response))
        )
    return after


@dataclass(frozen=True)
class Change:
    step: str
    role: str
    url: str
    route: str
    diff: str

    def __str__(self) -> str:
        return f"after {self.step}: {self.role} GET {self.url} (route {self.route}):\n{self.diff}"


def changes(
    step: str, before: dict[tuple[str, str], Look], after: dict[tuple[str, str], Look]
) -> list[Change]:
    found = []
    for key, old in before.items():
        new = after[key]
        if (old.status, old.body) == (new.status, new.body):
            continue
        lines = difflib.unified_diff(
            [f"status {old.status}", *_lines(old.body)],
            [f"status {new.status}", *_lines(new.body)],
            lineterm="",
            n=0,
        )
        diff = "\n".join(line[:160] for line in list(lines)[2:14])
        found.append(Change(step, old.role, old.url, old.route, diff))
    return found


def _lines(body: bytes) -> list[str]:
    # JSON answers are one line: split them at commas so that a diff names the field.
    text = body.decode("utf-8", "replace")
    return [line for line in re.split(r"\n|(?<=,)", text) if line.strip()]


def differential(
    steps: Iterable[tuple[str, Callable[[], None]]],
    baseline: Iterable[Answer],
    clients: dict[str, Client],
) -> tuple[list[Change], int]:
    """Run each step, look again, compare with the look before it. Returns the changes and
    the number of requests made."""
    # Looked at afresh: since the walk, other roles' requests changed what some pages show.
    urls = [
        answer
        for answer in baseline
        if answer.url not in UNCOMPARED
        and answer.route not in UNLOOKED_ROUTES
        and not answer.route.endswith(OBTAINING)
    ]
    before = look_again(looks_of(urls), clients)
    found: list[Change] = []
    requests = len(before)
    for step, action in steps:
        action()
        after = look_again(before, clients)
        requests += len(after)
        found += changes(step, before, after)
        before = after
    return found, requests
