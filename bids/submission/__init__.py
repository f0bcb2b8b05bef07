"""Sealed bid submission (DESIGN §5, 办法 第26–27条; docs/bids.md).

open an upload → store its parts (uploads.py) → finalise: verify and record the bid with its
signed, timestamped receipt (finalise.py, receipts.py) → withdraw by a signed request
(withdrawal.py); unfinished uploads are ended by housekeeping.py. Pages in views.py, the REST
API in api.py, queries in selectors.py. Nothing here imports bids.opening except the bidder
workspace's way into the hall (bids.opening.selectors).
"""
