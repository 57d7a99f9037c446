"""One settings module, driven by the environment.

With nothing set it runs on the embedded default (SQLite, in-memory channel layer,
local-memory cache) so that `make run` works on a bare machine. `DATABASE_URL` and
`REDIS_URL` switch to PostgreSQL and Redis. Every reader below fails loudly on a bad
value rather than silently falling back.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from redis.exceptions import ConnectionError as RedisConnectionError

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Company login: only these e-mail domains may be given accounts. Empty means any.
COMPANY_EMAIL_DOMAINS = [d.lower() for d in env_list("COMPANY_EMAIL_DOMAINS", [])]

DJANGO_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks_db",
]
LOCAL_APPS = [
    "apps.core",
    "apps.accounts",
    "apps.people",
    "apps.departments",
    "apps.files",
    "apps.realtime",
    "apps.notifications",
    "apps.feed",
    "apps.chat",
    "apps.voting",
    "apps.policies",
    "apps.questions",
    "apps.videos",
    "apps.audit",
    "apps.plans",
    "apps.search",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# Every middleware here is async-capable, so an async view never hops threads for them.
MIDDLEWARE = [
    "apps.core.request_id.RequestIdMiddleware",
    "apps.audit.context.AuditOriginMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "apps.accounts.middleware.AuthenticationMiddleware",  # Django's, reading session and user in one trip
    # Below authentication, so that their error pages can show the layout of the logged-in site.
    "apps.core.middleware.ErrorBodyMiddleware",
    "apps.core.input_rules.InputRulesMiddleware",
    "apps.accounts.middleware.LoginRequiredMiddleware",
    "apps.accounts.middleware.TwoFactorSetupMiddleware",
    "apps.people.timezones.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.policies.middleware.PolicyAcceptanceMiddleware",
    "apps.core.middleware.ServiceErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intranet.urls"
ASGI_APPLICATION = "intranet.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.shell.header_badges",  # unread notifications and chat, one query
            ],
            # `{% url %}` with its answers kept per process (apps/core/links.py).
            "builtins": ["apps.core.templatetags.kept_url"],
        },
    },
]

# Database. Under ASGI each request may run on a different thread, so persistent
# connections (CONN_MAX_AGE > 0) leak; PostgreSQL uses psycopg's pool instead.
DATABASE_URL = env_str("DATABASE_URL")
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 20)  # also the default number of slow-lane HTTP threads
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        }
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        # A file (not :memory:) so that a live daphne process in the browser tests
        # sees the same test database as the test itself.
        # One file per test run, so that two runs on one machine never share it.
        "TEST": {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")},
    }
_db["CONN_MAX_AGE"] = 0
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache and channel layers. channels_redis drops group messages silently once a
# channel holds `capacity` unread messages, and redis-py's asyncio pool raises when
# full, so both are sized deliberately rather than left at their defaults. The layers are
# channels_redis's with a pool that waits for a free connection instead of raising
# (apps.realtime.layers): REDIS_MAX_CONNECTIONS per layer and process is a bound, never
# a cause of failure; a command waits up to REDIS_POOL_TIMEOUT seconds for one.
REDIS_URL = env_str("REDIS_URL")
CHANNEL_PREFIX = env_str("CHANNEL_PREFIX", "intranet")
# Redis pub/sub names are server-wide (SELECT does not scope them), so the chat layer and
# presence keys carry the database number: deployments or test runs that share one Redis
# on different database numbers never hear each other.
_redis_db = urlsplit(REDIS_URL).path.strip("/") or "0"
CHAT_REDIS_PREFIX = f"{CHANNEL_PREFIX}.db{_redis_db}.chat"
CHAT_CHANNEL_LAYER = env_str("CHAT_CHANNEL_LAYER", "pubsub")
if CHAT_CHANNEL_LAYER not in {"pubsub", "redis"}:
    raise ImproperlyConfigured(f"CHAT_CHANNEL_LAYER must be 'pubsub' or 'redis', not {CHAT_CHANNEL_LAYER!r}")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.RedisCache",  # Django's, with its redis-py client reused
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "intranet"),
        }
    }
    _redis_host = {
        "address": REDIS_URL,
        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 100),
        "pool_timeout": env_int("REDIS_POOL_TIMEOUT", 10),
        # After a Redis restart every pooled connection fails once ("Connection closed by
        # server"); retry on a fresh one rather than fail a WebSocket handshake with HTTP 500.
        "retry_on_error": [RedisConnectionError],
        # redis-py 8 reads with a 5 s timeout by default, and RedisChannelLayer blocks in
        # BZPOPMIN for 5 s: under load the client gives up just before the server answers,
        # and the consumer dies (close code 1011; seen in bench/chat_fanout.py at 500+ sockets).
        "socket_timeout": 15,
    }
    CHANNEL_LAYERS = {
        # Per-user and per-topic events (logout, notifications, feed, votes). RedisChannelLayer
        # keeps the events of all sockets of one daphne process in one Redis list, so
        # `capacity` bounds a process's backlog (not a socket's): 1000 events is seconds of a
        # stalled process. `expiry` drops what a stalled process has not read within 60 s.
        "default": {
            "BACKEND": "apps.realtime.layers.RedisChannelLayer",
            "CONFIG": {
                "hosts": [_redis_host],
                "capacity": env_int("CHANNEL_CAPACITY", 1000),
                "expiry": 60,
                "group_expiry": 86400,  # longer than a tab stays open; a shorter one silently mutes long-lived sockets
                "prefix": CHANNEL_PREFIX,
            },
        },
        # Chat room streams (apps.chat.hub): each process subscribes once per room, so a
        # message is one event per process whatever the number of readers. Pub/sub has no
        # capacity to overflow and was the fastest and lossless layer measured here
        # (PERFORMANCE.md, BENCHMARKS.md); it does lose what is published while a process
        # reconnects to Redis. Nothing depends on it being lossless: every message is in the
        # database first, and a hub that sees a gap in a room's revisions (or finds the
        # database ahead at its periodic check) reads what it missed from there.
        # CHAT_CHANNEL_LAYER=redis uses RedisChannelLayer instead; an overflow of its
        # CHAT_CHANNEL_CAPACITY (per process) is caught up the same way.
        "chat": (
            {
                "BACKEND": "apps.realtime.layers.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [_redis_host], "prefix": CHAT_REDIS_PREFIX},
            }
            if CHAT_CHANNEL_LAYER == "pubsub"
            else {
                "BACKEND": "apps.realtime.layers.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [_redis_host],
                    "capacity": env_int("CHAT_CHANNEL_CAPACITY", 1000),
                    "expiry": 30,  # older than this, the database catch-up is the better source anyway
                    "group_expiry": 86400,  # the hub re-joins its rooms' groups every CHAT_SYNC_INTERVAL
                    "prefix": CHAT_REDIS_PREFIX,
                },
            }
        ),
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process: the chat streams share the default layer (see apps.chat.services.chat_layer_alias).
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Chat (apps.chat)
CHAT_MAX_BODY_LENGTH = env_int("CHAT_MAX_BODY_LENGTH", 4000)  # characters of markdown
# Sends and edits per user per window, across processes (the cache counts them). 0 = no limit.
CHAT_RATE_LIMIT_MESSAGES = env_int("CHAT_RATE_LIMIT_MESSAGES", 20)
CHAT_RATE_LIMIT_WINDOW = env_int("CHAT_RATE_LIMIT_WINDOW", 10)  # seconds
# How often each process compares its rooms with the database and re-joins their groups:
# the longest a message lost by the channel layer waits is about twice this.
CHAT_SYNC_INTERVAL = env_int("CHAT_SYNC_INTERVAL", 2)  # seconds
# Check every live event against its declaration (apps/*/events.py) before it is sent: on in
# development and in the tests, so that a frame cannot drift from what the browser expects.
REALTIME_CHECK_FRAMES = env_bool("REALTIME_CHECK_FRAMES", DEBUG)
# Sockets (open or in their handshake) one process takes; past it an upgrade is refused with
# 503 (or, in a race, accepted and closed with 4503) and browsers retry later
# (apps.realtime.handshake). ~45 KiB each when idle.
REALTIME_MAX_SOCKETS = env_int("REALTIME_MAX_SOCKETS", 10000)
# ... and handshakes in flight: more than a process finishes within daphne's 5 s handshake
# timeout would all time out together; the excess is refused the same way, at once. At ~3 ms
# of CPU per handshake, 400 are ~1.2 s of work: they finish in time while the process gets a
# quarter of a core. (100 was set when a handshake cost 6-8 ms; BENCHMARKS.md "Live layer".)
REALTIME_MAX_HANDSHAKES = env_int("REALTIME_MAX_HANDSHAKES", 400)

# Background work (scheduled posts, reminders, e-mail) runs in `manage.py run_worker`
# through Django's Tasks framework, stored in the database (django-tasks-db; its backend,
# recording the request that queued each task for the worker's logs: apps.core.task_origin).
TASKS = {"default": {"BACKEND": "apps.core.task_origin.DatabaseBackend"}}
# Links in e-mails are built from this, since a task has no request to ask.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Authentication
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "apps.accounts.backends.ProfileModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "apps.core.error_pages.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # invitations use the same link

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"  # the page, or JSON for the API
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)

# Sessions
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# The session and the user (with the profile) of each request come from the shared cache, which
# holds a copy for at most this long (apps.accounts.identity). Only with Redis: per-process memory
# caches could not be told that another process ended a session. 0: every request asks the database.
SESSION_ENGINE = "apps.accounts.identity"
IDENTITY_CACHE_SECONDS = env_int("IDENTITY_CACHE_SECONDS", 300 if REDIS_URL else 0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Security headers. HTTPS-only settings switch on with DEBUG off, where the app runs
# behind a TLS-terminating proxy.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
_https = not DEBUG and env_bool("HTTPS", True)
SECURE_SSL_REDIRECT = _https and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^readyz$"]
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
if env_bool("BEHIND_PROXY", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Internationalisation
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files are shipped with the project (no CDN). In production nginx serves
# STATIC_ROOT; otherwise the ASGI app serves them (see intranet/asgi.py).
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
SERVE_STATIC = env_bool("SERVE_STATIC", True)

# Uploads are never public: /media/ is a view that checks login and permission. In
# production it answers with X-Accel-Redirect to this internal nginx location.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_ACCEL_REDIRECT_PREFIX = env_str("MEDIA_ACCEL_REDIRECT_PREFIX", "")  # e.g. /protected-media/
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # form fields; files stream to disk past FILE_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Profile photos: limits checked on the decoded image, not on the file name.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
PHOTO_SIZE = 512
# Feed uploads
POST_MAX_IMAGES = 10
POST_IMAGE_SIZE = 1600  # longest side of the stored image
POST_THUMBNAIL_SIZE = 480
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
POST_MAX_ATTACHMENTS = 10
NOTIFICATION_EMAIL_DELAY_MINUTES = env_int("NOTIFICATION_EMAIL_DELAY_MINUTES", 10)  # unread DMs, chat mentions
ACK_REMINDER_HOURS_BEFORE = env_int("ACK_REMINDER_HOURS_BEFORE", 24)
# How long the communication-policy checks (who must accept what) stay cached; every write
# that changes them drops them at once, so this is only a safety net. 0: not cached.
POLICY_CACHE_SECONDS = env_int("POLICY_CACHE_SECONDS", 3600)
PHOTO_THUMBNAIL_SIZE = 128

# E-mail: the console in development unless EMAIL_HOST is set; SMTP in production
# (a local relay on localhost:25 by default). Django 6.1's MAILERS.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST or "localhost",
                "port": env_int("EMAIL_PORT", 587 if EMAIL_HOST else 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST)),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
del EMAIL_HOST  # the deprecated setting name must not linger
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "intranet@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous request gets 401 with WWW-Authenticate.
        "apps.accounts.authentication.TokenAuthentication",
        "apps.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Intranet API",
    "DESCRIPTION": "Departments, people and memberships. Session (with CSRF) or token auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # `<id:...>` path parameters (apps.core.ids.IdPathConverter): ids that fit PostgreSQL's bigint.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    # The schema and the docs describe an internal API: logged-in staff only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Several models have a "kind": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "PostKindEnum": "apps.feed.models.Post.Kind",
        "PollKindEnum": "apps.voting.models.Poll.Kind",
        "IdeaStatusEnum": "apps.voting.models.Idea.Status",
        "SlotStatusEnum": "apps.plans.models.Slot.Status",
    },
}

# Every line carries the request's id (apps.core.request_id), the one a 500 page shows.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.request_id.RequestIdLogFilter"}},
    "formatters": {"with_request_id": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "with_request_id"}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
CHAT_MAX_FILES = env_int("CHAT_MAX_FILES", 5)  # files on one chat message

# Observability (apps/core/observability.py): one JSON line per request and per log record with
# LOG_FORMAT=json (the production env template sets it), and Prometheus metrics at /metrics for
# whoever holds METRICS_TOKEN (unset: /metrics is a 404). nginx never forwards /metrics.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'text' or 'json', not {LOG_FORMAT!r}")
ACCESS_LOG = env_bool("ACCESS_LOG", LOG_FORMAT == "json")
METRICS_TOKEN = env_str("METRICS_TOKEN")
LOGGING["formatters"]["json"] = {"()": "apps.core.logformat.JsonFormatter"}
if LOG_FORMAT == "json":
    LOGGING["handlers"]["console"]["formatter"] = "json"
LOGGING["loggers"]["intranet.access"] = {"level": "INFO" if ACCESS_LOG else "WARNING"}
MIDDLEWARE.insert(
    MIDDLEWARE.index("apps.core.request_id.RequestIdMiddleware") + 1, "apps.core.observability.AccessLogMiddleware"
)

# HTTP under daphne (intranet/handler.py, apps/core/lanes.py): two shared pools of threads per
# process for the synchronous part of requests; more requests than threads wait on the event loop.
# GET and HEAD (pages, the API) run in HTTP_WORKER_THREADS threads: a process runs Python in one
# thread at a time, and with 20 pages rendered at once each cost 20-45 % more CPU than with 2-4
# (BENCHMARKS.md "Pages", session 30). Writes and views marked `slow_lane` (sign-in callbacks
# that wait on the identity provider, uploads checked by Pillow or ffprobe) run in
# HTTP_SLOW_THREADS threads, as many as the database pool has connections, so that a slow one
# never holds a quick thread. 0 = a new thread per request (Django's way, ~0.7 ms more CPU each).
HTTP_WORKER_THREADS = env_int("HTTP_WORKER_THREADS", 4)
HTTP_SLOW_THREADS = env_int("HTTP_SLOW_THREADS", DB_POOL_MAX_SIZE)

# Videos (apps/videos): limits checked by ffprobe on the uploaded bytes before any transcoding.
VIDEO_MAX_BYTES = env_int("VIDEO_MAX_BYTES", 2 * 1024**3)
VIDEO_MAX_SECONDS = env_int("VIDEO_MAX_SECONDS", 3 * 3600)
VIDEO_MAX_WIDTH = env_int("VIDEO_MAX_WIDTH", 3840)
VIDEO_MAX_HEIGHT = env_int("VIDEO_MAX_HEIGHT", 2160)
VIDEO_MAX_FPS = env_int("VIDEO_MAX_FPS", 120)
VIDEO_MAX_STREAMS = env_int("VIDEO_MAX_STREAMS", 8)
VIDEO_FFMPEG_PRESET = env_str("VIDEO_FFMPEG_PRESET", "veryfast")  # x264 speed/size trade-off, see BENCHMARKS.md
VIDEO_UPLOAD_EXPIRY_HOURS = env_int("VIDEO_UPLOAD_EXPIRY_HOURS", 24)  # abandoned tus uploads are removed after this
VIDEO_REMINDER_DAYS_BEFORE = env_int("VIDEO_REMINDER_DAYS_BEFORE", 2)
# Automatic captions (apps/videos/speech.py): offline speech recognition (PocketSphinx) in the worker,
# after transcoding. The language is a BCP 47 tag; English uses the model inside the pocketsphinx
# wheel, any other language needs VIDEO_SPEECH_MODEL, a folder with a PocketSphinx acoustic model,
# a language model (*.lm.bin or *.lm) and a dictionary (*.dict) for it.
VIDEO_SPEECH_ENABLED = env_bool("VIDEO_SPEECH_ENABLED", True)
VIDEO_SPEECH_LANGUAGE = env_str("VIDEO_SPEECH_LANGUAGE", "en")
VIDEO_SPEECH_MODEL = env_str("VIDEO_SPEECH_MODEL", "")
if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}", VIDEO_SPEECH_LANGUAGE):
    raise ImproperlyConfigured(
        f"VIDEO_SPEECH_LANGUAGE must be a language tag such as en or en-GB, not {VIDEO_SPEECH_LANGUAGE!r}"
    )

# Audit log (apps.audit): entries older than this are removed by the worker (0: keep forever).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)

# Two-factor login (apps.accounts.two_factor, django-otp): who must use it: none, admins or all.
TWO_FACTOR_REQUIRED = env_str("TWO_FACTOR_REQUIRED", "none").strip().lower()
if TWO_FACTOR_REQUIRED not in {"none", "admins", "all"}:
    raise ImproperlyConfigured(f"TWO_FACTOR_REQUIRED must be none, admins or all, not {TWO_FACTOR_REQUIRED!r}")
# Passkeys (apps.accounts.passkeys): the WebAuthn relying party id; empty means the request's host.
WEBAUTHN_RP_ID = env_str("WEBAUTHN_RP_ID")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Intranet")
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]

# Company sign-in with OpenID Connect (apps.sso.oidc, mozilla-django-oidc). Off unless OIDC_ISSUER is set.
OIDC_ISSUER = env_str("OIDC_ISSUER")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_EMAIL_CLAIM = env_str("OIDC_EMAIL_CLAIM", "email")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM")  # e.g. "groups": department memberships from apps.sso GroupMapping
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", 60)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # for RP-initiated logout (id_token_hint)
OIDC_AUTHENTICATE_CLASS = "apps.sso.oidc.SignInView"
if OIDC_ISSUER:
    # Logging out ends the provider's session too: the logout form's answer redirects to the provider, and
    # browsers hold a form's redirects to form-action (the browser test found the logout stuck without this).
    _issuer = urlsplit(OIDC_ISSUER)
    SECURE_CSP["form-action"] = [*SECURE_CSP["form-action"], f"{_issuer.scheme}://{_issuer.netloc}"]
SSO_REQUIRE_PROVISIONED = env_bool("SSO_REQUIRE_PROVISIONED", False)
SSO_ONLY = env_bool("SSO_ONLY", False)  # the password form only for admins (break-glass), at /accounts/login/?local=1
INSTALLED_APPS += ["apps.sso"]
AUTHENTICATION_BACKENDS += ["apps.sso.oidc.CompanyOIDCBackend"]

# Company sign-in with SAML 2.0 (apps.sso.saml, djangosaml2 on pysaml2). Off unless the IdP's metadata is given.
SAML_IDP_METADATA_URL = env_str("SAML_IDP_METADATA_URL")  # e.g. Entra ID's "App Federation Metadata Url"
SAML_IDP_METADATA_FILE = env_str("SAML_IDP_METADATA_FILE")  # or the downloaded metadata XML
SAML_SP_ENTITY_ID = env_str("SAML_SP_ENTITY_ID")  # default: {SITE_URL}/saml2/metadata/
SAML_SP_NAME = env_str("SAML_SP_NAME", "Intranet")
SAML_SP_KEY_FILE = env_str("SAML_SP_KEY_FILE")  # optional: signed AuthnRequests, encrypted assertions
SAML_SP_CERT_FILE = env_str("SAML_SP_CERT_FILE")
SAML_EMAIL_ATTRIBUTE = env_str("SAML_EMAIL_ATTRIBUTE")  # empty: the NameID is the e-mail address
SAML_NAME_ATTRIBUTE = env_str("SAML_NAME_ATTRIBUTE", "displayName")
SAML_GROUPS_ATTRIBUTE = env_str("SAML_GROUPS_ATTRIBUTE")  # e.g. "groups": memberships from apps.sso GroupMapping
SAML_CLOCK_SKEW_SECONDS = env_int("SAML_CLOCK_SKEW_SECONDS", 60)
SAML_TIMEOUT = env_int("SAML_TIMEOUT", 10)
SAML_XMLSEC_BINARY = env_str("SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1")  # Debian's xmlsec1 (make xmlsec1)
SAML_CONFIG_LOADER = "apps.sso.saml.sp_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CSP_HANDLER = ""  # our CSP stays 'self': the redirect binding needs no page of ours
# The IdP's answer is a cross-site POST, which a SameSite=Lax cookie does not follow: djangosaml2 keeps
# the outstanding requests in a cookie of its own, SameSite=None (browsers take that only over HTTPS).
SAML_SESSION_COOKIE_SAMESITE = "None" if _https else "Lax"
AUTHENTICATION_BACKENDS += ["apps.sso.saml.SamlBackend"]

# SCIM 2.0 provisioning at /scim/v2/ (apps.scim); bearer tokens are created in the admin site.
INSTALLED_APPS += ["apps.scim"]

# Search (apps/search): the PostgreSQL text search configuration (stemming, stop words). The
# index's generated column is built with it at migration time: after changing it, run
# `manage.py search_index --language`.
SEARCH_LANGUAGE = env_str("SEARCH_LANGUAGE", "english")
if not SEARCH_LANGUAGE.isidentifier():
    raise ImproperlyConfigured("SEARCH_LANGUAGE must be a text search configuration name such as english")

# Personal data (apps.privacy): each person downloads their own data; admins erase a person.
# ERASURE_CONTENT: "keep" leaves what they wrote under "Former colleague"; "remove" deletes it too.
ERASURE_CONTENT = env_str("ERASURE_CONTENT", "keep").strip().lower()
if ERASURE_CONTENT not in {"keep", "remove"}:
    raise ImproperlyConfigured(f"ERASURE_CONTENT must be keep or remove, not {ERASURE_CONTENT!r}")
DATA_EXPORT_LINK_SECONDS = env_int("DATA_EXPORT_LINK_SECONDS", 24 * 3600)
# Uploaded files go into the export up to this many bytes in all; the rest are listed by name and size.
DATA_EXPORT_FILE_BYTES = env_int("DATA_EXPORT_FILE_BYTES", 200 * 1024 * 1024)
INSTALLED_APPS += ["apps.privacy"]
