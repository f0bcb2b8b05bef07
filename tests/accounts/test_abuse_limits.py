"""Abuse limits of logging in (docs/hardening.md, "Abuse limits"): password failures lock a user
name or an address out for a while, with the time to retry; an address holds a bounded number
of certificate-login challenges; anonymous certificate-login refusals are logged apart from the
event chain and never wait for its lock; beat removes what expired; idle sessions end."""

import base64
import datetime as dt
import uuid

import psycopg
import pytest
import time_machine
from django.test import Client

from accounts.models import AttemptCounter, LockoutScope, LoginChallenge, LoginLockout
from accounts.refusal_log import reset_budget
from accounts.services import shown_time
from accounts.tasks import login_housekeeping_task
from monitoring.models import Event
from tests.factories import UserFactory
from tests.parts import shared_database_url

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def browser(address: str = "203.0.113.7") -> Client:
    return Client(headers={"accept-language": "en"}, REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


WRONG = "Please enter a correct username and password. Note that both fields may be case-sensitive."


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_user_name_and_say_until_when(settings):
    user = UserFactory(username="tenderee-wang")
    client = browser()
    for _attempt in range(4):
        assert form_errors(log_in(client, "tenderee-wang", "guess")) == [WRONG]

    locked = log_in(client, "tenderee-wang", "guess")

    lockout = LoginLockout.objects.get(scope=LockoutScope.USER, key="tenderee-wang")
    assert lockout.failures == 5
    assert lockout.locked_until - lockout.locked_at == dt.timedelta(seconds=900)
    message = (
        "Too many failed logins for this user name: password login is locked until "
        f"{shown_time(lockout.locked_until)}. Try again then, or log in with your certificate."
    )
    assert form_errors(locked) == [message]
    # Locked means locked: the right password is refused too, with the same message.
    assert form_errors(log_in(client, "tenderee-wang", PASSWORD)) == [message]
    assert not logged_in(client)
    event = Event.objects.get(action="user.login_locked")
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
    assert event.client_ip == "203.0.113.7"
    assert event.payload == {
        "scope": "user",
        "failures": 5,
        "locked_until": lockout.locked_until.isoformat(),
    }


@pytest.mark.django_db
def test_the_lockout_ends_after_its_period(settings):
    UserFactory(username="tenderee-wang")
    client = browser()
    for _attempt in range(5):
        log_in(client, "tenderee-wang", "guess")
    assert not logged_in(client)

    settings.PLATFORM_CLOCK_OFFSET_SECONDS += 901  # the database clock, which lockouts read
    response = log_in(client, "tenderee-wang", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_a_successful_login_forgets_the_failures_of_the_user_name():
    UserFactory(username="tenderee-wang")
    client = browser()
    for _attempt in range(4):
        log_in(client, "tenderee-wang", "guess")
    assert log_in(client, "tenderee-wang", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    for _attempt in range(4):
        assert form_errors(log_in(client, "tenderee-wang", "guess")) == [WRONG]
    assert not LoginLockout.objects.exists()


@pytest.mark.django_db
def test_failures_from_one_address_lock_that_address_for_every_user_name(settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    UserFactory(username="agent-zhao")
    sprayer = browser("198.51.100.9")
    for name in ("admin", "root"):
        assert form_errors(log_in(sprayer, name, "123456")) == [WRONG]

    [message] = form_errors(log_in(sprayer, "operator", "123456"))

    lockout = LoginLockout.objects.get(scope=LockoutScope.ADDRESS)
    assert lockout.key == "198.51.100.9"
    assert message == (
        "Too many failed logins from this address: password login is locked until "
        f"{shown_time(lockout.locked_until)}. Try again then."
    )
    assert form_errors(log_in(sprayer, "agent-zhao", PASSWORD)) == [message]
    # Another address is not concerned.
    colleague = browser("198.51.100.10")
    assert log_in(colleague, "agent-zhao", PASSWORD).status_code == 302
    event = Event.objects.get(action="user.login_locked")
    assert (event.object_type, event.object_id) == ("accounts.login_address", "198.51.100.9")


@pytest.mark.django_db
def test_a_user_name_nobody_holds_is_locked_alike_and_only_logged(caplog):
    reset_budget()
    client = browser()
    for _attempt in range(5):
        response = log_in(client, "nobody-here", "guess")

    [message] = form_errors(response)
    assert message.startswith("Too many failed logins for this user name")
    assert not Event.objects.filter(action="user.login_locked").exists()
    assert any(
        "code=login_locked" in record.getMessage() and "username=nobody-here" in record.getMessage()
        for record in caplog.records
        if record.name == "accounts.login"
    )


@pytest.mark.django_db
def test_the_admin_login_is_locked_out_like_the_login_page():
    UserFactory(username="operator-sun", is_staff=True)
    client = browser()
    for _attempt in range(5):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "operator-sun", "password": "guess"}
        )
    [message] = response.context["form"].non_field_errors()
    assert message.startswith("Too many failed logins for this user name")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "operator-sun", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert not logged_in(client)


@pytest.mark.django_db
def test_an_address_holds_a_bounded_number_of_open_challenges(settings, client):
    settings.LOGIN_CHALLENGES_OPEN_PER_ADDRESS = 3
    issued = [client.post("/api/v1/auth/challenge").json() for _ in range(3)]

    refused = client.post("/api/v1/auth/challenge")

    first = LoginChallenge.objects.get(pk=issued[0]["challenge_id"])
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "challenges_too_many",
        "message": "This address holds 3 unanswered login challenges, the most it may: answer "
        f"one, or ask again after {shown_time(first.expires_at)}.",
    }
    assert 0 < int(refused["Retry-After"]) <= 120
    assert LoginChallenge.objects.count() == 3
    # Another address is not concerned; an answered challenge frees its place.
    assert Client(REMOTE_ADDR="192.0.2.44").post("/api/v1/auth/challenge").status_code == 201
    client.post(
        "/api/v1/auth/certificate-login",
        {"challenge_id": issued[0]["challenge_id"], "signature": "AAAA"},
        content_type="application/json",
    )
    assert client.post("/api/v1/auth/challenge").status_code == 201


@pytest.mark.django_db
def test_beat_removes_expired_challenges_past_counters_and_ended_lockouts(settings, client):
    stale = client.post("/api/v1/auth/challenge").json()
    UserFactory(username="tenderee-wang")
    for _attempt in range(5):
        log_in(browser(), "tenderee-wang", "guess")
    log_in(browser(), "tenderee-wang", "guess")  # counted on the address only, while locked
    assert LoginLockout.objects.count() == 1

    settings.PLATFORM_CLOCK_OFFSET_SECONDS += 3600
    fresh = client.post("/api/v1/auth/challenge").json()
    removed = login_housekeeping_task()

    assert removed == {"challenges": 1, "counters": 1, "lockouts": 1}
    assert list(LoginChallenge.objects.values_list("pk", flat=True)) == [
        uuid.UUID(fresh["challenge_id"])
    ]
    assert not LoginChallenge.objects.filter(pk=stale["challenge_id"]).exists()
    assert not AttemptCounter.objects.exists()
    assert not LoginLockout.objects.exists()


@pytest.fixture
def chain_locked_elsewhere():
    """Another session holding the event chain's head table locked, as a long writer would."""
    with psycopg.connect(shared_database_url()) as other:
        other.execute("LOCK TABLE monitoring_eventchainhead IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


@pytest.mark.django_db
def test_anonymous_certificate_login_refusals_never_wait_for_the_chain(
    client, settings, caplog, chain_locked_elsewhere
):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '2s'")  # a wait becomes an error, not a hang
    settings.LOGIN_REFUSAL_LOG_PER_MINUTE = 3
    reset_budget()
    events = Event.objects.count()

    answers = []
    for index in range(6):
        body = {"challenge_id": str(uuid.uuid4()), "signature": base64.b64encode(b"x").decode()}
        if index % 2:
            body["challenge_id"] = client.post("/api/v1/auth/challenge").json()["challenge_id"]
        answers.append(
            client.post("/api/v1/auth/certificate-login", body, content_type="application/json")
        )

    assert [answer.status_code for answer in answers] == [401] * 6
    assert {answer.json()["error"] for answer in answers} == {
        "challenge_unknown",
        "signature_invalid",
    }
    assert Event.objects.count() == events
    lines = [record for record in caplog.records if record.name == "accounts.login"]
    assert len(lines) == 3  # the budget of the minute; the rest are counted, not written


@pytest.mark.django_db
def test_a_session_ends_after_thirty_idle_minutes_and_lives_on_while_used():
    UserFactory(username="tenderee-wang")
    client = browser()
    assert log_in(client, "tenderee-wang", PASSWORD).status_code == 302
    start = dt.datetime.now(dt.UTC)

    # Used every 20 minutes for an hour: still logged in.
    for minutes in (20, 40, 60):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/").context["user"].username == "tenderee-wang"

    # Then left alone for 31 minutes: logged out.
    with time_machine.travel(start + dt.timedelta(minutes=91), tick=False):
        assert client.get("/").context["user"].is_anonymous
