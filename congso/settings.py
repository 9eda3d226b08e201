"""congso settings: one file, driven by the environment.

Defaults give a working single-machine install on SQLite under ``var/``.
Set ``DATABASE_URL`` (e.g. ``postgres://user@127.0.0.1:5432/congso``) for PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from congso.core.env import env_bool, env_int, env_list, env_str, secret_key_from

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONGSO_VAR_DIR", str(BASE_DIR / "var")))
DATA_DIR = BASE_DIR / "data"

SECRET_KEY = secret_key_from(VAR_DIR)


def _derived_secret(purpose: str) -> str:
    import hashlib
    import hmac

    return hmac.new(SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()


DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "congso.core",
    "congso.geo",
    "congso.workcalendar",
    "congso.accounts",
    "congso.catalog",
    "congso.documents",
    "congso.dossiers",
    "congso.payments",
    "congso.payments.providers.simstore",
    "congso.notify",
    "congso.feedback",
    "congso.national",
    "congso.national.simulator",
    "congso.kpi",
    "congso.backoffice",
    "congso.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "congso.core.middleware.vietnamese_first",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "congso.core.middleware.reject_nul_characters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# API lists: bounded pages (a huge limit or offset is a 422, never a database error).
NINJA_PAGINATION_MAX_LIMIT = 500  # see congso/core/pagination.py

ROOT_URLCONF = "congso.urls"
WSGI_APPLICATION = "congso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "congso" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "congso.backoffice.context.office",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite: WAL, synchronous=FULL (these are legal records), IMMEDIATE write transactions and a
# busy timeout so concurrent writers queue instead of failing.
SQLITE_PATH = VAR_DIR / "congso.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("PG_PREPARED_STATEMENTS", True):
        # Server-side binding with prepared statements: the planner's work is done once per connection
        # (measured: postgres CPU 0.70 → 0.25 cores under the dossier benchmark). Behind pgbouncer in
        # transaction mode, set PG_PREPARED_STATEMENTS=0 unless it tracks prepared statements.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # django.db.backends.sqlite3, with writers queued on a file lock (congso/core/db/sqlite/base.py).
            "ENGINE": "congso.core.db.sqlite",
            "NAME": SQLITE_PATH,
            # Persistent connections: opening one (and running the PRAGMAs) per request costs more than
            # the request itself (bench: bare INSERT 533 → 1,028 req/s).
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY;"
                    "PRAGMA cache_size=-20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work (django-tasks API; database backend by default) --------------------------
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:queue"
AUTHENTICATION_BACKENDS = ["congso.accounts.backends.UsernameEmailOrPhoneBackend"]
# Login throttling: an identifier is locked after this many failures (for CONGSO_LOGIN_LOCK_SECONDS); a client
# address after the second number.
CONGSO_LOGIN_MAX_FAILURES = env_int("CONGSO_LOGIN_MAX_FAILURES", 5)
CONGSO_LOGIN_MAX_FAILURES_PER_CLIENT = env_int("CONGSO_LOGIN_MAX_FAILURES_PER_CLIENT", 30)
CONGSO_LOGIN_LOCK_SECONDS = env_int("CONGSO_LOGIN_LOCK_SECONDS", 900)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18n: Vietnamese first, English second --------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "congso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- congso ----------------------------------------------------------------------------------
# The province this installation serves (GSO code and agency identifier of its People's Committee).
CONGSO_PROVINCE_CODE = env_str("CONGSO_PROVINCE_CODE", "38")
CONGSO_PROVINCE_AGENCY_ID = env_str("CONGSO_PROVINCE_AGENCY_ID", "000.00.00.H56")
# Office hours (domain §3): configurable per province. "HH:MM-HH:MM" slots, comma separated.
CONGSO_OFFICE_HOURS = env_str("CONGSO_OFFICE_HOURS", "07:00-11:30,13:30-17:00")
CONGSO_WORKING_WEEKDAYS = env_str("CONGSO_WORKING_WEEKDAYS", "0,1,2,3,4")  # Monday=0
CONGSO_CALENDAR_YEARS = (2020, 2030)

# Dossier rules marked "configurable" in domain/procedures.md.
# Supplement requests per dossier (Decree 118/2025: once).
CONGSO_MAX_SUPPLEMENTS = env_int("CONGSO_MAX_SUPPLEMENTS", 1)
# "extend": the due time moves by the paused time; "restart": the full budget starts again (Decree 61/2018).
CONGSO_SUPPLEMENT_POLICY = env_str("CONGSO_SUPPLEMENT_POLICY", "extend")
# The appointment may be reset (Form 04) at most this many times.
CONGSO_MAX_EXTENSIONS = env_int("CONGSO_MAX_EXTENSIONS", 1)
# Warn this many working hours before a dossier falls due (default 1 working day).
CONGSO_DUE_WARNING_HOURS = env_int("CONGSO_DUE_WARNING_HOURS", 8)
# Paper dossiers received after this hour are transferred at the start of the next working day.
CONGSO_PAPER_TRANSFER_CUTOFF = env_str("CONGSO_PAPER_TRANSFER_CUTOFF", "15:00")
# Files: where the content-addressed store lives, the size limit, the accepted types.
CONGSO_FILES_DIR = Path(env_str("CONGSO_FILES_DIR", str(VAR_DIR / "files")))
CONGSO_MAX_UPLOAD_BYTES = env_int("CONGSO_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
CONGSO_ALLOWED_FILE_TYPES = tuple(env_str("CONGSO_ALLOWED_FILE_TYPES", "pdf,jpg,png,docx,xlsx").split(","))
# Public lookup: failed attempts allowed per client address and minute.
CONGSO_LOOKUP_FAILURES_PER_MINUTE = env_int("CONGSO_LOOKUP_FAILURES_PER_MINUTE", 10)
# Public transparency page (/minh-bach/): seconds each period's figures and ranking stay cached (0: no cache).
CONGSO_KPI_PUBLIC_CACHE_SECONDS = env_int("CONGSO_KPI_PUBLIC_CACHE_SECONDS", 300)
# The public address of this site, printed in QR codes on forms.
CONGSO_PUBLIC_URL = env_str("CONGSO_PUBLIC_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # pyHanko subsets fonts for signature appearances; fontTools logs every table at INFO.
    # pyHanko logs a traceback at ERROR for every revoked or expired certificate it is asked to verify; the
    # verdict is in the report, so the public verification page would only flood the log.
    "loggers": {
        "fontTools": {"level": "WARNING"},
        "pyhanko.sign.validation": {"level": "CRITICAL"},
        "pyhanko_certvalidator": {"level": "CRITICAL"},
    },
}

# ---- National Public Service Portal (DVCQG) integration (congso/national, domain §6) ----------------------
# With no CONGSO_DVCQG_URL the bundled simulator is mounted at /sim/dvcqg/ and used, so a fresh `make run`
# sees online dossiers arrive "from DVCQG". A deployment sets the real URL, token and webhook secret; the
# simulator is then off unless CONGSO_DVCQG_SIMULATOR=1.
CONGSO_DVCQG_URL = env_str("CONGSO_DVCQG_URL", "")
CONGSO_DVCQG_SIMULATOR = env_bool("CONGSO_DVCQG_SIMULATOR", not CONGSO_DVCQG_URL)
if not CONGSO_DVCQG_URL and CONGSO_DVCQG_SIMULATOR:
    CONGSO_DVCQG_URL = CONGSO_PUBLIC_URL.rstrip("/") + "/sim/dvcqg"
# Development defaults derive from SECRET_KEY (never a constant); production sets both (or *_FILE).
CONGSO_DVCQG_TOKEN = env_str("CONGSO_DVCQG_TOKEN", "") or _derived_secret("dvcqg-token")
CONGSO_DVCQG_WEBHOOK_SECRET = env_str("CONGSO_DVCQG_WEBHOOK_SECRET", "") or _derived_secret("dvcqg-webhook")
CONGSO_DVCQG_TIMEOUT = env_int("CONGSO_DVCQG_TIMEOUT", 10)
# Write outbox rows for DVCQG (off only for a deployment that does not report to DVCQG at all).
CONGSO_DVCQG_SYNC = env_bool("CONGSO_DVCQG_SYNC", True)
# Delivery retries: exponential backoff from 10 s, capped; after this many failed attempts a message waits
# for an administrator's manual retry (it is never dropped).
CONGSO_OUTBOX_MAX_BACKOFF_SECONDS = env_int("CONGSO_OUTBOX_MAX_BACKOFF_SECONDS", 3600)
CONGSO_OUTBOX_MAX_ATTEMPTS = env_int("CONGSO_OUTBOX_MAX_ATTEMPTS", 30)
# A worker claims a message for this long; a worker killed mid-delivery loses its claim after it.
CONGSO_OUTBOX_LEASE_SECONDS = env_int("CONGSO_OUTBOX_LEASE_SECONDS", 60)
# Periodic work queued by `manage.py run_periodic`: (task path, every N seconds).
CONGSO_PERIODIC_TASKS = [
    ("congso.dossiers.tasks.check_deadlines_task", 300),
    ("congso.national.tasks.deliver_outbox_task", env_int("CONGSO_OUTBOX_EVERY_SECONDS", 10)),
    ("congso.national.tasks.poll_inbound_task", env_int("CONGSO_DVCQG_POLL_SECONDS", 60)),
    ("congso.payments.tasks.poll_pending_task", env_int("CONGSO_PAYMENT_POLL_SECONDS", 60)),
    ("congso.payments.tasks.sweep_task", env_int("CONGSO_PAYMENT_SWEEP_SECONDS", 300)),
    ("congso.payments.tasks.daily_reconciliation_task", 3600),
    ("congso.notify.tasks.deliver_notifications_task", env_int("CONGSO_NOTIFY_EVERY_SECONDS", 30)),
]

# ---- Notifications to applicants (congso/notify) -------------------------------------------------------------
# E-mail through SMTP when EMAIL_HOST is set, else to the console (development, `make run`); SMS through a
# provider class (dotted path) with a ``send(phone, text)`` method; the default only logs.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "congso <khong-tra-loi@congso.invalid>")
CONGSO_SMS_PROVIDER = env_str("CONGSO_SMS_PROVIDER", "congso.notify.channels.LoggingSmsProvider")

# ---- Online fees and charges (congso/payments, domain §7) ---------------------------------------------------
# Each online provider is a folder under congso/payments/providers/ with a simulator. With no URL set, the
# simulators are mounted at /sim/payplatform/ and /sim/gateway/ so a fresh `make run` can pay end to end.
CONGSO_PAYPLATFORM_URL = env_str("CONGSO_PAYPLATFORM_URL", "")
CONGSO_GATEWAY_URL = env_str("CONGSO_GATEWAY_URL", "")
CONGSO_PAYMENT_SIMULATORS = env_bool("CONGSO_PAYMENT_SIMULATORS", not (CONGSO_PAYPLATFORM_URL or CONGSO_GATEWAY_URL))
if CONGSO_PAYMENT_SIMULATORS:
    CONGSO_PAYPLATFORM_URL = CONGSO_PAYPLATFORM_URL or CONGSO_PUBLIC_URL.rstrip("/") + "/sim/payplatform"
    CONGSO_GATEWAY_URL = CONGSO_GATEWAY_URL or CONGSO_PUBLIC_URL.rstrip("/") + "/sim/gateway"
# Online methods offered to citizens, in this order (a method without a URL is not offered).
CONGSO_PAYMENT_METHODS = [
    m
    for m in env_list("CONGSO_PAYMENT_METHODS", ["payplatform", "gateway"])
    if (m == "payplatform" and CONGSO_PAYPLATFORM_URL) or (m == "gateway" and CONGSO_GATEWAY_URL)
]
CONGSO_PAYPLATFORM_PARTNER = env_str("CONGSO_PAYPLATFORM_PARTNER", "CONGSO-THA")
CONGSO_PAYPLATFORM_SECRET = env_str("CONGSO_PAYPLATFORM_SECRET", "") or _derived_secret("payplatform")
CONGSO_GATEWAY_TMN_CODE = env_str("CONGSO_GATEWAY_TMN_CODE", "CONGSOTH")
CONGSO_GATEWAY_SECRET = env_str("CONGSO_GATEWAY_SECRET", "") or _derived_secret("gateway")
CONGSO_PAYMENT_TIMEOUT = env_int("CONGSO_PAYMENT_TIMEOUT", 10)
# An online attempt not confirmed after this long is asked about, then given up (the citizen can pay again).
CONGSO_PAYMENT_EXPIRY_MINUTES = env_int("CONGSO_PAYMENT_EXPIRY_MINUTES", 15)
# The account fees are paid into (ThongTinBienLai of the Payment Platform).
CONGSO_PAYMENT_BENEFICIARY = {
    "account": env_str("CONGSO_PAYMENT_ACCOUNT", "3511.0.1234567"),
    "bank": env_str("CONGSO_PAYMENT_BANK", "KBNN"),
    "name": env_str(
        "CONGSO_PAYMENT_ACCOUNT_NAME", "Kho bạc Nhà nước khu vực XI (Thanh Hóa) — tài khoản thu phí, lệ phí"
    ),
}
# E-receipts: the registered form number and the series prefix; a series is "<prefix>-<yy>E" per collecting
# agency code, numbered from 1 each year.
CONGSO_RECEIPT_FORM = env_str("CONGSO_RECEIPT_FORM", "01BLP0-001")
CONGSO_RECEIPT_SERIES_PREFIX = env_str("CONGSO_RECEIPT_SERIES_PREFIX", "TH")

# ---- Digital signatures (congso/documents/signing, exchange.md §2) ------------------------------------------
# Development and tests use a generated test PKI ("TEST — NOT A REAL CA"; `manage.py test_pki`) under this
# directory; a deployment lists its real trust roots, intermediates and CRLs (PEM paths) instead.
CONGSO_PKI_DIR = Path(env_str("CONGSO_PKI_DIR", str(VAR_DIR / "pki")))
CONGSO_SIGNING_TRUST_ROOTS = env_list("CONGSO_SIGNING_TRUST_ROOTS", [])
CONGSO_SIGNING_INTERMEDIATES = env_list("CONGSO_SIGNING_INTERMEDIATES", [])
CONGSO_SIGNING_CRLS = env_list("CONGSO_SIGNING_CRLS", [])
# Who holds the keys: "test-pki" (file keys issued by the test PKI, development only), or "external"
# (people sign with a USB token or a remote-signing service: digest out, signature in) / "pkcs11" (agency
# keys in an HSM, configured by CONGSO_PKCS11_*).
CONGSO_PERSON_SIGNER = env_str("CONGSO_PERSON_SIGNER", "test-pki")
CONGSO_AGENCY_SIGNER = env_str("CONGSO_AGENCY_SIGNER", "test-pki")
CONGSO_PKCS11 = {
    "module": env_str("CONGSO_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so"),
    "token": env_str("CONGSO_PKCS11_TOKEN", "congso"),
    "pin": env_str("CONGSO_PKCS11_PIN", ""),
    "cert_dir": env_str("CONGSO_PKCS11_CERT_DIR", str(VAR_DIR / "pki")),
}
# Largest PDF accepted for public verification.
CONGSO_VERIFY_MAX_BYTES = env_int("CONGSO_VERIFY_MAX_BYTES", 30 * 1024 * 1024)

# ---- Citizens' login through the national identity provider (VNeID-style OIDC; congso/accounts/oidc.py) -------------
# With no CONGSO_OIDC_ISSUER the bundled simulator is mounted at /sim/vneid/ and used, so a fresh `make run` offers
# "Đăng nhập bằng VNeID" with demo identities. A deployment sets the real issuer, client id and secret (or *_FILE);
# the simulator is then off unless CONGSO_OIDC_SIMULATOR=1 (never in production: anyone could pick an identity).
CONGSO_OIDC_ISSUER = env_str("CONGSO_OIDC_ISSUER", "")
CONGSO_OIDC_SIMULATOR = env_bool("CONGSO_OIDC_SIMULATOR", not CONGSO_OIDC_ISSUER)
if CONGSO_OIDC_SIMULATOR and not CONGSO_OIDC_ISSUER:
    CONGSO_OIDC_ISSUER = CONGSO_PUBLIC_URL.rstrip("/") + "/sim/vneid"
CONGSO_OIDC_CLIENT_ID = env_str("CONGSO_OIDC_CLIENT_ID", "congso" if CONGSO_OIDC_SIMULATOR else "")
CONGSO_OIDC_CLIENT_SECRET = env_str("CONGSO_OIDC_CLIENT_SECRET", "") or (
    _derived_secret("oidc-client") if CONGSO_OIDC_SIMULATOR else ""
)
# Where the provider sends the browser back (as registered with it); default: CONGSO_PUBLIC_URL + /tai-khoan/vneid/callback/
CONGSO_OIDC_REDIRECT_URI = env_str("CONGSO_OIDC_REDIRECT_URI", "")
CONGSO_OIDC_SCOPES = env_str("CONGSO_OIDC_SCOPES", "openid profile address phone")
# The provider's names for the personal identification number and the represented enterprises.
CONGSO_OIDC_CLAIM_ID_NUMBER = env_str("CONGSO_OIDC_CLAIM_ID_NUMBER", "id_number")
CONGSO_OIDC_CLAIM_ENTERPRISES = env_str("CONGSO_OIDC_CLAIM_ENTERPRISES", "enterprises")
CONGSO_OIDC_TIMEOUT = env_int("CONGSO_OIDC_TIMEOUT", 10)
CONGSO_OIDC_LEEWAY_SECONDS = env_int("CONGSO_OIDC_LEEWAY_SECONDS", 60)  # clock skew allowed on exp/iat
# The simulator's RSA signing key, generated on first use.
CONGSO_OIDC_SIMULATOR_KEY_FILE = Path(
    env_str("CONGSO_OIDC_SIMULATOR_KEY_FILE", str(VAR_DIR / "vneid-sim" / "signing-key.pem"))
)
