"""Statistics (docs/supervision.md, "Statistics"): the figures (selectors.py), their SVG bar
charts (charts.py), CSV and JSON (export.py), the Prometheus endpoint (metrics.py), pages
(views.py)."""
