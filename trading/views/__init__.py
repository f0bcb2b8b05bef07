"""Trading's pages (routes in trading/urls.py): the public portal (`portal.py`), the
tenderee's and agent's workspace (`workspace.py`), the public notices (`notices.py`)."""
