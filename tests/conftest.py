"""Test-run wiring: real PostgreSQL, Redis and a SeaweedFS S3 server (see tests/parts.py)."""

pytest_plugins = ["tests.parts", "tests.certificates"]
