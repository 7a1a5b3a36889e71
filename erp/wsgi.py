import os
import sys

from django.core.wsgi import get_wsgi_application

from erp.env import ConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")
try:
    application = get_wsgi_application()
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")
