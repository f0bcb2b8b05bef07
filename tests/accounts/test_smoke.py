import pytest

from accounts.models import Organisation


@pytest.mark.django_db
def test_database_is_postgresql():
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert Organisation.objects.count() == 0
