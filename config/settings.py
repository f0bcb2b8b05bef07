"""Settings of the platform, read from the environment.

Every variable has an embedded default that runs the platform on one machine (`make run`):
PostgreSQL, a Redis-protocol broker and an S3 server on 127.0.0.1, which `make run` starts from
installed packages where none answers (config/embedded.py). Production overrides them
(see README, "Environment"). PLATFORM_MODE=production turns on the hardened settings and refuses
development secrets.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.environment import env_bool, env_int, env_json, env_list, env_str
from signing.custody import (
    DEVELOPMENT_PASSPHRASES,
    KEYS,
    WEB,
    WEB_WITHHELD,
    custody_problems,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PLATFORM_VAR_DIR", str(BASE_DIR / "var")))

PLATFORM_MODE = env_str("PLATFORM_MODE", "development")
if PLATFORM_MODE not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"PLATFORM_MODE={PLATFORM_MODE!r}: use 'development' or 'production'"
    )
PRODUCTION = PLATFORM_MODE == "production"

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
        "in production mode"
    )

# Django's debug pages (a 404 listing every route, a 500 with the settings) only when asked for
# with DJANGO_DEBUG=1: `make run` shows the platform's own error pages, as production does, and
# its development server serves the static files itself (config/devserver.py).
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the platform's hosts in production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# How many proxies in front of the web processes append to X-Forwarded-For (0: none, use the
# socket's address). The event log records the client address this yields.
PLATFORM_TRUSTED_PROXY_COUNT = env_int("PLATFORM_TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "monitoring",
    "signing",
    "trading",
    "bids",
    "evaluation",
    "supervision",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.RefusalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trading.middleware.DraftTenderMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: PostgreSQL on this machine by default, where `make run` starts the embedded one
# (its cluster in EMBEDDED_DATABASE_DATA_DIR) unless a server already answers there.
# The application connects as DATABASE_URL's role; `migrate` and `database_roles` connect as
# DATABASE_OWNER_URL's, which owns the tables and grants DATABASE_APP_ROLE everything but
# UPDATE, DELETE and TRUNCATE of the event log (config/database_roles.py, docs/operations.md).
# Where DATABASE_URL alone is set, the owner connects the same way (nothing is withheld from
# that connection; the grants still go to DATABASE_APP_ROLE).
DEFAULT_DATABASE_APP_ROLE = "platform_app"
DATABASE_URL = env_str(
    "DATABASE_URL", f"postgres://{DEFAULT_DATABASE_APP_ROLE}@127.0.0.1:5432/platform"
)
DATABASE_OWNER_URL = env_str(
    "DATABASE_OWNER_URL",
    DATABASE_URL if "DATABASE_URL" in os.environ else "postgres://postgres@127.0.0.1:5432/platform",
)
_app_user = unquote(urlparse(DATABASE_URL).username or "")
_owner_user = unquote(urlparse(DATABASE_OWNER_URL).username or "")
DATABASE_APP_ROLE = env_str(
    "DATABASE_APP_ROLE", _app_user if _app_user != _owner_user else DEFAULT_DATABASE_APP_ROLE
)
if PRODUCTION and _app_user == _owner_user:
    raise ImproperlyConfigured(
        "DATABASE_URL connects as the owner of the tables (DATABASE_OWNER_URL's role): in "
        "production mode the application connects as its own role, which may not rewrite the "
        "event log (docs/operations.md, Database roles)"
    )
EMBEDDED_DATABASE_DATA_DIR = Path(env_str("EMBEDDED_DATABASE_DATA_DIR", str(VAR_DIR / "postgres")))
# Connections are kept for a minute and checked before reuse: a new PostgreSQL backend costs
# the server several milliseconds of CPU, which a decryption job or a request would pay each
# time (docs/opening.md, "Measured"). Workers follow the same rule (config/celery.py).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Seconds the database clock (monitoring.clock.database_now) runs ahead of the server's own
# (negative: behind). Only a test run sets it (PLATFORM_TEST_CLOCK, tests/clock.py), so that
# deadlines can be tried at any hour of any day; a platform in production keeps the real time.
PLATFORM_CLOCK_OFFSET_SECONDS = env_int("PLATFORM_CLOCK_OFFSET_SECONDS", 0)
if PRODUCTION and PLATFORM_CLOCK_OFFSET_SECONDS:
    raise ImproperlyConfigured(
        "PLATFORM_CLOCK_OFFSET_SECONDS is for test runs: unset it in production mode"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Language and time: Simplified Chinese first; times stored in UTC, shown in Asia/Shanghai.
LANGUAGE_CODE = env_str("DJANGO_LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# Object storage (S3 API through the minio SDK, see storage/).
S3_ENDPOINT = env_str("S3_ENDPOINT", "127.0.0.1:8333")
S3_ACCESS_KEY = env_str("S3_ACCESS_KEY", "platform-development")
S3_SECRET_KEY = env_str("S3_SECRET_KEY", "platform-development-secret")
S3_SECURE = env_bool("S3_SECURE", False)
S3_REGION = env_str("S3_REGION", "us-east-1")
# 5 MiB (the S3 minimum) keeps an upload's peak memory lowest; see bench/bench_storage.py.
S3_PART_SIZE = env_int("S3_PART_SIZE", 5 * 1024 * 1024)
S3_BUCKETS = {
    "bids": env_str("S3_BUCKET_BIDS", "platform-bids"),
    "documents": env_str("S3_BUCKET_DOCUMENTS", "platform-documents"),
    "archive": env_str("S3_BUCKET_ARCHIVE", "platform-archive"),
}
EMBEDDED_S3_DATA_DIR = Path(env_str("EMBEDDED_S3_DATA_DIR", str(VAR_DIR / "s3")))

# Celery: Redis on this machine by default (`make run` starts the embedded Valkey there, its
# data in EMBEDDED_BROKER_DATA_DIR, unless a server answers); RabbitMQ works the same.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
EMBEDDED_BROKER_DATA_DIR = Path(env_str("EMBEDDED_BROKER_DATA_DIR", str(VAR_DIR / "broker")))
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "platform")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes the database connection before and after every task unless
# this is set; config/celery.py applies Django's own rule (CONN_MAX_AGE, health) instead, and
# the fix-up then only recycles connections after this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = "UTC"
CHRONOGRAPH_INTERVAL_SECONDS = env_int("CHRONOGRAPH_INTERVAL_SECONDS", 30)
# Dotted paths of functions the chronograph calls on every tick; each applies the time-driven
# transitions that are due and returns how many it made. Apps add theirs as they arrive.
CHRONOGRAPH_SWEEPS: list[str] = [
    "trading.services.tender_sweep_due",
    "trading.award.award_sweep_overdue",
    "bids.opening.sweep.opening_sweep_due",
]
# The event log's checkpoints (docs/event-log.md): beat signs one every interval when events
# were appended; `verify_events` fails when an event waited longer than the maximum for one.
EVENT_CHECKPOINT_INTERVAL_SECONDS = env_int("EVENT_CHECKPOINT_INTERVAL_SECONDS", 300)
EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS = env_int("EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS", 3600)
if not 0 < EVENT_CHECKPOINT_INTERVAL_SECONDS < EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS:
    raise ImproperlyConfigured(
        "EVENT_CHECKPOINT_INTERVAL_SECONDS must be positive and below "
        "EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS, or every checkpoint would be late"
    )
# The collusion screens (supervision/collusion/): how often the tenders opened since the last
# run are looked for, how many days back the nightly run screens every opened tender again, and
# when it runs, in Asia/Shanghai time ("HH:MM"; beat counts in CELERY_TIMEZONE, UTC).
COLLUSION_OPENING_INTERVAL_SECONDS = env_int("COLLUSION_OPENING_INTERVAL_SECONDS", 300)
COLLUSION_NIGHTLY_DAYS = env_int("COLLUSION_NIGHTLY_DAYS", 30)
COLLUSION_NIGHTLY_AT = env_str("COLLUSION_NIGHTLY_AT", "02:30")


def _shanghai_hour_and_minute(name: str, value: str) -> tuple[int, int]:
    hour, _colon, minute = value.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ImproperlyConfigured(f"{name} must be a time of day as HH:MM, not {value!r}")
    # Asia/Shanghai has kept UTC+8 without daylight saving since 1991.
    return (int(hour) - 8) % 24, int(minute)


if COLLUSION_OPENING_INTERVAL_SECONDS <= 0 or COLLUSION_NIGHTLY_DAYS <= 0:
    raise ImproperlyConfigured(
        "COLLUSION_OPENING_INTERVAL_SECONDS and COLLUSION_NIGHTLY_DAYS must be positive"
    )
COLLUSION_NIGHTLY_HOUR_UTC, COLLUSION_NIGHTLY_MINUTE = _shanghai_hour_and_minute(
    "COLLUSION_NIGHTLY_AT", COLLUSION_NIGHTLY_AT
)
CELERY_BEAT_SCHEDULE = {
    "chronograph": {
        "task": "monitoring.tasks.chronograph_tick",
        "schedule": float(CHRONOGRAPH_INTERVAL_SECONDS),
    },
    "bid-uploads-expire": {"task": "bids.tasks.bid_uploads_expire", "schedule": 3600.0},
    # A signed, timestamped Merkle tree root over the event log (DESIGN §6).
    "event-checkpoint": {
        "task": "monitoring.tasks.event_checkpoint",
        "schedule": float(EVENT_CHECKPOINT_INTERVAL_SECONDS),
    },
    # Supervisors' alert rules (supervision/rules/): one alert per breach, however often.
    "alert-rules": {
        "task": "supervision.tasks.alert_rules_evaluate",
        "schedule": float(env_int("SUPERVISION_RULES_INTERVAL_SECONDS", 300)),
    },
    # The collusion screens (docs/supervision.md, "Runs"): each tender soon after its opening,
    # and every night the tenders opened in the last days and the screens across tenders.
    "collusion-screen-due": {
        "task": "supervision.collusion_screen_due",
        "schedule": float(COLLUSION_OPENING_INTERVAL_SECONDS),
    },
    "collusion-screen-nightly": {
        "task": "supervision.collusion_screen_nightly",
        "schedule": crontab(hour=COLLUSION_NIGHTLY_HOUR_UTC, minute=COLLUSION_NIGHTLY_MINUTE),
    },
}
# Task modules outside an app's tasks.py, which autodiscovery does not find.
CELERY_IMPORTS = ["supervision.collusion.tasks"]

# Sealed bids (办法 第二十六、二十七条): size limit, upload part size, and how long an
# unfinished upload is kept before housekeeping aborts it (it never counts as a bid).
BID_MAX_SIZE = env_int("BID_MAX_SIZE", 2 * 1024**3)
BID_UPLOAD_PART_SIZE = env_int("BID_UPLOAD_PART_SIZE", 64 * 1024**2)
BID_UPLOAD_MAX_AGE_HOURS = env_int("BID_UPLOAD_MAX_AGE_HOURS", 24)
BID_WITHDRAWAL_MAX_SKEW_SECONDS = env_int("BID_WITHDRAWAL_MAX_SKEW_SECONDS", 300)
# The opening hall (docs/opening.md): minutes each bidder has to confirm its line of the record
# or object, and how long a decryption worker's claim on a job lasts without progress before
# another worker takes it over.
OPENING_CONFIRMATION_MINUTES = env_int("OPENING_CONFIRMATION_MINUTES", 15)
BID_DECRYPTION_LEASE_SECONDS = env_int("BID_DECRYPTION_LEASE_SECONDS", 120)
# How often a decryption job reports its progress (and renews its lease), at most.
BID_DECRYPTION_PROGRESS_MILLISECONDS = env_int("BID_DECRYPTION_PROGRESS_MILLISECONDS", 1000)
# The Celery queue of decryption jobs (default: the platform's queue, served by every worker).
BID_DECRYPTION_QUEUE = env_str("BID_DECRYPTION_QUEUE", "")

# The closed evaluation's thresholds where the law names no number (docs/evaluation.md): a price
# more than this share below the mean of the others needs its written explanation (令87 第六十条);
# a score further than this share of the criterion's maximum from the panel's mean is flagged
# and must be confirmed or changed with a reason (令87 第六十四条). A tender's scheme may set
# its own (`abnormally_low_share`, `outlier_share`).
EVALUATION_ABNORMALLY_LOW_SHARE = env_str("EVALUATION_ABNORMALLY_LOW_SHARE", "0.20")
EVALUATION_OUTLIER_SHARE = env_str("EVALUATION_OUTLIER_SHARE", "0.20")

# Signing: the platform CA (development, demo and tests), trusted roots of other recognised CAs
# and their CRLs (mutual recognition). See docs/signing.md.
SIGNING_CA_DIR = Path(env_str("SIGNING_CA_DIR", str(VAR_DIR / "ca")))
# Key custody (signing/custody.py, docs/operations.md): each private key has its own
# passphrase, and a process is given those of its kind only (PLATFORM_PROCESS: web, worker,
# key_service; unset for a command). Development has a default for each; production none.
PLATFORM_PROCESS = env_str("PLATFORM_PROCESS", "")
_passphrases: dict[str, str | None] = {
    setting: os.environ.get(setting, None if PRODUCTION else development)
    for setting, development in DEVELOPMENT_PASSPHRASES.items()
}
if PRODUCTION and (_custody := custody_problems(PLATFORM_PROCESS, _passphrases)):
    raise ImproperlyConfigured("; ".join(_custody))
if PLATFORM_PROCESS == WEB:  # never, whatever the environment holds (development included)
    for _key in WEB_WITHHELD:
        _passphrases[KEYS[_key]] = None
SIGNING_CA_PASSPHRASE = _passphrases["SIGNING_CA_PASSPHRASE"]
SIGNING_PLATFORM_PASSPHRASE = _passphrases["SIGNING_PLATFORM_PASSPHRASE"]
SIGNING_TSA_PASSPHRASE = _passphrases["SIGNING_TSA_PASSPHRASE"]
SIGNING_EVALUATION_PASSPHRASE = _passphrases["SIGNING_EVALUATION_PASSPHRASE"]
SIGNING_TRUSTED_ROOTS = env_list("SIGNING_TRUSTED_ROOTS", [])
SIGNING_CRLS = env_list("SIGNING_CRLS", [])
SIGNING_PLATFORM_CREDENTIAL = env_str("SIGNING_PLATFORM_CREDENTIAL", "")
SIGNING_TSA_CREDENTIAL = env_str("SIGNING_TSA_CREDENTIAL", "")
SIGNING_EVALUATION_KEY = env_str("SIGNING_EVALUATION_KEY", "")
# The evaluation key's public half, which is all a web process reads of it.
SIGNING_EVALUATION_PUBLIC_KEY = env_str("SIGNING_EVALUATION_PUBLIC_KEY", "")
# The key service's socket (signing/keyservice.py): where processes that may not hold the
# evaluation key ask it to unwrap one data key at a time. Required by web processes.
SIGNING_KEY_SERVICE_SOCKET = env_str("SIGNING_KEY_SERVICE_SOCKET", "")
if PRODUCTION and PLATFORM_PROCESS == WEB and not SIGNING_KEY_SERVICE_SOCKET:
    raise ImproperlyConfigured(
        "SIGNING_KEY_SERVICE_SOCKET must name the key service's socket for a web process in "
        "production mode (it holds only the evaluation public key)"
    )
# Public holidays and make-up working days (调休) for periods counted in working days
# (财政部令第87号 第八十五条), as comma-separated ISO dates; published yearly by the State Council.
TRADING_HOLIDAYS = env_list("TRADING_HOLIDAYS", [])
TRADING_MAKEUP_WORKDAYS = env_list("TRADING_MAKEUP_WORKDAYS", [])
# The evaluation room's networks (封闭评标): the closed area admits experts only from these
# addresses (CIDR, comma-separated), as monitoring.services.client_ip_of computes the client's
# address behind PLATFORM_TRUSTED_PROXY_COUNT proxies (docs/evaluation.md, "The closed area").
# The default, loopback, admits nobody from outside the host: production names the room's.
EVALUATION_ROOM_NETWORKS = env_list("EVALUATION_ROOM_NETWORKS", ["127.0.0.0/8", "::1/128"])


def _check_room_networks(networks: list[str]) -> None:
    if not networks:
        raise ImproperlyConfigured(
            "EVALUATION_ROOM_NETWORKS names no network: the closed area would admit nobody"
        )
    for network in networks:
        try:
            prefix = ipaddress.ip_network(network, strict=True).prefixlen
        except ValueError as error:
            raise ImproperlyConfigured(
                f"EVALUATION_ROOM_NETWORKS: {network!r} is not a network in CIDR notation "
                f"(e.g. 10.20.0.0/24): {error}"
            ) from None
        if PRODUCTION and prefix == 0:
            raise ImproperlyConfigured(
                f"EVALUATION_ROOM_NETWORKS: {network!r} admits every address: name the "
                "evaluation room's networks in production mode"
            )


_check_room_networks(EVALUATION_ROOM_NETWORKS)

# How long a certificate-login challenge may be answered.
LOGIN_CHALLENGE_SECONDS = env_int("LOGIN_CHALLENGE_SECONDS", 120)
# The panel draw (docs/evaluation.md): an expert drawn this many times for the same tenderee
# within this many days is not drawn for it again. A rule of this platform, not of a statute.
EVALUATION_DRAW_REPEAT_LIMIT = env_int("EVALUATION_DRAW_REPEAT_LIMIT", 3)
EVALUATION_DRAW_REPEAT_DAYS = env_int("EVALUATION_DRAW_REPEAT_DAYS", 90)

# Fragments other apps add to trading's tender page (trading cannot import them).
TENDER_PAGE_PANELS = [
    "bids.submission.views.my_bid_panel",
    "bids.opening.views.opening_hall_panel",
    "evaluation.session.views.evaluation_panel",
    "evaluation.panel.views.panel_tender_panel",
]

# Supervisors' alert rules (docs/supervision.md, "Alert rules"): per rule code, overrides of
# its registry entry as JSON, e.g. {"contract_signing": {"yellow_before_hours": 72},
# "bid_security_refund": {"enabled": false}}. A wrong one stops start-up, naming the rule.
SUPERVISION_ALERT_RULES = env_json("SUPERVISION_ALERT_RULES", {})
# Operators' access to the platform's detail (monitoring/operations.py): /healthz names each
# part's state and error, and /metrics (Prometheus) answers, only to these networks (CIDR) or
# to a request bearing the token; the public learns up or down, and no /metrics.
OPERATIONS_ALLOWED_NETWORKS = env_list("OPERATIONS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
OPERATIONS_TOKEN = env_str("OPERATIONS_TOKEN", "")

# OCDS: the platform's registered ocid prefix (https://standard.open-contracting.org) and name.
OCDS_OCID_PREFIX = env_str("OCDS_OCID_PREFIX", "ocds-xxxxxx")
OCDS_PUBLISHER_NAME = env_str("OCDS_PUBLISHER_NAME", "公共资源交易平台")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "config.api.error_handler",
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Public-resource trading platform API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files from the platform itself (drf-spectacular-sidecar): the content
    # security policy lets pages load scripts from the platform only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Production hardening (PLATFORM_MODE=production): HTTPS only, secure cookies, HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("DJANGO_BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Abuse limits (docs/operations.md): each is counted in the database, never in one process.
# Password login (login page and admin): this many failures of one user name, or from one
# address, within the window lock that name or address out of password login for the period.
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900)
LOGIN_FAILURES_PER_USER = env_int("LOGIN_FAILURES_PER_USER", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Certificate login: unanswered, unexpired challenges one address may hold; beat removes
# expired challenges, past counters and ended lockouts every LOGIN_HOUSEKEEPING_SECONDS.
LOGIN_CHALLENGES_OPEN_PER_ADDRESS = env_int("LOGIN_CHALLENGES_OPEN_PER_ADDRESS", 10)
LOGIN_HOUSEKEEPING_SECONDS = env_int("LOGIN_HOUSEKEEPING_SECONDS", 300)
CELERY_BEAT_SCHEDULE["login-housekeeping"] = {
    "task": "accounts.tasks.login_housekeeping",
    "schedule": float(LOGIN_HOUSEKEEPING_SECONDS),
}
# Lines each process writes a minute to the `accounts.login` log of anonymous refusals.
LOGIN_REFUSAL_LOG_PER_MINUTE = env_int("LOGIN_REFUSAL_LOG_PER_MINUTE", 60)
# A session ends after this long without a request (accounts.middleware.IdleSessionMiddleware).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 1800)
SESSION_IDLE_REFRESH_SECONDS = env_int("SESSION_IDLE_REFRESH_SECONDS", 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "accounts.middleware.IdleSessionMiddleware",
)
# Sealed bid uploads: unfinished uploads one bidder may hold open at once, and the bytes of
# parts one bidder may send per window (a part over the budget is refused with Retry-After).
BID_UPLOADS_OPEN_PER_BIDDER = env_int("BID_UPLOADS_OPEN_PER_BIDDER", 10)
BID_UPLOAD_WINDOW_SECONDS = env_int("BID_UPLOAD_WINDOW_SECONDS", 60)
BID_UPLOAD_BYTES_PER_WINDOW = env_int("BID_UPLOAD_BYTES_PER_WINDOW", 1024**3)
