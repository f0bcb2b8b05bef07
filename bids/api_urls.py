"""API routes of the bids app (included under /api/v1/ by config/urls.py)."""

urlpatterns: list = []
