"""Supervision's API under /api/v1/supervision/: the console's tender list (console.py), the
alerts and the supervisor's actions on them, the rule registry (alerts.py), and the statistics
as JSON (statistics.py). Supervisors only; routes in urls.py."""
