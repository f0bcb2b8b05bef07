"""The bids API under /api/v1/: `urls.py` gathers the routes of `bids.submission.api` and
`bids.opening.api`; `base.py` holds what both share (the view base and the error schema)."""
