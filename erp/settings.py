"""Django settings, read from the environment (see README, "Configuration").

Malformed values stop start-up with one line naming the variable (erp.env.ConfigError).
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from erp.env import (
    ConfigError,
    derived_fernet_key,
    env_bool,
    env_database,
    env_email,
    env_fernet_keys,
    env_int,
    env_list,
    env_origins,
    env_redis,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError("SECRET_KEY: must be set when DEBUG is off (there is no fallback in production)")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"
if not DEBUG and len(SECRET_KEY) < 50:
    raise ConfigError(f"SECRET_KEY: must be at least 50 characters when DEBUG is off; got {len(SECRET_KEY)}"
                      " (python3 -c \"import secrets; print(secrets.token_urlsafe(50))\")")
# Secrets kept in the database (erp.crypto.EncryptedTextField: WeCom's app secret, callback key and robot
# keys) are encrypted with FIELD_ENCRYPTION_KEY: Fernet keys, comma-separated, newest first (the first
# encrypts, each decrypts; `manage.py rotate_field_keys` re-encrypts with the first). A deployment sets it
# (`manage.py check --deploy` warns, erp.W001, when it does not); without it the key is derived from
# SECRET_KEY, so a changed SECRET_KEY would leave the secrets unreadable. The derived key always comes
# last, to read what was stored before FIELD_ENCRYPTION_KEY was set. docs/security.md, "Secrets at rest".
_field_keys = env_fernet_keys("FIELD_ENCRYPTION_KEY")
FIELD_ENCRYPTION_KEY_SET = bool(_field_keys)
FIELD_ENCRYPTION_KEYS = [*_field_keys, derived_fernet_key(SECRET_KEY)]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")

# The department apps in their declared order, bottom to top: an app may import only from the apps before
# it (and the core, erp). import-linter checks it (the [tool.importlinter] contract in pyproject.toml);
# docs/architecture.md draws it. Each app's urls.py / api_urls.py are mounted at <app>/ and api/<app>/.
DEPARTMENT_APPS = ["office", "inventory", "sales", "purchasing", "production", "finance", "hr"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "guardian",
    "auditlog",
    "rest_framework",
    "axes",  # sign-in throttling: see "Sign-in throttling and API tokens" below
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "erp.apps.ErpConfig",
    *DEPARTMENT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "erp.middleware.SessionIdleMiddleware",
    "erp.middleware.RefusalLogMiddleware",  # 403s, scoped 404s and CSRF failures in the access log
    "erp.middleware.UserLanguageMiddleware",
    # Before any view or filter reaches the database: a NUL byte answers 400, in the user's language.
    "erp.middleware.RefuseNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "erp.middleware.AuditlogMiddleware",  # client address: erp.access_log.client_ip
    "erp.middleware.DomainErrorMiddleware",
    "erp.middleware.BusyOnConflictMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a locked-out sign-in into erp.lockout's answer
]

ROOT_URLCONF = "erp.urls"
WSGI_APPLICATION = "erp.wsgi.application"
ASGI_APPLICATION = "erp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "erp.context_processors.navigation",
                "office.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/erp")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "erp.User"
AUTHENTICATION_BACKENDS = [
    "erp.lockout.LoginThrottleBackend",  # first: refuses a locked-out username or address (django-axes)
    "erp.permissions.ModelBackend",  # one query for all of a user's permissions
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Languages: Taiwan's Traditional Chinese first; each user's choice is stored on the user.
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Taipei")
USE_TZ = True
# Django's zh formats group digits by 4 without separator; ERP documents need 1,234,567.00.
FORMAT_MODULE_PATH = ["erp.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "var" / "media"  # never served publicly: exports are downloaded through a view
# Exports of more rows than this are built in the background with progress (erp.exports).
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 5000)
# Imports (erp.imports): an uploaded file's size, its data rows, and its data rows × the columns read.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 1_000_000)

# Security: secure by default whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends this long after the user's last page load or form post
# (erp.middleware.SessionIdleMiddleware; background htmx refreshes do not count as activity).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 2 * 3600)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Submitting a domain to the browsers' HSTS preload list is an operator's one-way decision
# (SECURE_HSTS_PRELOAD=1), not a default: its deploy-check warning is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies append to X-Forwarded-For in front of the app: 0 trusts no header and
# records REMOTE_ADDR (erp.access_log.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ConfigError(f"TRUSTED_PROXY_COUNT: expected 0 or more proxies; got {TRUSTED_PROXY_COUNT}")
# Content-Security-Policy: this site's own files only (every asset is vendored under static/), no inline
# script or style attribute; a <style> block needs the request's nonce (print pages, the API docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # Bootstrap's and Swagger UI's icons are data: URLs in their CSS
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CSRF_FAILURE_VIEW = "erp.views.csrf_failure"  # translated, and recorded in the access log
ACCESS_LOG_REFUSALS_PER_MINUTE = env_int("ACCESS_LOG_REFUSALS_PER_MINUTE", 20)  # per user or address and kind

for _key, _value in env_email("EMAIL_URL").items():
    globals()[_key] = _value
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "erp@localhost")

# Redis: Celery broker and the cache.
REDIS_URL = env_redis("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# LOGGING below governs the worker's logs too: by default a Celery worker replaces the root logger's
# handlers (and so drops the one-line client-error filter) with its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# Publishing must fail fast when Redis is down: the outbox row is already committed and the
# beat task re-delivers it, so a request never hangs on the broker.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "redeliver-pending-events": {"task": "erp.tasks.redeliver_pending_events", "schedule": 30.0},
    "check-reorder-points": {"task": "inventory.tasks.check_reorder_points", "schedule": 3600.0},
    "restart-and-purge-exports": {"task": "erp.tasks.restart_and_purge_exports", "schedule": 300.0},
    "reserve-waiting-orders": {"task": "sales.tasks.reserve_waiting_orders",
                               "schedule": crontab(hour=2, minute=30)},
    "approval-reminders-and-escalations": {"task": "office.tasks.approval_reminders_and_escalations",
                                           "schedule": 300.0},
    "resume-wecom-robot-queues": {"task": "office.tasks.resume_robot_queues", "schedule": 30.0},
    "forget-old-wecom-sends": {"task": "office.tasks.forget_old_wecom_sends", "schedule": 3600.0},
    "resume-wecom-cards": {"task": "office.tasks.resume_wecom_cards", "schedule": 30.0},
    "resend-due-notifications": {"task": "office.tasks.resend_due_notifications", "schedule": 30.0},
    "publish-due-announcements": {"task": "office.tasks.publish_due_announcements", "schedule": 60.0},
    "fail-stuck-mrp-runs": {"task": "production.tasks.fail_stuck_mrp_runs", "schedule": 300.0},
    "notify-late-orders": {"task": "sales.tasks.notify_late_orders", "schedule": crontab(hour=8, minute=0)},
}
# Event bus: a failed delivery is retried with exponential backoff, then marked failed.
EVENT_MAX_ATTEMPTS = env_int("EVENT_MAX_ATTEMPTS", 8)
EVENT_RETRY_BASE_SECONDS = env_int("EVENT_RETRY_BASE_SECONDS", 10)
# Notifications (office): a delivery that fails is retried with exponential backoff from this base
# (30 s, 1 min, 2 min… capped at an hour), then marked failed after this many attempts.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 30)
# The site's address as users reach it (https://erp.example.com): links in e-mails and WeCom messages
# are made absolute with it; empty, they are paths only.
SITE_URL = env_str("SITE_URL", "")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Audit trail: every model is tracked except infrastructure with its own history.
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "sessions",
    "contenttypes",
    "admin",
    "auditlog",
    "axes",
    "erp.apitoken",
    "erp.accesslog",
    "erp.exportjob",
    "erp.outboxevent",
    "erp.eventdelivery",
    "erp.numbersequence",
    # WeCom's queue and the client's state: their own status, attempts and times (office.models.wecom)
    "office.wecomrobotmessage",
    "office.wecomaccesstoken",
    "office.wecomusersends",
    # Approval cards and the callbacks of their buttons: delivery records with their own statuses and
    # times; the decisions they lead to are audited (office.approvaldecision).
    "office.wecomapprovalcard",
    "office.wecomcallback",
    # What the notification service sent and who read what: the rows carry their own times and statuses.
    "office.notification",
    "office.broadcast",
    "office.notificationdelivery",
    "office.announcementread",
    # What an MRP run computed: its records, item headers, pegging and exception messages, written in
    # bulk by the run and never edited (the run, its planned orders and their firming are audited).
    "production.mrprecord",
    "production.mrpitemplan",
    "production.plannedorderpeg",
    "production.mrpexception",
    "guardian.userobjectpermission",
    "guardian.groupobjectpermission",
    # The ledger's lines are written with their entry and never change once it is posted (the entry's
    # creation and posting are audited; its lines are on its page); the period balance rows are sums
    # the postings keep.
    "finance.journalline",
    "finance.accountbalance",
)
# A task's title and description messages (erp.messages: JSON keys and parameters) are audited as the
# text beside them (office.models.Task.title, .description), not as JSON in the history.
# A WeCom robot's pacing (its posts of the last minute, its pause) changes with every post: not history; the
# reason it was disabled is a message (JSON), its history shows "active" and "disabled at".
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ("updated_at", "password", "last_login", "title_message", "description_message",
                                    "close_note_message", "recent_posts", "backoff_until", "backoff_count",
                                    "disabled_reason")

REST_FRAMEWORK = {
    # The token first: a refused token (ended, revoked) is a 401 with WWW-Authenticate, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "erp.api.AuditedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["erp.api.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "erp.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ERP + MES API",
    "DESCRIPTION": _("One API per department under /api/<department>/."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DocumentStatusEnum": "inventory.status.DocStatus",
                            "ApprovalStatusEnum": "office.status.ApprovalStatus",
                            "ApprovalStepStatusEnum": "office.status.StepStatus",
                            "BomLineKindEnum": "production.status.BomLineKind",
                            "PlannedOrderKindEnum": "production.status.PlannedOrderKind",
                            "MrpExceptionKindEnum": "production.status.MrpExceptionKind",
                            "WorkOrderSourceEnum": "production.status.WorkOrderSource",
                            "ApprovalStepKindEnum": "office.status.StepKind",
                            "RequisitionSourceEnum": "purchasing.status.RequisitionSource",
                            "CostBasisEnum": "production.selectors.boms.COST_BASES"},
    # The error answers (400/401/403/404/409/503) every operation may give, after the enums' hook.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "erp.api.schema.error_responses"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_client_errors": {"()": "erp.log_filters.OneLineClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["one_line_client_errors"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's own console handler (with DEBUG) printed every 403's traceback a second time: its
        # records go to the root's handler only, once, a refusal on one line.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# Sign-in throttling and API tokens (docs/security.md) ---------------------------------
# django-axes counts failed sign-ins on the login form, the admin's and POST /api/auth/token/ in the
# database (axes_accessattempt): LOGIN_FAILURE_LIMIT failures for one username, or from one client
# address across usernames, lock that username or address for LOGIN_LOCKOUT_MINUTES after the last
# failure. A superuser unlocks in the admin (Axes → Access attempts) or with `manage.py axes_reset_username`.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_CLIENT_IP_CALLABLE = "erp.access_log.client_ip"  # the same address as the access log and the audit trail
AXES_LOCKOUT_CALLABLE = "erp.lockout.lockout_response"  # translated page / JSON 429
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lock ends on time even while someone keeps trying
AXES_RESET_ON_SUCCESS = False  # a success would also clear the address's count of failures on other usernames
AXES_DISABLE_ACCESS_LOG = True  # logins are in erp's access log already
AXES_ENABLE_ADMIN = False  # erp.admin_security registers a superuser-only admin instead
AXES_VERBOSE = False
# API tokens (erp.models.ApiToken): a token ends API_TOKEN_IDLE_HOURS after its last use and
# API_TOKEN_MAX_DAYS after it was issued, whichever comes first.
API_TOKEN_IDLE_HOURS = env_int("API_TOKEN_IDLE_HOURS", 72)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 30)
for _name in ["LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES", "API_TOKEN_IDLE_HOURS", "API_TOKEN_MAX_DAYS"]:
    if (_number := globals()[_name]) < 1:
        raise ConfigError(f"{_name}: expected a whole number of at least 1; got {_number}")

# WeChat Work (企業微信): the API a company's settings start with (office.models.WeComSettings.api_base; the
# fake server's address in tests and with `WECOM_FAKE=1 make run`) and how long one call may take.
WECOM_API_BASE = env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
WECOM_TIMEOUT_SECONDS = env_int("WECOM_TIMEOUT_SECONDS", 10)
# WeCom's QR login and OAuth pages (office.wecom.signin): the fake server's with `WECOM_FAKE=1 make run`.
WECOM_QR_URL = env_str("WECOM_QR_URL", "https://login.work.weixin.qq.com/wwlogin/sso/login")
WECOM_OAUTH_URL = env_str("WECOM_OAUTH_URL", "https://open.weixin.qq.com/connect/oauth2/authorize")

# Demo data: created by `manage.py bootstrap` only in the embedded database or when DEMO=1.
DEMO = env_bool("DEMO", False)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo1234")

# django-guardian: no anonymous "AnonymousUser" row; anonymous visitors get no object permissions.
ANONYMOUS_USER_NAME = None
