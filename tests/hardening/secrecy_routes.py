"""Every page and API response reachable by GET, by every role: the URL resolver walked, each
parameter filled from the world (the tender, every bid, upload, document, notice, event)."""

import itertools
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie

from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from monitoring.models import Event
from tests.hardening.secrecy_world import World
from trading.models import Notice

# Parameters no object of the story has: a random id, so that the view's refusal is searched.
NOBODY = str(uuid.UUID(int=0x5EC2E7))
# Admin pages of objects are walked as the operator only (others meet the admin's login).
ADMIN_OBJECT = re.compile(r"^admin/.+/<")
_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Route:
    pattern: str  # as the resolver spells it, e.g. "api/v1/bids/<uuid:bid_id>/receipt"
    name: str


def routes() -> Iterator[Route]:
    def walk(resolver: URLResolver, prefix: str) -> Iterator[Route]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield Route(prefix + str(entry.pattern), entry.name or entry.lookup_str)

    yield from walk(get_resolver(), "")


def _values(world: World, route: Route, parameter: str) -> list[str]:
    tender = world.tender
    bids = [str(bid.pk) for bidder in world.bidders for bid in bidder.bids]
    if parameter == "tender_id":
        return [str(tender.pk)]
    if parameter == "bid_id":
        return bids
    if parameter == "upload_id":
        return [str(upload.pk) for bidder in world.bidders for upload in bidder.uploads]
    if parameter == "document_id":
        return [world.document_id]
    if parameter == "notice_id":
        return [str(pk) for pk in Notice.objects.filter(tender=tender).values_list("pk", flat=True)]
    if parameter == "release_id":
        return [str(pk) for pk in Notice.objects.filter(tender=tender).values_list("pk", flat=True)]
    if parameter == "kind":
        return ["submission", "withdrawal"] if "receipt" in route.pattern else ["json", "pdf"]
    if parameter == "index":
        return ["0", "1"]
    if parameter == "number":
        return ["1"]
    if parameter == "step":
        return ["qualification"]
    if parameter == "action":
        return ["amend", "close"]
    if parameter in ("object_id", "id", "user_id"):
        return _admin_objects(world, route.pattern)
    if parameter in ("alert_id",):
        return ["1"]
    return [NOBODY]


def _admin_objects(world: World, pattern: str) -> list[str]:
    if "/user/" in pattern:
        return [str(bidder.user.pk) for bidder in world.bidders]
    if "/organisation/" in pattern:
        return [str(bidder.organisation.pk) for bidder in world.bidders]
    if "/event/" in pattern:
        return [str(event.pk) for event in world.story_events]
    return [NOBODY]


def urls_of(world: World, *, staff: bool) -> Iterator[tuple[Route, str]]:
    """Each route with its parameters filled, every combination of the world's values."""
    for route in routes():
        pattern = route.pattern
        if "(?P<url>" in pattern or "<path:content_type_id>" in pattern:
            continue  # the admin's catch-all and its view-on-site redirect: nothing of their own
        if pattern.startswith("admin/^"):
            labels = re.search(r"\(\?P<app_label>([^)]*)\)", pattern).group(1).split("|")
            for label in labels:
                yield route, f"/admin/{label}/"
            continue
        if ADMIN_OBJECT.match(pattern) and not staff:
            continue
        names = [name for _, name in _PARAMETER.findall(pattern)]
        choices = [_values(world, route, name) for name in names]
        for combination in itertools.product(*choices):
            values = iter(combination)
            yield route, "/" + _PARAMETER.sub(lambda _, values=values: next(values), pattern)


@dataclass(frozen=True)
class Answer:
    role: str
    url: str
    route: str
    status: int
    body: bytes
    read_events: tuple[str, ...]  # the read events this request wrote (supervisors' reads)
    method: str = "GET"


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def walk(world: World, role: str, client: Client, *, staff: bool) -> list[Answer]:
    answers = []
    for route, url in urls_of(world, staff=staff):
        last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(url)
        reads = tuple(
            Event.objects.filter(pk__gt=last, action__endswith=".read").values_list(
                "action", flat=True
            )
        )
        answers.append(
            Answer(role, url, route.pattern, response.status_code, body_of(response), reads)
        )
    return answers


# Methods that change state, as the views spell them.
UNSAFE = ("post", "put", "patch", "delete")


def unsafe_methods(url: str) -> list[str]:
    """The unsafe methods the view at `url` answers (a class-based view says which it has; a
    function view is tried with POST)."""
    try:
        view = resolve(url).func
    except Resolver404:
        return []  # a parameter the route's converter refuses: nothing answers there
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if view_class is None:
        return ["post"]
    return [method for method in UNSAFE if hasattr(view_class, method)]


def post_walk(world: World, role: str, client: Client) -> list[Answer]:
    """Every unsafe request a role can send outside the admin, each with a minimal JSON body,
    inside a transaction rolled back afterwards: the answers are kept, no state is. The
    client's cookies are put back too (a POST may log it out or in)."""
    answers = []
    for route, url in urls_of(world, staff=False):
        if url.startswith("/admin/"):
            continue  # the admin's forms: the operator's only, walked by GET
        for method in unsafe_methods(url):
            cookies = SimpleCookie(client.cookies)
            with transaction.atomic():
                response = getattr(client, method)(url, {}, content_type="application/json")
                body = body_of(response)
                transaction.set_rollback(True)
            client.cookies = cookies
            answers.append(
                Answer(role, url, route.pattern, response.status_code, body, (), method.upper())
            )
    return answers
