"""Certificate login: a one-time challenge signed with the holder's certificate key."""

import base64
import datetime as dt

import pytest

from accounts.models import LoginChallenge, Role
from accounts.refusal_log import reset_budget
from accounts.services import IdentityError, certificate_bind
from monitoring.models import Event
from monitoring.services import PLATFORM
from signing.cms import sign_detached
from tests.certificates import BIDDER_NAME, BIDDER_USCC
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def bidder_user(platform_ca, bidder_credential):
    organisation = OrganisationFactory(name=BIDDER_NAME, uscc=BIDDER_USCC)
    membership = MembershipFactory(
        role=Role.BIDDER, organisation=organisation, user=UserFactory(username="bidder-zhang")
    )
    certificate_bind(
        user=membership.user, certificate=bidder_credential.certificate, actor=PLATFORM
    )
    return membership.user


def answer(client, credential, *, username=None, challenge=None):
    challenge = challenge or client.post("/api/v1/auth/challenge").json()
    message = base64.b64decode(challenge["message"])
    body = {
        "challenge_id": challenge["challenge_id"],
        "signature": base64.b64encode(sign_detached(message, credential=credential)).decode(),
    }
    if username:
        body["username"] = username
    return client.post("/api/v1/auth/certificate-login", body, content_type="application/json")


@pytest.mark.django_db
def test_a_bidder_logs_in_with_its_certificate(client, bidder_user, bidder_credential):
    response = answer(client, bidder_credential, username="bidder-zhang")

    assert response.status_code == 200, response.json()
    assert response.json()["username"] == "bidder-zhang"
    assert client.session["certificate_sha256"] == response.json()["certificate_sha256"]
    assert client.get("/").context["user"] == bidder_user
    event = Event.objects.get(action="user.certificate_login")
    assert event.actor == bidder_user
    assert event.client_ip == "127.0.0.1"


@pytest.mark.django_db
def test_a_replayed_challenge_is_refused(client, bidder_user, bidder_credential):
    challenge = client.post("/api/v1/auth/challenge").json()
    assert answer(client, bidder_credential, challenge=challenge).status_code == 200
    replay = answer(client, bidder_credential, challenge=challenge)
    assert replay.status_code == 401
    assert replay.json() == {
        "error": "challenge_replayed",
        "message": "The login challenge was used already: ask for a new one.",
    }


@pytest.mark.django_db
def test_an_expired_challenge_is_refused(client, bidder_user, bidder_credential):
    challenge = client.post("/api/v1/auth/challenge").json()
    LoginChallenge.objects.filter(pk=challenge["challenge_id"]).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    response = answer(client, bidder_credential, challenge=challenge)
    assert response.status_code == 401
    assert response.json()["error"] == "challenge_expired"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_unknown_challenge_is_refused(client, bidder_user, bidder_credential):
    challenge = client.post("/api/v1/auth/challenge").json()
    forged = {**challenge, "challenge_id": "00000000-0000-0000-0000-000000000000"}
    response = answer(client, bidder_credential, challenge=forged)
    assert response.json()["error"] == "challenge_unknown"


@pytest.mark.django_db
def test_a_certificate_bound_to_no_user_is_refused_and_logged_apart_from_the_chain(
    client, platform_ca, other_bidder_credential, caplog
):
    reset_budget()  # the log's budget is per process and per minute
    response = answer(client, other_bidder_credential)
    assert response.status_code == 401
    assert response.json()["error"] == "certificate_not_bound"
    # Nobody is identified: the refusal goes to the `accounts.login` log, not the event chain.
    assert not Event.objects.filter(action="user.certificate_login_refused").exists()
    [line] = [record for record in caplog.records if record.name == "accounts.login"]
    assert "code=certificate_not_bound" in line.getMessage()
    assert "client_ip=127.0.0.1" in line.getMessage()


@pytest.mark.django_db
def test_a_certificate_of_another_user_is_refused(client, bidder_user, bidder_credential):
    UserFactory(username="bidder-li")
    response = answer(client, bidder_credential, username="bidder-li")
    assert response.status_code == 401
    assert response.json() == {
        "error": "certificate_of_another_user",
        "message": "The certificate is bound to another user, not to bidder-li.",
    }
    assert "_auth_user_id" not in client.session
    # The signature identifies its holder: this refusal is an event of the chain, by them.
    refused = Event.objects.get(action="user.certificate_login_refused")
    assert refused.actor == bidder_user
    assert refused.payload == {
        "code": "certificate_of_another_user",
        "claimed_username": "bidder-li",
    }


@pytest.mark.django_db
def test_a_revoked_certificate_is_refused(client, bidder_user, revoked_bidder_credential):
    response = answer(client, revoked_bidder_credential)
    assert response.status_code == 401
    assert response.json()["error"] == "certificate_revoked"


@pytest.mark.django_db
def test_a_certificate_of_an_untrusted_ca_is_refused(
    client, bidder_user, untrusted_bidder_credential
):
    response = answer(client, untrusted_bidder_credential)
    assert response.status_code == 401
    assert response.json()["error"] == "certificate_untrusted"


@pytest.mark.django_db
def test_a_signature_over_other_bytes_is_refused(client, bidder_user, bidder_credential):
    challenge = client.post("/api/v1/auth/challenge").json()
    other = client.post("/api/v1/auth/challenge").json()
    crossed = {**other, "message": challenge["message"]}
    response = answer(client, bidder_credential, challenge=crossed)
    assert response.status_code == 401
    assert response.json()["error"] == "signature_invalid"


@pytest.mark.django_db
def test_a_signature_that_is_not_base64_is_refused(client, bidder_user):
    challenge = client.post("/api/v1/auth/challenge").json()
    response = client.post(
        "/api/v1/auth/certificate-login",
        {"challenge_id": challenge["challenge_id"], "signature": "not base64!"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "The signature is not valid base64.",
        "field": "signature",
    }


@pytest.mark.django_db
def test_an_organisation_certificate_binds_only_to_its_own_staff(platform_ca, bidder_credential):
    stranger = MembershipFactory(role=Role.BIDDER).user
    with pytest.raises(IdentityError, match=f"belongs to the organisation {BIDDER_USCC}"):
        certificate_bind(user=stranger, certificate=bidder_credential.certificate, actor=PLATFORM)
