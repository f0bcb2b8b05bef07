"""The supervisors' console (docs/supervision.md, "Console"): who may use it (access.py), a
tender's next legal due date (due.py), the tender list and a tender's events (selectors.py),
the timeline and drill-downs whose reads of secrets are logged (services.py), pages (views.py)."""
