import os
from typing import Any

from django.core.wsgi import get_wsgi_application

from config.request_body import use_large_reads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A web process: given no CA or evaluation passphrase (signing/custody.py).
os.environ.setdefault("PLATFORM_PROCESS", "web")
_django = get_wsgi_application()


def application(environ: dict[str, Any], start_response: Any) -> Any:
    # gunicorn's wsgi.input reads 1 KiB at a time; large bodies (bid parts) go around it.
    use_large_reads(environ)
    return _django(environ, start_response)
