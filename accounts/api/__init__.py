"""Accounts' API under /api/v1/ (routes in `urls.py`): certificate login (`login.py`)."""
