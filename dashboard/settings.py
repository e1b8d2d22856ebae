"""Settings for Flownally Supervisor, read from the environment (see `.env.example`).

Production is the default (DEBUG off): then the variables in `_PRODUCTION_REQUIRED` must be
set, and start-up fails naming every one that is missing. With DEBUG on, they fall back to
development values that point at the local Flownally simulator.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` is a convenience for development; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_PRODUCTION_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "FLOWNALLY_API_URL", "FLOWNALLY_API_TOKEN")
_DEVELOPMENT_DEFAULTS = {
    "SECRET_KEY": "development-only-secret-key-not-for-production",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "FLOWNALLY_API_URL": "http://127.0.0.1:8100/v1",
    "FLOWNALLY_API_TOKEN": "sim-token",
}


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value and DEBUG:
        return _DEVELOPMENT_DEFAULTS[name]
    return value


_missing = [name for name in _PRODUCTION_REQUIRED if not _required(name)]
if _missing:
    raise ImproperlyConfigured(
        "Missing required settings (DEBUG is off, so there are no development defaults): "
        + ", ".join(_missing)
        + ". Set them in the environment; .env.example documents each one."
    )

SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [host.strip() for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

FLOWNALLY_API_URL = _required("FLOWNALLY_API_URL").rstrip("/")
FLOWNALLY_API_TOKEN = _required("FLOWNALLY_API_TOKEN")
FLOWNALLY_CONNECT_TIMEOUT = env.float("FLOWNALLY_CONNECT_TIMEOUT", default=3.05)
FLOWNALLY_READ_TIMEOUT = env.float("FLOWNALLY_READ_TIMEOUT", default=10.0)
# Retries of safe calls (see dashboard/flownally/transport.py): how many, first wait, cap.
FLOWNALLY_RETRIES = env.int("FLOWNALLY_RETRIES", default=2)
FLOWNALLY_RETRY_BASE = env.float("FLOWNALLY_RETRY_BASE", default=0.2)
FLOWNALLY_RETRY_CAP = env.float("FLOWNALLY_RETRY_CAP", default=2.0)
# Seconds a read is served from the cache (0: never cached), and how long past that the
# last good answer is kept to show, marked stale, while Flownally is down.
FLOWNALLY_CACHE_TTL_LIST = env.float("FLOWNALLY_CACHE_TTL_LIST", default=2.0)
FLOWNALLY_CACHE_TTL_CONVERSATION = env.float("FLOWNALLY_CACHE_TTL_CONVERSATION", default=2.0)
FLOWNALLY_CACHE_TTL_MESSAGES = env.float("FLOWNALLY_CACHE_TTL_MESSAGES", default=1.0)
FLOWNALLY_CACHE_TTL_DIRECTORY = env.float("FLOWNALLY_CACHE_TTL_DIRECTORY", default=60.0)
FLOWNALLY_STALE_FOR = env.float("FLOWNALLY_STALE_FOR", default=3600.0)
# Seconds a page or poll may spend on Flownally (dashboard/core/budget.py): past them it
# answers with stale copies or a plain error. Requests outside a page keep full retries.
PAGE_BUDGET_SECONDS = env.float("PAGE_BUDGET_SECONDS", default=3.0)
# The circuit breaker (dashboard/flownally/circuit.py): opens after this many failures in
# a row, fails fast for this many seconds, then lets one probe through.
FLOWNALLY_CIRCUIT_FAILURES = env.int("FLOWNALLY_CIRCUIT_FAILURES", default=5)
FLOWNALLY_CIRCUIT_OPEN_SECONDS = env.float("FLOWNALLY_CIRCUIT_OPEN_SECONDS", default=10.0)
# Flownally requests per second for every process and instance together (0: no budget).
# 200: every scenario of `make bench` (1,000 viewers included) stays under it (peak 161).
FLOWNALLY_MAX_RPS = env.int("FLOWNALLY_MAX_RPS", default=200)
# A customer waiting this many minutes is shown amber, then red (list, wallboard).
WAIT_WARN_MINUTES = env.int("WAIT_WARN_MINUTES", default=5)
WAIT_ALERT_MINUTES = env.int("WAIT_ALERT_MINUTES", default=15)
# Seconds between every signed-in page's alert polls (dashboard/alerts/): the tab title's
# count of customers waiting past WAIT_ALERT_MINUTES, and opt-in notifications. The poll keeps
# the open-queue index walked while such a page is open; 0: no poll.
ALERTS_POLL_SECONDS = env.int("ALERTS_POLL_SECONDS", default=10)
# Seconds between refreshes of the conversation list's first page.
LIST_REFRESH_SECONDS = env.int("LIST_REFRESH_SECONDS", default=10)
# Seconds between polls of a conversation's timeline while something can still change.
TIMELINE_POLL_SECONDS = env.int("TIMELINE_POLL_SECONDS", default=2)
# ... and while an outbound message sent in the last TIMELINE_FOLLOW_SECONDS is still in
# flight, so that its delivery change shows within about a second.
TIMELINE_FAST_POLL_SECONDS = env.int("TIMELINE_FAST_POLL_SECONDS", default=1)
TIMELINE_FOLLOW_SECONDS = env.int("TIMELINE_FOLLOW_SECONDS", default=120)
# The change feed (dashboard/conversations/news.py): while anyone watches a timeline, one
# process reads the most recently active conversations this often (0: no feed) and moves
# on the cache tag of each that changed, so a timeline's reads may be trusted for up to
# TIMELINE_TRUSTED_SECONDS instead of the TTLs above while the feed is healthy (what the
# feed cannot see, a status change far down the list or a reaction, shows within that).
NEWS_FEED_SECONDS = env.float("NEWS_FEED_SECONDS", default=0.5)
NEWS_FEED_PAGES = env.int("NEWS_FEED_PAGES", default=5)
TIMELINE_TRUSTED_SECONDS = env.float("TIMELINE_TRUSTED_SECONDS", default=60.0)
# Before a reply, reassign, close or mark read: when another account acted on the same
# conversation this many seconds ago or less, ask first (conversations/conflicts.py; 0: never).
CONFLICT_WINDOW_SECONDS = env.float("CONFLICT_WINDOW_SECONDS", default=60.0)
# Files agents may attach, checked before upload (Flownally's own limits: 16 MiB, these types).
MEDIA_MAX_BYTES = env.int("MEDIA_MAX_BYTES", default=16 * 1024 * 1024)
MEDIA_ACCEPTED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "text/plain",
    "video/mp4",
    "audio/mpeg",
    "audio/ogg",
)
# The wallboard: seconds between refreshes (the shared snapshot is recomputed at most this
# often), and failed deliveries counted over this many minutes in at most this many of the
# most recently active open conversations (one message page each: the cost stays bounded).
WALLBOARD_REFRESH_SECONDS = env.int("WALLBOARD_REFRESH_SECONDS", default=10)
# The open-queue index (list filters, team page, wallboard): a walk of every open
# conversation this often, while anyone is looking.
OPEN_QUEUE_REFRESH_SECONDS = env.int("OPEN_QUEUE_REFRESH_SECONDS", default=10)
OPEN_QUEUE_IDLE_SECONDS = env.int("OPEN_QUEUE_IDLE_SECONDS", default=600)
WALLBOARD_FAILED_WINDOW_MINUTES = env.int("WALLBOARD_FAILED_WINDOW_MINUTES", default=60)
WALLBOARD_FAILED_SCAN = env.int("WALLBOARD_FAILED_SCAN", default=20)
# Trends (dashboard/trends/): the index's headline numbers are kept once a minute for this
# many days; the trends page compares a day with the same weekday a week before, so at least 8.
TRENDS_RETENTION_DAYS = env.int("TRENDS_RETENTION_DAYS", default=15)
TRENDS_KEEP_MINUTES = env.bool("TRENDS_KEEP_MINUTES", default=True)  # off: none kept from now
if TRENDS_RETENTION_DAYS < 8:
    raise ImproperlyConfigured(
        f"TRENDS_RETENTION_DAYS must be at least 8 (a day and the same weekday a week "
        f"before), got {TRENDS_RETENTION_DAYS}."
    )
# Bulk actions (dashboard/bulk/): upstream calls at the same time per job; seconds a worker
# holds a job between heartbeats (a worker that dies gives its job up after this long);
# seconds a job waits before trying again while Flownally is down; the most conversations
# one job may take.
BULK_CONCURRENCY = env.int("BULK_CONCURRENCY", default=10)
BULK_LEASE_SECONDS = env.int("BULK_LEASE_SECONDS", default=30)
BULK_RESUME_SECONDS = env.int("BULK_RESUME_SECONDS", default=30)
BULK_MAX_CONVERSATIONS = env.int("BULK_MAX_CONVERSATIONS", default=2000)
# Threads per process for fetching a page's independent calls at the same time.
FLOWNALLY_FANOUT_WORKERS = env.int("FLOWNALLY_FANOUT_WORKERS", default=32)
if not FLOWNALLY_API_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"FLOWNALLY_API_URL must be an http(s) URL ending in /v1, got {FLOWNALLY_API_URL!r}."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "dashboard.core",
    "dashboard.accounts",
    "dashboard.conversations",
    "dashboard.wallboard",
    "dashboard.trends",
    "dashboard.alerts",
    # Before django_tasks_db: its db_worker command is dashboard/bulk's (it also takes over
    # jobs whose worker died).
    "dashboard.bulk",
    "django_tasks_db",
    "dashboard.simulator",
    "axes",
]

# Background jobs (bulk actions) on Django's tasks framework: rows in the database, run by
# `manage.py db_worker` (any number of them; no two take the same task).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session's: answers a timeline poll with nothing new in one cache read.
    "dashboard.conversations.quiet_poll.quiet_poll",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Below the session and auth: it reads what they loaded, after the view.
    "dashboard.core.no_store.no_store_when_signed_in",
    # A deadline for every Flownally call made for the request.
    "dashboard.core.budget.page_budget",
    # Every page needs sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as Axes requires: turns a refused sign-in into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                # A bulk job that finished while its creator was elsewhere: told on the
                # next page (before the messages are listed).
                "dashboard.bulk.notices.finished_jobs",
                "django.contrib.messages.context_processors.messages",
                # "Shared cache unreachable", from this process's state: no round trip.
                "dashboard.core.cache_health.notice",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The test database in a file, not in memory: threads that share it (the browser tests'
    # live server, a bulk worker) then wait for each other's locks, where an in-memory
    # database fails at once with "database table is locked".
    DATABASES["default"].setdefault("TEST", {"NAME": str(BASE_DIR / "test-db.sqlite3")})
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An unreachable database server fails a request (and /readyz) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://flownally-supervisor")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    # Django's default of 300 entries would push out the kept timeline answers and the
    # change feed's state as soon as a few hundred conversations are watched.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, without building a redis client per operation, and answering as
    # an empty cache while Redis is down or hung (see the module): short socket timeouts,
    # so a hung Redis costs a request a fraction of a second, once per CACHE_RETRY_SECONDS.
    CACHES["default"]["BACKEND"] = "dashboard.core.redis_cache.RedisCache"
    options = CACHES["default"].setdefault("OPTIONS", {})
    options.setdefault("socket_connect_timeout", env.float("CACHE_CONNECT_TIMEOUT", default=0.25))
    options.setdefault("socket_timeout", env.float("CACHE_SOCKET_TIMEOUT", default=0.5))
# Seconds a process serves without Redis after it failed, before trying it again.
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "conversation_list"
LOGOUT_REDIRECT_URL = "login"

# Content Security Policy (Django 6): scripts and styles only from our own origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Polling pages sign in on every request: sessions, users and permissions are read from
# the cache (written through to the database), so a poll needs no database query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out sign-in before any password is checked.
    "dashboard.accounts.signin.ThrottledSignIn",
    "dashboard.accounts.backends.CachedModelBackend",
]
# Seconds a user and their permissions are served from the cache at most: the bound on a
# change that bypasses Django's signals (a bulk update(), SQL, a shell without CACHE_URL).
AUTH_CACHE_SECONDS = env.int("AUTH_CACHE_SECONDS", default=10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# TLS usually ends at a proxy in front of gunicorn; these say how that proxy is set up.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# Sign-in throttling (django-axes; dashboard/accounts/signin.py). Failures are rows in the
# shared database: a lockout holds on every instance, and needs no Redis.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Locked out by username OR by address, each counted on its own: the username stops
# guessing one account's password from many addresses (a botnet); the address stops one
# address trying a few passwords on many accounts (spraying). The username-and-address
# pair alone would stop neither. The price: people behind one office address share its
# count, hence a limit well above honest typing, a cool-off, and a supervisor's unlock.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
# A success does not wipe the count: it would also wipe the address's failures on other
# accounts, letting anyone with one account keep an address's spraying under the limit.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "dashboard.accounts.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "dashboard.accounts.signin.client_address"
# How many proxies in front of gunicorn append to X-Forwarded-For (0: none, count the
# connection's address). Behind a proxy, set it: otherwise every sign-in comes from the
# proxy's address, and one person's failures lock everyone out.
SIGNIN_TRUSTED_PROXIES = env.int("SIGNIN_TRUSTED_PROXIES", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A kiosk URL carries its token: no log line may (dashboard/core/redact.py).
    "filters": {"kiosk_tokens": {"()": "dashboard.core.redact.RedactKioskTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["kiosk_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Axes says INFO on every sign-in; its warnings (failures, lockouts) are what matter.
    "loggers": {"axes": {"level": "WARNING"}},
}
