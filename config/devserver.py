"""The web server of `make run`: Django's development server with a listen backlog of 128.

Django's server queues at most 10 connections that wait to be accepted; the kernel resets the
rest. With 50 bidders finalising at once, 17 got no answer at all (bench/bench_embedded.py).
Production serves through gunicorn behind a proxy (docs/operations.md), not this.
"""

import sys

from django.contrib.staticfiles.management.commands.runserver import Command as Runserver
from django.core.servers.basehttp import WSGIServer

LISTEN_BACKLOG = 128


class QueueingWSGIServer(WSGIServer):
    request_queue_size = LISTEN_BACKLOG


class Command(Runserver):
    server_cls = QueueingWSGIServer


def main() -> None:
    import os

    import django

    # A web process: given no CA or evaluation passphrase (signing/custody.py).
    os.environ.setdefault("PLATFORM_PROCESS", "web")
    from django.core.management import call_command

    django.setup()
    # DEBUG is off (config/settings.py): serve the static files all the same, as `make run`
    # has no other web server in front.
    call_command(Command(), sys.argv[1], use_reloader=False, insecure_serving=True)


if __name__ == "__main__":
    main()
