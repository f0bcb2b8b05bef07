"""A supervisor suspends a tender and resumes it to the state it left, for a reason
(docs/supervision.md, "Complaints and suspension"): `services` (the checks, over
trading.services.tender_suspend / tender_resume, which move the tender and write its event),
`api`, `views`, `urls`, `api_urls`."""
