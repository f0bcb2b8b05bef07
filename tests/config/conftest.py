"""The bid stories' fixtures (a published tender, a bidder logged in with its certificate), for
tests/config/test_bad_input.py, which sends bad input to every app's endpoints."""

from tests.bids.conftest import bid_settings, bidder, bidder_client, tender  # noqa: F401
