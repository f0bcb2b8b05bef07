"""Test-run wiring: real PostgreSQL, Redis and a SeaweedFS S3 server (see tests/parts.py)."""

import pytest

pytest_plugins = ["tests.parts", "tests.certificates", "tests.key_service"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Tests run as the application's database role (tests/database_roles.py)."""
    from tests.database_roles import connect_as_application_role, connect_as_owner_again

    with django_db_blocker.unblock():
        connect_as_application_role()
    yield
    with django_db_blocker.unblock():
        connect_as_owner_again()
