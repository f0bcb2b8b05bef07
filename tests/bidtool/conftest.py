"""The live-server tests of bidtool run against a published tender with the bid settings."""

from tests.bids.conftest import bid_settings, tender  # noqa: F401 - fixtures shared with bids
