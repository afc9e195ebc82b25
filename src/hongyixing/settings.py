"""Django settings: everything that varies between installs comes from the environment."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from hongyixing.config import (
    PROBLEMS,
    env_bool,
    env_district_code,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_time,
    file_secret,
    notify_channels,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("HONGYIXING_HOME") or Path.cwd() / "var").resolve()

DEBUG = env_bool("HONGYIXING_DEBUG", False)
# The demo (`hongyixing demo`): demo-only commands such as totp_code run only then (demo.guard).
DEMO_MODE = env_bool("HONGYIXING_DEMO", False)
SECRET_KEY = env_str("SECRET_KEY") or file_secret(VAR_DIR / "secret.key", 50)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The data-encryption key protects ID numbers and phones at rest. It is never in the repo: it comes
# from HONGYIXING_DATA_KEY (urlsafe base64 of 32 bytes) or a key file created on first run.
DATA_KEY = env_str("HONGYIXING_DATA_KEY")
DATA_KEY_FILE = Path(env_str("HONGYIXING_DATA_KEY_FILE") or VAR_DIR / "data.key")

# The district this installation serves. Unset, it is the one district of the divisions file that has
# towns (the shipped file: 洪泽区, 320813). Another county: load its divisions file and set both.
HONGYIXING_DISTRICT_CODE = env_district_code("HONGYIXING_DISTRICT_CODE")
HONGYIXING_DIVISIONS_FILE = env_str("HONGYIXING_DIVISIONS_FILE")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "hongyixing.core",
    "hongyixing.areas",
    "hongyixing.accounts",
    "hongyixing.notices",
    "hongyixing.people",
    "hongyixing.rules",
    "hongyixing.verification",
    "hongyixing.control",
    "hongyixing.cases",
    "hongyixing.reports",
    "hongyixing.command",
    "hongyixing.enterprises",
    "hongyixing.projects",
    "hongyixing.demo",
]

MIDDLEWARE = [
    "hongyixing.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hongyixing.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hongyixing.accounts.middleware.SecondFactorMiddleware",
    "hongyixing.accounts.middleware.PasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hongyixing.core.offline.OfflineReplayMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hongyixing.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "hongyixing.urls"
WSGI_APPLICATION = "hongyixing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hongyixing.accounts.context.administration",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'hongyixing.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as error:
    PROBLEMS.append(f"DATABASE_URL cannot be read: {error}")
    DATABASES = {"default": dj_database_url.parse(f"sqlite:///{VAR_DIR / 'hongyixing.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker write while the server reads; IMMEDIATE avoids lock upgrades failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("HONGYIXING_TEST_SQLITE") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compiles each large-estimate GROUP BY (~110 ms a query, measured in bench W3): the daily
    # report's short aggregates pay it every time and never amortise it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# The report-window index carries INCLUDE columns (index-only scans on PostgreSQL); SQLite keeps the
# index without them, which is all it needs, so its warning about them is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login security (等保 level 3): lockout, idle timeout, second factor for district-level roles.
LOGIN_LOCKOUT_FAILURES = env_int("HONGYIXING_LOCKOUT_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("HONGYIXING_LOCKOUT_MINUTES", 15, minimum=1)
# Failures from one address over any accounts (password spraying), and how many addresses must fail
# on one account before the account itself is locked for sign-ins without a second factor.
LOGIN_ADDRESS_FAILURES = env_int("HONGYIXING_LOCKOUT_ADDRESS_FAILURES", 20, minimum=1)
LOGIN_ACCOUNT_ADDRESSES = env_int("HONGYIXING_LOCKOUT_ACCOUNT_ADDRESSES", 5, minimum=2)
# Reverse proxies whose X-Forwarded-For is believed (core.clientaddr); empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env_networks("HONGYIXING_TRUSTED_PROXIES")
IDLE_TIMEOUT_MINUTES = env_int("HONGYIXING_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SECOND_FACTOR_ROLES = env_list("HONGYIXING_2FA_ROLES", ["district_office", "working_group"])
SESSION_COOKIE_AGE = IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HTTPS = env_bool("HONGYIXING_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = env_str("HONGYIXING_LANGUAGE") or "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("HONGYIXING_TIME_ZONE") or "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Served from STATIC_ROOT (collected at start-up by serve/demo); finders only while developing.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("HONGYIXING_STATIC_FROM_SOURCE", False)
MEDIA_ROOT = VAR_DIR / "media"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Where notices go besides the in-app list (sent by the worker after commit; see notices/channels.py).
NOTIFY_CHANNELS = notify_channels()
NOTIFY_ATTEMPTS = env_int("HONGYIXING_NOTIFY_ATTEMPTS", 5, minimum=1)

# How long the audit trail is kept (等保: at least six months).
AUDIT_RETENTION_DAYS = env_int("HONGYIXING_AUDIT_RETENTION_DAYS", 366, minimum=183)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hongyixing.core.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("HONGYIXING_LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# Control measures: the twice-daily checks' cut-offs (local time), the temperature that counts as
# abnormal, how long a picked-up transfer may stay open before it is an alarm, the fever clinic.
CHECK_MORNING_CUTOFF = env_time("HONGYIXING_CHECK_MORNING_CUTOFF", "10:00")
CHECK_EVENING_CUTOFF = env_time("HONGYIXING_CHECK_EVENING_CUTOFF", "20:00")
ABNORMAL_TEMPERATURE = env_str("HONGYIXING_ABNORMAL_TEMPERATURE") or "37.3"
TRANSFER_OPEN_LOOP_MINUTES = env_int("HONGYIXING_TRANSFER_OPEN_LOOP_MINUTES", 240, minimum=10)
FEVER_CLINIC = env_str("HONGYIXING_FEVER_CLINIC") or "洪泽区人民医院发热门诊"
# The daily report's data cut-off (一天一调度: figures of day D run from D−1 at this time to D).
REPORT_CUTOFF = env_time("HONGYIXING_REPORT_CUTOFF", "16:00")
RELEASE_NOTICE_ISSUER = env_str("HONGYIXING_RELEASE_ISSUER") or "淮安市洪泽区新冠肺炎疫情防控指挥部"

# Field work without signal (core/offline.py, /sw.js): the pages a service worker keeps for offline use
# (path prefixes; "/" is the home page alone). The cache name changes with the static files, so a
# release never serves yesterday's scripts.
OFFLINE_PAGES = (
    "/",
    "/verification/my/",
    "/verification/tasks/",
    "/control/today/",
    "/control/measures/",
    "/command/screening/",
    "/r/",
)


def _static_version() -> str:
    import hashlib

    digest = hashlib.sha256()
    for item in sorted((PACKAGE_DIR / "static" / "hongyixing").glob("*")):
        digest.update(item.name.encode() + item.read_bytes())
    return digest.hexdigest()[:12]


OFFLINE_CACHE_VERSION = _static_version()
