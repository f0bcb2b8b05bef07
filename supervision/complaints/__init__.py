"""Complaints (投诉) to the supervising authority (docs/supervision.md, "Complaints and
suspension").

| module | what it holds |
|---|---|
| ``clocks`` | the complaint period, the acceptance and decision due dates (trading/law) |
| ``prior`` | which matters need a prior objection (异议前置) and finding it |
| ``documents`` | the platform-signed, timestamped receipt and decision documents |
| ``attachments`` | the complainant's files in object storage |
| ``errors`` | ``ComplaintRefused`` |
| ``services`` | ``complaint_file``, ``complaint_decide`` |
| ``selectors`` | what each reader sees of complaints |
| ``api``, ``views``, ``urls``, ``api_urls`` | the API (/api/v1/complaints) and the pages |
"""
