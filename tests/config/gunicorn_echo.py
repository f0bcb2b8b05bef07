"""A WSGI application for tests/config/test_request_body.py, run under a real gunicorn: it
reads the body through `config.request_body` and answers its size and SHA-256."""

import hashlib
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()

from django.core.handlers.wsgi import WSGIRequest  # noqa: E402 - after django.setup()

from config.request_body import request_body  # noqa: E402


def application(environ, start_response):
    request = WSGIRequest(environ)
    stream = request_body(request)
    digest = hashlib.sha256()
    size = 0
    while data := stream.read(256 * 1024):
        digest.update(data)
        size += len(data)
    answer = json.dumps({"size": size, "sha256": digest.hexdigest(),
                         "read_by": "gunicorn length reader"
                         if stream is not request else "django request"}).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(answer)))])
    return [answer]
