"""`python -m signing.keyservice`: run the key service (signing/keyservice/__init__.py).

Apart from the service itself, which signing.conf imports: this reads the key through
signing.conf, once, as the process starts.
"""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from signing.envelope.format import key_id
from signing.errors import SigningError
from signing.keyservice import KeyService, extra_operations


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PLATFORM_PROCESS", "key_service")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from signing.conf import evaluation_private_key

    parser = argparse.ArgumentParser(prog="python -m signing.keyservice", description=__doc__)
    parser.add_argument("--socket", default=settings.SIGNING_KEY_SERVICE_SOCKET)
    arguments = parser.parse_args(argv)
    if not arguments.socket:
        print("key service: set SIGNING_KEY_SERVICE_SOCKET or give --socket", file=sys.stderr)
        return 2
    try:
        private_key = evaluation_private_key()
        service = KeyService(Path(arguments.socket), private_key, extra=extra_operations())
    except (SigningError, OSError) as error:
        print(f"key service: cannot start: {error}", file=sys.stderr)
        return 1

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=service.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"key service: evaluation key {key_id(private_key.public_key())[:16]}… "
        f"answers at {arguments.socket}",
        flush=True,
    )
    try:
        service.serve_forever()
    finally:
        service.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
