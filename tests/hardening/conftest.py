"""Fixtures of tests/hardening: the fault-injection stories run on the bid stories' fixtures
(a published tender, a bidder logged in with its certificate: tests/bids/conftest.py); the
permission matrix's world is built once for its module, in a transaction rolled back at its end
(tests/hardening/permission_world.py)."""

import pytest
from django.db import transaction
from django.test import override_settings

from storage.objects import MINIMUM_PART_SIZE
from tests.bids.conftest import (  # noqa: F401 - fixtures shared with bids
    bid_settings,
    bidder,
    bidder_client,
    tender,
)


@pytest.fixture(scope="module")
def permission_world(django_db_setup, django_db_blocker, s3_server, platform_ca):
    from tests.hardening.permission_world import ROOM_NETWORK, build_world

    with (
        django_db_blocker.unblock(),
        override_settings(
            BID_UPLOAD_PART_SIZE=MINIMUM_PART_SIZE,
            BID_MAX_SIZE=2 * 1024**3,
            EVALUATION_ROOM_NETWORKS=[ROOM_NETWORK],
            PLATFORM_TRUSTED_PROXY_COUNT=0,
            SESSION_IDLE_REFRESH_SECONDS=10**9,
        ),
        transaction.atomic(),
    ):
        world = build_world(platform_ca)
        yield world
        transaction.set_rollback(True)
