"""The test run's key service (signing/keyservice.py): every unwrap under the evaluation key
in a test goes through it, as a web process's does, over a real Unix socket. It runs on a
thread of the test process (it reads the run's CA, which a test may replace); a test of its own
starts it as the process `make run` starts (tests/signing/test_custody_key_service.py)."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def key_service(platform_ca, tmp_path_factory):
    from django.conf import settings

    from signing.conf import evaluation_private_key
    from signing.keyservice import serve_in_thread

    service = serve_in_thread(
        tmp_path_factory.mktemp("keys") / "key.sock", evaluation_private_key()
    )
    settings.SIGNING_KEY_SERVICE_SOCKET = str(service.path)
    yield service
    service.shutdown()
    service.server_close()
