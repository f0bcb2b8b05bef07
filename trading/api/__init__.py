"""Trading's API under /api/v1/ (routes in `urls.py`): tenders, projects, documents and
objections (`tenders.py`), candidate publicity to archive (`award.py`), the OCDS feed
(`releases.py`)."""
