"""Evaluation stories reuse the bids' settings and the real opening (tests/bids)."""

from tests.bids.conftest import bid_settings

__all__ = ["bid_settings"]
