"""The fault-injection stories run on the bid stories' fixtures: a published tender, a bidder
logged in with its certificate (tests/bids/conftest.py)."""

from tests.bids.conftest import (  # noqa: F401 - fixtures shared with bids
    bid_settings,
    bidder,
    bidder_client,
    tender,
)
