"""Every trading endpoint × every role: the status each gets, in one table (checked on the
server, whatever the pages show)."""

import pytest
from django.test import Client

from accounts.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, TenderFactory
from trading.services import Acting, tender_publish

ROLES = ["anonymous", "bidder", "tenderee", "other_tenderee", "supervisor"]

# (method, path template, body, {role: expected status}); {tender} is a published tender.
MATRIX = [
    (
        "get",
        "/api/v1/tenders",
        None,
        {
            "anonymous": 200,
            "bidder": 200,
            "tenderee": 200,
            "other_tenderee": 200,
            "supervisor": 200,
        },
    ),
    (
        "get",
        "/api/v1/tenders/{tender}",
        None,
        {
            "anonymous": 200,
            "bidder": 200,
            "tenderee": 200,
            "other_tenderee": 200,
            "supervisor": 200,
        },
    ),
    (
        "get",
        "/api/v1/tenders/{tender}/documents",
        None,
        {
            "anonymous": 200,
            "bidder": 200,
            "tenderee": 200,
            "other_tenderee": 200,
            "supervisor": 200,
        },
    ),
    (
        "get",
        "/api/v1/tenders/{tender}/downloads",
        None,
        {
            "anonymous": 403,
            "bidder": 200,
            "tenderee": 403,
            "other_tenderee": 403,
            "supervisor": 200,
        },
    ),
    (
        "post",
        "/api/v1/tenders/{tender}/amend",
        {"bid_deadline": "2031-01-01T09:00:00+08:00", "reason": "延期"},
        {
            "anonymous": 403,
            "bidder": 403,
            "tenderee": 200,
            "other_tenderee": 403,
            "supervisor": 403,
        },
    ),
    (
        "post",
        "/api/v1/tenders/{tender}/suspend",
        {"reason": "检查"},
        {
            "anonymous": 403,
            "bidder": 403,
            "tenderee": 403,
            "other_tenderee": 403,
            "supervisor": 200,
        },
    ),
    (
        "post",
        "/api/v1/tenders/{tender}/cancel",
        {"reason": "终止"},
        {
            "anonymous": 403,
            "bidder": 403,
            "tenderee": 200,
            "other_tenderee": 403,
            "supervisor": 403,
        },
    ),
    (
        "post",
        "/api/v1/tenders/{tender}/objections",
        {"text": "异议"},
        {
            "anonymous": 403,
            "bidder": 403,
            "tenderee": 403,
            "other_tenderee": 403,
            "supervisor": 403,
        },
    ),
    (
        "post",
        "/api/v1/tenders/{tender}/award",
        {"winner_uscc": "914403001922038216"},
        {
            "anonymous": 403,
            "bidder": 403,
            "tenderee": 409,
            "other_tenderee": 403,
            "supervisor": 403,
        },
    ),
    (
        "get",
        "/api/v1/notifications",
        None,
        {
            "anonymous": 403,
            "bidder": 200,
            "tenderee": 200,
            "other_tenderee": 200,
            "supervisor": 200,
        },
    ),
    (
        "get",
        "/tenders/workspace/",
        None,
        {
            "anonymous": 302,
            "bidder": 200,
            "tenderee": 200,
            "other_tenderee": 200,
            "supervisor": 200,
        },
    ),
]


def client_for(role: str, tender) -> Client:
    client = Client(headers={"accept-language": "en"})
    users = {
        "bidder": lambda: MembershipFactory(role=Role.BIDDER).user,
        "tenderee": lambda: (
            MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
        ),
        "other_tenderee": lambda: (
            MembershipFactory(role=Role.TENDEREE, organisation=OrganisationFactory()).user
        ),
        "supervisor": lambda: MembershipFactory(role=Role.SUPERVISOR, organisation=None).user,
    }
    if role in users:
        client.force_login(users[role]())
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
def test_each_role_gets_its_status(role, method, path, body, expected):
    tender = TenderFactory()
    owner = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    tender_publish(acting=Acting(user=owner), tender_id=tender.pk)
    client = client_for(role, tender)
    url = path.format(tender=tender.pk)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, body, content_type="application/json")
    assert response.status_code == expected[role], (role, url, response.content[:300])
