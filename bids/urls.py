"""Page routes of the bids app (included under /bids/ by config/urls.py)."""

app_name = "bids"

urlpatterns: list = []
