"""A WSGI application for tests/config/test_request_body.py, run under a real gunicorn: it reads
the body as the platform does (config.wsgi's large reads, then Django's request) and answers its
size, SHA-256 and which object read it. `?whole=1` reads it as `request.body`, in one call."""

import hashlib
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from django.core.handlers.wsgi import WSGIRequest  # noqa: E402 - after django.setup()

from config.request_body import use_large_reads  # noqa: E402


def application(environ, start_response):
    use_large_reads(environ)
    request = WSGIRequest(environ)
    digest = hashlib.sha256()
    size = 0
    if "whole=1" in environ.get("QUERY_STRING", ""):
        body = request.body
        digest.update(body)
        size = len(body)
    else:
        while data := request.read(256 * 1024):
            digest.update(data)
            size += len(data)
    answer = json.dumps(
        {
            "size": size,
            "sha256": digest.hexdigest(),
            "read_by": type(environ["wsgi.input"]).__name__,
        }
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
    )
    return [answer]
