"""Settings for Grok Studio, read from the environment.

Defaults work on a laptop (SQLite, the ORM broker, local media under ``var/``);
production switches safety on with ``DJANGO_DEBUG=false``. Every variable is
listed in the README with its default.
"""

import ipaddress
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("STUDIO_VAR_DIR", default=str(BASE_DIR / "var")))

VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="insecure-development-key-only-for-local-use-change-me" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "grokstudio.accounts",
    "grokstudio.studio",
    "grokstudio.api",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grokstudio.signed_out.reload_into_sign_in",
]

ROOT_URLCONF = "grokstudio.urls"
WSGI_APPLICATION = "grokstudio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grokstudio.studio.web.context_processors.studio",
            ],
        },
    },
]

# SQLite by default, tuned for a web process and workers writing at once:
# WAL lets readers proceed during a write, IMMEDIATE transactions take the
# write lock up front instead of failing half-way with "database is locked".
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Keep connections between requests: opening one (and, on SQLite, setting its
# pragmas) would otherwise be paid again by every request, the poll included.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=600))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that worker processes started by tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache, shared by every process on the machine: django-q2's ORM broker keeps
# its clusters' reports there, the task API its per-token counts, and sessions
# (cached_db) are read from it before the database. Files, not the database cache:
# a session read from the database would cost every request a query, the poll's too.
# Past MAX_ENTRIES a write drops a third of the entries; a dropped session is read
# from the database again, so the cap only bounds the directory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
# With Redis (several machines), the cache, sessions included, and the task broker live there.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

Q_CLUSTER = {
    "name": "grokstudio",
    "orm": "default",
    # Workers mostly wait on xAI, the network and the database, so more of
    # them than cores keeps both cores busy.
    "workers": env.int("STUDIO_WORKERS", default=4),
    # A task that has not finished in `timeout` seconds is killed; an
    # unacknowledged one is delivered again after `retry`, which must be larger.
    # The Generation row, not the queue, decides whether work is still to do.
    "timeout": 1800,
    "retry": 1900,
    "max_attempts": 3,
    "poll": 0.2,
    # The ORM broker hands out tasks ten at a time: fewer round trips when hundreds are queued.
    "bulk": 10,
    "catch_up": False,
    # Successful tasks leave no row behind: the Generation table is the record.
    "save_limit": -1,
    "log_level": "WARNING",
    "ack_failures": True,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "studio:gallery"
LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STUDIO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# S3-compatible object storage (AWS, MinIO, ...) for media when a bucket is
# named. Objects stay private; they leave through the same owner-checked views.
STUDIO_S3_BUCKET = env.str("STUDIO_S3_BUCKET", default="")
if STUDIO_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STUDIO_S3_BUCKET,
            "endpoint_url": env.str("STUDIO_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("STUDIO_S3_REGION", default="") or None,
            # Empty: boto3 finds credentials itself (AWS_* variables, an instance role).
            "access_key": env.str("STUDIO_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("STUDIO_S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "addressing_style": env.str("STUDIO_S3_ADDRESSING_STYLE", default="") or None,
            # A download is read through a temporary file: at most this much in memory.
            "max_memory_size": 4 * 1024 * 1024,
        },
    }
# Media is private: no URL pattern serves MEDIA_ROOT; files leave through
# views that check the owner first.
MEDIA_ROOT = env.path("STUDIO_MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/no-public-media/"
# Behind nginx: the internal location it serves MEDIA_ROOT from (e.g.
# "/protected-media/"); downloads then leave through X-Accel-Redirect.
STUDIO_ACCEL_REDIRECT_PREFIX = env.str("STUDIO_ACCEL_REDIRECT_PREFIX", default="")

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Health probes come from inside (a container's own check, a load balancer) over HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Behind a proxy that terminates TLS (nginx in compose.yaml), opt in to trust its
# X-Forwarded-Proto header; never on by default, as a client could send it itself.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp) ------------------------------------
# Scripts and styles come only from the studio's own static files: no inline code, no
# style attribute, no eval (base.html tells htmx so). Images and clips come from the
# studio's own views, a bucket's too, as these stream them; `blob:` is the preview of
# a file being attached; `data:` the QR code of a new authenticator app (allauth's MFA
# page draws it inline). No form-action: Chromium applies it to the redirects that
# follow a post, so signing in through an identity provider (a post to the studio that
# redirects to the provider) would be refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # django-q2 logs every enqueue at INFO: one line per generation is noise.
    "loggers": {"django-q": {"level": "WARNING"}},
}

# --- xAI ------------------------------------------------------------------
XAI_API_KEY = env.str("XAI_API_KEY", default="")
XAI_API_HOST = env.str("XAI_API_HOST", default="api.x.ai")
# Set by `make run` (and tests) when the studio talks to the offline emulator;
# every page then says so.
XAI_EMULATOR = env.bool("STUDIO_XAI_EMULATOR", default=False)
XAI_TIMEOUT_S = env.float("STUDIO_XAI_TIMEOUT_S", default=120.0)
# A progress poll is cheap and repeated: a short deadline keeps one slow answer from stalling a cycle.
XAI_POLL_TIMEOUT_S = env.float("STUDIO_XAI_POLL_TIMEOUT_S", default=10.0)
# Grok's chat model for prompt help ("Improve", "Describe"): it must take text and images.
STUDIO_PROMPT_MODEL = env.str("STUDIO_PROMPT_MODEL", default="grok-4")

# --- The studio's own limits (STUDIO_*) --------------------------------------
# Share links: one item visible to whoever holds its link. Off, every link answers 404.
STUDIO_ALLOW_SHARING = env.bool("STUDIO_ALLOW_SHARING", default=True)
STUDIO_MAX_UPLOAD_MB = env.int("STUDIO_MAX_UPLOAD_MB", default=10)
STUDIO_MAX_IMAGE_PIXELS = env.int("STUDIO_MAX_IMAGE_PIXELS", default=50_000_000)
STUDIO_POLL_INTERVAL_S = env.float("STUDIO_POLL_INTERVAL_S", default=2.0)
# With nothing at work, an open gallery (in a visible tab) still asks this often,
# so that work started elsewhere (the task API, another tab) shows up in it.
STUDIO_IDLE_POLL_INTERVAL_S = env.float("STUDIO_IDLE_POLL_INTERVAL_S", default=15.0)
# Rate limits and provider outages: how often and how patiently to try again.
STUDIO_RETRY_ATTEMPTS = env.int("STUDIO_RETRY_ATTEMPTS", default=4)
STUDIO_RETRY_BASE_DELAY_S = env.float("STUDIO_RETRY_BASE_DELAY_S", default=2.0)
STUDIO_DOWNLOAD_TIMEOUT_S = env.float("STUDIO_DOWNLOAD_TIMEOUT_S", default=30.0)
# Videos: how often each in-flight request is asked about, how many at once,
# and how long the studio waits for one before it gives up (`timeout`).
STUDIO_VIDEO_POLL_INTERVAL_S = env.float("STUDIO_VIDEO_POLL_INTERVAL_S", default=4.0)
STUDIO_POLL_CONCURRENCY = env.int("STUDIO_POLL_CONCURRENCY", default=32)
STUDIO_VIDEO_DEADLINE_S = env.float("STUDIO_VIDEO_DEADLINE_S", default=1800.0)
STUDIO_MAX_VIDEO_UPLOAD_MB = env.int("STUDIO_MAX_VIDEO_UPLOAD_MB", default=100)
# xAI's per-key rates: every paid call leaves from the poller, which paces them
# (grokstudio/studio/generation/ratelimit.py) and learns its margin from xAI's refusals.
STUDIO_XAI_IMAGE_RPS = env.float("STUDIO_XAI_IMAGE_RPS", default=5.0)
STUDIO_XAI_VIDEO_RPS = env.float("STUDIO_XAI_VIDEO_RPS", default=1.0)
# Image calls the poller may have in flight at once, each on its own thread: an image
# takes xAI seconds to draw, so reaching the image rate takes rate x seconds per image.
STUDIO_IMAGE_THREADS = env.int("STUDIO_IMAGE_THREADS", default=48)
# The task API: requests per token (django-ninja's rate syntax, e.g. "120/m"), and
# how many tasks one person may have waiting or at work before a POST gets 429.
STUDIO_API_RATE = env.str("STUDIO_API_RATE", default="120/m")
STUDIO_API_MAX_PENDING = env.int("STUDIO_API_MAX_PENDING", default=50)
# Where the studio may reach on a caller's word (grokstudio/api/outbound.py), in
# ALLOWED_HOSTS syntax ("images.example.com", ".example.com", "*"); empty allows none.
# Reference images named by URL are fetched only from STUDIO_API_FETCH_HOSTS, and
# callbacks go only to STUDIO_API_CALLBACK_HOSTS. Private and local addresses are
# refused even then, unless in that use's *_PRIVATE_NETWORKS (e.g. "10.0.0.0/8").
STUDIO_API_FETCH_HOSTS = env.list("STUDIO_API_FETCH_HOSTS", default=[])
STUDIO_API_CALLBACK_HOSTS = env.list("STUDIO_API_CALLBACK_HOSTS", default=[])
# Parsed here, so that a mistyped network stops the studio at start-up rather than a request.
STUDIO_API_FETCH_PRIVATE_NETWORKS = [
    str(ipaddress.ip_network(net, strict=False))
    for net in env.list("STUDIO_API_FETCH_PRIVATE_NETWORKS", default=[])
]
STUDIO_API_CALLBACK_PRIVATE_NETWORKS = [
    str(ipaddress.ip_network(net, strict=False))
    for net in env.list("STUDIO_API_CALLBACK_PRIVATE_NETWORKS", default=[])
]
# Certificates trusted for https reference hosts and callback receivers, as a PEM
# file (e.g. a company's own CA); unset means the system's.
STUDIO_API_CA_BUNDLE = env.str("STUDIO_API_CA_BUNDLE", default=None)
# A failed callback is tried again after this many seconds, four times longer each time.
STUDIO_API_CALLBACK_RETRY_S = env.float("STUDIO_API_CALLBACK_RETRY_S", default=30.0)
# Each person's monthly spending limit in USD unless an administrator sets
# their own; unset means no limit.
STUDIO_MONTHLY_BUDGET_USD = env.float("STUDIO_MONTHLY_BUDGET_USD", default=None)

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The gallery's selection posts one field per ticked item, up to
# studio.web.forms.BULK_MAX_ITEMS (1,000), plus a few of its own.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Hostile input -----------------------------------------------------------
# Requests are decoded as UTF-8 whatever charset they name (grokstudio/charset.py). It
# never answers a request, and it runs after auth, before any view or CSRF check reads form data.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "grokstudio.charset.utf8_requests",
)
# The task API reads JSON bodies up to its own, larger limit (grokstudio/api/api.py,
# body_limit()); DATA_UPLOAD_MAX_MEMORY_SIZE above stays the pages' limit.

# --- Accounts (django-allauth) -------------------------------------------------
# Sessions signed in before allauth name Django's ModelBackend: it stays, so they stay valid.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Open sign-up on a laptop; in production only when asked for. Invitations open it either way.
STUDIO_ALLOW_SIGNUP = env.bool("STUDIO_ALLOW_SIGNUP", default=DEBUG)
STUDIO_INVITE_DAYS = env.int("STUDIO_INVITE_DAYS", default=7)
# When set, every new account needs an e-mail address in one of these domains.
STUDIO_SIGNUP_DOMAINS = [d.strip().lower().lstrip("@") for d in env.list("STUDIO_SIGNUP_DOMAINS", default=[])]
STUDIO_REQUIRE_MFA = env.bool("STUDIO_REQUIRE_MFA", default=False)
STUDIO_EMAIL_VERIFICATION = env.str("STUDIO_EMAIL_VERIFICATION", default="optional")
if STUDIO_EMAIL_VERIFICATION not in ("none", "optional", "mandatory"):
    raise environ.ImproperlyConfigured("STUDIO_EMAIL_VERIFICATION must be none, optional or mandatory")

ACCOUNT_ADAPTER = "grokstudio.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "grokstudio.accounts.adapters.SocialAccountAdapter"
MFA_ADAPTER = "grokstudio.accounts.adapters.MFAAdapter"
ACCOUNT_FORMS = {
    "login": "grokstudio.accounts.forms.LoginForm",
    "signup": "grokstudio.accounts.forms.SignUpForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
_email_required = STUDIO_EMAIL_VERIFICATION == "mandatory" or bool(STUDIO_SIGNUP_DOMAINS)
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*" if _email_required else "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = STUDIO_EMAIL_VERIFICATION
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Grok Studio] "
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins for one account (or address) first slow down (5 per 5 minutes), then
    # lock it for up to an hour (20 per hour); one address may try 10 accounts a minute.
    "login_failed": "10/m/ip,5/5m/key,20/h/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env.str("STUDIO_MFA_ISSUER", default="Grok Studio")
# Browsers allow WebAuthn on http://localhost; anything else needs HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# Sign-in with the team's identity provider (OpenID Connect), configured here, not in the database.
STUDIO_OIDC_SERVER_URL = env.str("STUDIO_OIDC_SERVER_URL", default="")
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
if STUDIO_OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": "sso",
            "name": env.str("STUDIO_OIDC_NAME", default="Single sign-on"),
            "client_id": env.str("STUDIO_OIDC_CLIENT_ID"),
            "secret": env.str("STUDIO_OIDC_CLIENT_SECRET", default=""),
            "settings": {"server_url": STUDIO_OIDC_SERVER_URL},
        }
    )
SOCIALACCOUNT_ONLY = False
# The identity provider has already checked who this is; asking again would be a second sign-up.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False

# E-mail (password resets, verification): printed on the console unless EMAIL_URL names a server,
# e.g. smtp+tls://user:password@smtp.example.com:587.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Grok Studio <studio@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
