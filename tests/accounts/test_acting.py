"""Who acts in a request: its logged-in user, never an anonymous one (accounts.acting)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.acting import acting_from_request
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_logged_in_user_acts_from_the_address_of_the_request():
    person = UserFactory()
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = person
    acting = acting_from_request(request)
    assert acting.user == person
    assert acting.client_ip == "192.0.2.7"


def test_an_anonymous_visitor_is_refused_rather_than_acted_as():
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied, match="only a logged-in user can do this"):
        acting_from_request(request)
