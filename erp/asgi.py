import os
import sys

from django.core.asgi import get_asgi_application

from erp.env import ConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
try:
    application = get_asgi_application()
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")
