"""Settings shared by every environment. Everything that differs between machines comes
from the environment (see .env.example); the defaults are safe for a local run."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from core.logs import logging_config

from .env import env_bool, env_int, env_list, env_str
from .media_origins import media_origins
from .redis_urls import (
    broker_transport_options,
    is_amqp,
    sentinel_addresses,
    sentinel_broker_url,
    sentinel_location,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# --- Core -----------------------------------------------------------------------------------
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-local-only-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
# How many proxies of ours stand in front of the site (core/client.py). 0: X-Forwarded-For and
# X-Forwarded-Proto are a client's own words and are ignored.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # OpClass in index expressions (products' trigram index)
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",  # refresh tokens are spent once (core/api/refresh_tokens.py)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    # ours: shared plumbing first, then the domains, then the apps on top of them
    "core",
    "balances",
    "products",
    "coupons",
    "orders",
    "waiting_room",
    "dataplatform",
    "addresses",
    "accounts",
]

MIDDLEWARE = [
    "core.metrics.RequestMetricsMiddleware",  # first: its latency covers the whole stack
    "core.middleware.RequestIdMiddleware",
    "core.logs.RequestLogMiddleware",  # the one `event: "request"` line, with the request id
    "django.middleware.security.SecurityMiddleware",
    "core.csp.CSPMiddleware",  # django-csp's, the header built once per process (why: core/csp.py)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PageLocaleMiddleware",  # LocaleMiddleware for pages; the API is always ko-kr
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PageMessageMiddleware",  # MessageMiddleware for pages only
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database: PostgreSQL through psycopg 3 with Django's native pool ---------------------------
DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
DATABASES["default"].setdefault("OPTIONS", {})
# Parameters sent apart from the SQL (no quoting in Python) and statements psycopg prepares after 5
# uses on a pooled connection, so the server does not parse and plan them again (docs/benchmarks.md
# #7, #11).
# Turn it off behind a transaction-mode PgBouncer, which cannot keep prepared statements.
DATABASES["default"]["OPTIONS"]["server_side_binding"] = env_bool("DB_SERVER_SIDE_BINDING", True)
# Django turns psycopg's prepared statements off unless asked (None); 0 turns them off here too.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env_int("DB_PREPARE_THRESHOLD", 5) or None
DATABASES["default"]["OPTIONS"]["pool"] = {
    "min_size": env_int("DB_POOL_MIN_SIZE", 2),
    "max_size": env_int("DB_POOL_MAX_SIZE", 20),
    "timeout": env_int("DB_POOL_TIMEOUT", 10),
}
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_shop")}
# A streaming replica for catalog and history reads (core/replicas.py); decisions read the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=0)
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], **DATABASES["replica"].get("OPTIONS", {})}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache (django-redis) and, by default, the Celery broker ----------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "shop"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            # A cache outage degrades to the database, never to an error page.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# Redis under Sentinel: REDIS_SENTINELS ("host:port,host:port") and REDIS_SENTINEL_MASTER name the
# set; every Redis user (cache, coupon gate, throttles, pins, the Celery broker) then asks the
# Sentinels for the master and follows a failover. The db number still comes from REDIS_URL.
REDIS_SENTINELS = sentinel_addresses(env_str("REDIS_SENTINELS", ""))
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "mymaster")
if REDIS_SENTINELS:
    CACHES["default"]["LOCATION"] = sentinel_location(REDIS_URL, REDIS_SENTINEL_MASTER)
    CACHES["default"]["OPTIONS"]["CONNECTION_FACTORY"] = "django_redis.pool.SentinelConnectionFactory"
    CACHES["default"]["OPTIONS"]["SENTINELS"] = REDIS_SENTINELS
    CACHES["default"]["OPTIONS"]["SENTINEL_KWARGS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", sentinel_broker_url(REDIS_URL, REDIS_SENTINELS) or REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, REDIS_SENTINEL_MASTER)
# On RabbitMQ: quorum queues (replicated, they survive a node's loss), and Celery then schedules
# countdowns (the outbox retries) with RabbitMQ's native delayed delivery, not in the worker.
CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum" if is_amqp(CELERY_BROKER_URL) else "classic"
CELERY_WORKER_DETECT_QUORUM_QUEUES = is_amqp(CELERY_BROKER_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Seoul"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["products-best-sellers-refresh"] = {
    "task": "products.tasks.best_sellers_refresh",
    "schedule": 10.0,
    "options": {"expires": 10},
}

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Slowed password guessing (accounts/login_guard.py): per username + client address.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 300)

# --- Locale ----------------------------------------------------------------------------------
LANGUAGE_CODE = "ko-kr"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise) ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Content Security Policy (django-csp) ----------------------------------------------------
# Pages load only our own files: no inline script anywhere, and the one inline <style> (the API
# docs page, templates/api/swagger_ui.html) carries the per-request nonce. Swagger UI draws its
# icons as data: images. Nothing may frame the site (as X-Frame-Options says) or post elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Media: product pictures (products/images.py) ----------------------------------------------
# MEDIA_STORAGE=local keeps them under MEDIA_ROOT, served at MEDIA_URL by Django itself only when
# SERVE_MEDIA is on (the local default; in production a proxy or a CDN serves that folder).
# MEDIA_STORAGE=s3 puts them in an S3-compatible bucket through django-storages; the bucket serves
# them (public-read objects, or MEDIA_URL set to the CDN in front of it).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local")
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,  # unset: AWS itself
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,  # unset: boto3's own credential chain
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": env_str("S3_CUSTOM_DOMAIN") or None,  # a CDN host in front of the bucket
            "location": env_str("S3_LOCATION", "media"),
            # Names are content hashes (products/images.py): never overwritten, cacheable for good.
            "file_overwrite": False,
            "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", False),
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
elif MEDIA_STORAGE != "local":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, got {MEDIA_STORAGE!r}")
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += media_origins(
    media_url=MEDIA_URL, s3=STORAGES["default"]["OPTIONS"] if MEDIA_STORAGE == "s3" else None
)

# --- Request limits --------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024)

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ClaimsJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api.exception_handler.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "signup": env_str("THROTTLE_SIGNUP", "20/hour"),
        "token": env_str("THROTTLE_TOKEN", "60/minute"),
        "charge": env_str("THROTTLE_CHARGE", "20/second"),
        "coupon_issue": env_str("THROTTLE_COUPON_ISSUE", "5/second"),
        "order": env_str("THROTTLE_ORDER", "10/second"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": NUM_PROXIES,  # DRF's own get_ident agrees with core/client.py
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    # A refresh answers a new refresh token and the old one is blacklisted (so is one logged out).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Access tokens carry a `staff` claim so that bearer requests need no user SELECT.
    "TOKEN_OBTAIN_SERIALIZER": "core.api.authentication.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "core.api.authentication.TokenRefreshSerializer",
}
# Trust the access token's claims for the caller (core.api.authentication): the trade-off is that a
# deactivation or a staff change reaches tokens already minted only when they expire.
JWT_STATELESS_USERS = env_bool("JWT_STATELESS_USERS", True)
SPECTACULAR_SETTINGS = {
    "TITLE": "Flash-sale shop API",
    "DESCRIPTION": "잔액 충전, 상품 조회, 선착순 쿠폰, 주문/결제 API. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api",
    "DEFAULT_GENERATOR_CLASS": "core.api.schema.SchemaGenerator",  # sees through core.api.routing.by_method
    "ENUM_NAME_OVERRIDES": {"FulfilmentStatusEnum": ["NONE", "PREPARING", "SHIPPED", "DELIVERED"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_generic_problems",
    ],
}

# --- Domain limits (SPEC) --------------------------------------------------------------------
BALANCE_MAX_CHARGE = env_int("BALANCE_MAX_CHARGE", 1_000_000)
BALANCE_MAX = env_int("BALANCE_MAX", 100_000_000)
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
# An in-flight Idempotency-Key claim of a crashed process can be taken over after this lease.
IDEMPOTENCY_LEASE_SECONDS = env_int("IDEMPOTENCY_LEASE_SECONDS", 60)
CELERY_BEAT_SCHEDULE["core.purge-idempotency-keys"] = {"task": "core.purge_idempotency_keys", "schedule": 3600.0}
# Housekeeping (core/housekeeping.py, dataplatform/retention.py), daily in the shop's quiet hours (KST).
CELERY_BEAT_SCHEDULE["core.clear-sessions"] = {"task": "core.clear_sessions", "schedule": crontab(hour=4, minute=10)}
CELERY_BEAT_SCHEDULE["core.flush-expired-refresh-tokens"] = {
    "task": "core.flush_expired_refresh_tokens",
    "schedule": crontab(hour=4, minute=20),
}

# How long a sold-out product's next losers are answered from Redis before PostgreSQL is asked
# again (orders.sold_out): the longest a staff restock waits to be sold (a cancel's does not).
SOLD_OUT_MARK_MS = env_int("SOLD_OUT_MARK_MS", 1000)

# --- Waiting room (waiting_room, SPEC §10) ----------------------------------------------------
WAITING_ROOM_ADMIT_PER_SECOND = env_int("WAITING_ROOM_ADMIT_PER_SECOND", 50)  # a drop's default pace
WAITING_ROOM_TICKET_MINUTES = env_int("WAITING_ROOM_TICKET_MINUTES", 2)  # an admitted ticket's life
CELERY_BEAT_SCHEDULE["waiting-room-admit"] = {
    "task": "waiting_room.admit",
    "schedule": 1.0,
    # a tick that waited past the next one is superseded by it
    "options": {"expires": 1.0},
}

# --- Data platform ---------------------------------------------------------------------------
DATA_PLATFORM_URL = env_str("DATA_PLATFORM_URL", "")
LOCAL_DATA_PLATFORM_SECRET = "local-data-platform-secret"  # production refuses it
DATA_PLATFORM_SECRET = env_str("DATA_PLATFORM_SECRET", LOCAL_DATA_PLATFORM_SECRET)
DATA_PLATFORM_CONNECT_TIMEOUT = float(env_str("DATA_PLATFORM_CONNECT_TIMEOUT", "3"))
DATA_PLATFORM_READ_TIMEOUT = float(env_str("DATA_PLATFORM_READ_TIMEOUT", "10"))
# The most one attempt may take in all, connect and every read included (services/transport.py).
DATA_PLATFORM_TOTAL_TIMEOUT = float(env_str("DATA_PLATFORM_TOTAL_TIMEOUT", "15"))
# How long a claimed event is its claimer's to attempt (services/claiming.py); longer than a batch
# can run (2 s of new attempts plus one attempt's total timeout), and how long the sweep waits for
# the events of a worker that died mid-POST.
DATA_PLATFORM_LEASE_SECONDS = float(env_str("DATA_PLATFORM_LEASE_SECONDS", "60"))
DATA_PLATFORM_RETRY_BUDGET_HOURS = env_int("DATA_PLATFORM_RETRY_BUDGET_HOURS", 24)
DATA_PLATFORM_SPOOL_DIR = VAR_DIR / "dataplatform"
DATA_PLATFORM_BACKOFF_BASE_SECONDS = float(env_str("DATA_PLATFORM_BACKOFF_BASE_SECONDS", "2"))
DATA_PLATFORM_BACKOFF_CAP_SECONDS = float(env_str("DATA_PLATFORM_BACKOFF_CAP_SECONDS", "600"))
DATA_PLATFORM_SWEEP_BATCH = env_int("DATA_PLATFORM_SWEEP_BATCH", 200)
# How long a pending delivery kick (dataplatform.services.publishing.outbox_kick) holds back new publishes.
DATA_PLATFORM_KICK_TTL_SECONDS = float(env_str("DATA_PLATFORM_KICK_TTL_SECONDS", "10"))
# How long a kicked delivery task waits before it runs, gathering the orders committed meanwhile.
DATA_PLATFORM_KICK_DELAY_SECONDS = float(env_str("DATA_PLATFORM_KICK_DELAY_SECONDS", "0.2"))
# Delivered events are kept this long after delivery, then deleted (PENDING / FAILED never are).
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 30)
CELERY_BEAT_SCHEDULE["dataplatform-purge-delivered-outbox"] = {
    "task": "dataplatform.purge_delivered_outbox",
    "schedule": crontab(hour=4, minute=30),
}
CELERY_BEAT_SCHEDULE["dataplatform-sweep-outbox"] = {
    "task": "dataplatform.tasks.sweep_outbox",
    "schedule": 30.0,
    # a sweep that waited longer than its interval is superseded by the next one
    "options": {"expires": 25},
}

# --- Operations: metrics (core/metrics.py) ---------------------------------------------------
# GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset, /metrics answers 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Logging (core/logs.py) --------------------------------------------------------------------
# json: one JSON object per line (production's default); plain: readable lines (the local default).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
LOGGING_CONFIG = "core.logs.configure"

# --- Error reports (core/sentry.py): only with a DSN; without one sentry-sdk is never imported ---
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from core import sentry

    sentry.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", ""),
        release=env_str("SENTRY_RELEASE", ""),
        traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
