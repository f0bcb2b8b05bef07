"""Fuzzing the certificate-login challenge (accounts/api/login.py, accounts.services): whatever an
anonymous caller sends, a random or spent challenge, a signature changed byte by byte, any JSON,
the answer is a refusal in the one JSON error shape (no 500), nobody is logged in, and nothing is
written to the event chain (docs/hardening.md, "Abuse limits")."""

import base64
import json
import uuid

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Role
from accounts.refusal_log import reset_budget
from accounts.services import certificate_bind, login_challenge_issue, login_message
from monitoring.models import Event
from monitoring.services import PLATFORM
from signing.cms import sign_detached
from tests.certificates import BIDDER_NAME, BIDDER_USCC
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.fuzz.conftest import bounded, within
from tests.fuzz.mutations import JSON_VALUES, RAW_JSON_TEXT, TEXT, mutated_bytes, mutated_json

ENDPOINT = "/api/v1/auth/certificate-login"


@pytest.fixture
def anonymous(settings) -> Client:
    settings.LOGIN_REFUSAL_LOG_PER_MINUTE = 5  # keep the test's log short
    reset_budget()
    return Client(headers={"accept-language": "en"}, raise_request_exception=False)


@pytest.fixture
def bound_bidder(platform_ca, bidder_credential):
    organisation = OrganisationFactory(name=BIDDER_NAME, uscc=BIDDER_USCC)
    user = MembershipFactory(
        role=Role.BIDDER, organisation=organisation, user=UserFactory(username="bidder-zhang")
    ).user
    certificate_bind(user=user, certificate=bidder_credential.certificate, actor=PLATFORM)
    return user


def answer(client: Client, body: object, raw: bytes | None = None):
    with within(10):
        return client.post(
            ENDPOINT,
            raw if raw is not None else json.dumps(body),
            content_type="application/json",
        )


def assert_refused_cleanly(response, client: Client, events: int) -> None:
    assert response.status_code in (400, 401, 413, 429), response.content[:300]
    body = response.json()
    assert set(body) <= {"error", "message", "field"}, body
    assert isinstance(body["error"], str) and isinstance(body["message"], str), body
    assert isinstance(body.get("field", ""), str), body
    assert "_auth_user_id" not in client.session
    assert Event.objects.count() == events, "an anonymous refusal reached the event chain"


@pytest.mark.django_db
@bounded(60)
@given(
    challenge_id=st.one_of(st.uuids().map(str), TEXT),
    signature=st.one_of(st.binary(max_size=600).map(lambda b: base64.b64encode(b).decode()), TEXT),
    username=st.one_of(st.none(), TEXT),
)
def test_a_random_answer_is_refused_without_an_event(
    anonymous, bound_bidder, challenge_id, signature, username
):
    events = Event.objects.count()
    body = {"challenge_id": challenge_id, "signature": signature}
    if username is not None:
        body["username"] = username
    assert_refused_cleanly(answer(anonymous, body), anonymous, events)


@pytest.mark.django_db
@bounded(60)
@given(st.data())
def test_a_signature_changed_byte_by_byte_is_refused_without_an_event(
    anonymous, bound_bidder, bidder_credential, data
):
    challenge = login_challenge_issue(client_ip="127.0.0.1")
    signature = sign_detached(login_message(challenge), credential=bidder_credential)
    changed = data.draw(mutated_bytes(signature))
    if changed == signature:
        return
    events = Event.objects.count()
    body = {"challenge_id": str(challenge.pk), "signature": base64.b64encode(changed).decode()}
    assert_refused_cleanly(answer(anonymous, body), anonymous, events)


@pytest.mark.django_db
@bounded(60)
@given(st.data())
def test_any_body_is_refused_in_the_json_error_shape(anonymous, data):
    valid = {"challenge_id": str(uuid.uuid4()), "signature": "AAAA", "username": "bidder-zhang"}
    events = Event.objects.count()
    if data.draw(st.booleans()):
        response = answer(anonymous, None, raw=data.draw(RAW_JSON_TEXT))
    else:
        response = answer(anonymous, data.draw(st.one_of(JSON_VALUES, mutated_json(valid))))
    assert_refused_cleanly(response, anonymous, events)


@pytest.mark.django_db
def test_the_unchanged_signature_logs_in(anonymous, bound_bidder, bidder_credential):
    """The property tests above refuse for the right reason: the same answer, unchanged, works."""
    challenge = login_challenge_issue(client_ip="127.0.0.1")
    signature = sign_detached(login_message(challenge), credential=bidder_credential)
    response = answer(
        anonymous,
        {"challenge_id": str(challenge.pk), "signature": base64.b64encode(signature).decode()},
    )
    assert response.status_code == 200
    assert response.json()["username"] == "bidder-zhang"
