import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A web process: given no CA or evaluation passphrase (signing/custody.py).
os.environ.setdefault("PLATFORM_PROCESS", "web")
application = get_asgi_application()
