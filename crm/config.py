"""Configuration read from the environment; TestConfig for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def file_store(value: str | os.PathLike) -> Path | str:
    """CRM_FILE_STORE: `s3://bucket/prefix` stays text (a bucket), anything else is a folder."""
    text = str(value)
    if text.startswith("s3://"):
        bucket, prefix = s3_location(text)
        return f"s3://{bucket}/{prefix}"
    return Path(text).resolve()


def s3_location(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` as ("bucket", "some/prefix/"); the prefix may be empty."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise ValueError(f"CRM_FILE_STORE={url!r} names no bucket: write s3://bucket/prefix")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def serve_address() -> str:
    """Where `flask serve` listens (HOST and PORT, as its banner shows them)."""
    host = os.environ.get("HOST", "127.0.0.1")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    return f"http://{shown}:{os.environ.get('PORT', '5000')}"


def limiter_storage_uri(redis_url: str) -> str:
    """The app's Redis URL as the `limits` library spells it (`unix://` is `redis+unix://`)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


class Config:
    """Settings for development and production; every value can come from the environment."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("CRM_ENV", "development")
        self.INSTANCE_PATH = Path(os.environ.get("CRM_INSTANCE_PATH", ROOT / "instance")).resolve()
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{self.INSTANCE_PATH / 'relasi.sqlite'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # Empty REDIS_URL means "the embedded Redis on a unix socket under instance/".
        self.REDIS_URL = os.environ.get("REDIS_URL") or f"unix://{self.embedded_redis_socket}"
        # A folder (a Path) or an S3-compatible bucket (`s3://bucket/prefix`, a str). The
        # bucket's endpoint and region; credentials come from boto3's usual chain
        # (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a profile or an instance role).
        self.FILE_STORE = file_store(
            os.environ.get("CRM_FILE_STORE") or self.INSTANCE_PATH / "files"
        )
        self.S3_ENDPOINT_URL = (
            os.environ.get("CRM_S3_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL") or None
        )
        self.S3_REGION = (
            os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or None
        )
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Secure cookies whenever we are served over HTTPS (production default).
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.is_production)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https" if self.is_production else "http"
        self.TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
        # Sessions: signed out after this long without a request, and this long after
        # signing in whatever happens; a form token never outlives the session.
        self.SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
        self.SESSION_LIFETIME_HOURS = int(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
        self.WTF_CSRF_TIME_LIMIT = self.SESSION_LIFETIME_HOURS * 3600
        # A form sent after the session ended is kept this long for the same user to get it
        # back, filled in, after signing in again.
        self.FORM_RESUME_MINUTES = int(os.environ.get("FORM_RESUME_MINUTES", "60"))
        # Rate limits (Flask-Limiter, counted in Redis). Failed sign-ins per account and
        # address, per account from anywhere, and per address: each tier a longer wait.
        self.RATELIMIT_STORAGE_URI = limiter_storage_uri(self.REDIS_URL)
        self.RATELIMIT_STRATEGY = "moving-window"
        self.RATELIMIT_KEY_PREFIX = "relasi-limit"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True  # Redis down: sign-in still works, unthrottled
        self.LOGIN_LIMIT_ACCOUNT_ADDRESS = os.environ.get(
            "LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per minute; 10 per 15 minutes; 20 per day"
        )
        self.LOGIN_LIMIT_ACCOUNT = os.environ.get(
            "LOGIN_LIMIT_ACCOUNT", "50 per 15 minutes; 200 per day"
        )
        self.LOGIN_LIMIT_ADDRESS = os.environ.get(
            "LOGIN_LIMIT_ADDRESS", "10 per minute; 30 per hour; 100 per day"
        )
        self.LETTER_PREVIEW_LIMIT = os.environ.get(
            "LETTER_PREVIEW_LIMIT", "10 per minute; 100 per day"
        )
        self.VERIFY_LIMIT = os.environ.get("VERIFY_LIMIT", "30 per minute; 300 per hour")
        self.BABEL_DEFAULT_LOCALE = "id"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("CRM_TIMEZONE", "Asia/Jakarta")
        self.LANGUAGES = ("id", "en")
        self.PAGE_SIZE = 50
        # Jobs: how often a running job proves it is alive, and when it is presumed dead.
        self.JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "5"))
        self.JOB_LEASE_SECONDS = float(os.environ.get("JOB_LEASE_SECONDS", "30"))
        self.JOB_MAX_DISPATCHES = int(os.environ.get("JOB_MAX_DISPATCHES", "5"))
        self.JOB_TIMEOUT_SECONDS = int(os.environ.get("JOB_TIMEOUT_SECONDS", "1800"))
        # A worker process beats a Redis key at least every third of this; /healthz turns 503
        # when no worker has beaten for longer.
        self.WORKER_LEASE_SECONDS = float(os.environ.get("WORKER_LEASE_SECONDS", "45"))
        self.SWEEP_EVERY_SECONDS = int(os.environ.get("SWEEP_EVERY_SECONDS", "60"))
        self.SCHEDULER_TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS", "5"))
        # Modules whose @job_handler functions the worker registers (comma separated extras).
        extra = [m for m in os.environ.get("CRM_JOB_MODULES", "").split(",") if m.strip()]
        self.JOB_MODULES = [
            "crm.admin.jobs",
            "crm.accounts.jobs",
            "crm.compliance.jobs",
            "crm.cases.jobs",
            "crm.letters.jobs",
            "crm.supply_chain.jobs",
            "crm.sponsorships.jobs",
            "crm.partners.jobs",
            *extra,
        ]
        self.QUEUE_NAME = os.environ.get("CRM_QUEUE", "relasi")
        # Account/key-person import and export: files above the sync limits go to a job.
        self.IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 2**20)))
        self.IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))
        self.IMPORT_SYNC_MAX_ROWS = int(os.environ.get("IMPORT_SYNC_MAX_ROWS", "1000"))
        self.EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", "1000"))
        # The core system's monthly compliance export: one row per account, 100k and more.
        self.COMPLIANCE_IMPORT_MAX_ROWS = int(
            os.environ.get("COMPLIANCE_IMPORT_MAX_ROWS", "200000")
        )
        self.COMPLIANCE_IMPORT_MAX_BYTES = int(
            os.environ.get("COMPLIANCE_IMPORT_MAX_BYTES", str(40 * 2**20))
        )

        # Letters: bulk drafting (above the sync limit a job drafts them), the public
        # verification upload, and batch downloads built in a job above their sync limit.
        self.LETTER_RENDER_TIMEOUT = float(os.environ.get("LETTER_RENDER_TIMEOUT", "30"))
        self.LETTER_BULK_MAX = int(os.environ.get("LETTER_BULK_MAX", "5000"))
        self.LETTER_BULK_SYNC_MAX = int(os.environ.get("LETTER_BULK_SYNC_MAX", "200"))
        self.LETTER_VERIFY_MAX_BYTES = int(
            os.environ.get("LETTER_VERIFY_MAX_BYTES", str(10 * 2**20))
        )
        self.LETTER_DOWNLOAD_SYNC_MAX = int(os.environ.get("LETTER_DOWNLOAD_SYNC_MAX", "300"))
        # The public address printed in each letter's verification QR code; a render job has
        # no request to take it from (e.g. https://relasi.example.go.id).
        # Unset outside production: the address `make run` (flask serve) listens on.
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or (
            "" if self.is_production else serve_address()
        )
        # Agreement documents (PDF only). A request body up to AGREEMENT_MAX_REQUEST_BYTES is
        # read so an oversized file gets its message next to the field; a larger body is
        # refused (413) before it is parsed.
        self.AGREEMENT_MAX_UPLOAD_BYTES = int(
            os.environ.get("AGREEMENT_MAX_UPLOAD_BYTES", str(20 * 2**20))
        )
        self.AGREEMENT_MAX_REQUEST_BYTES = int(
            os.environ.get("AGREEMENT_MAX_REQUEST_BYTES", str(64 * 2**20))
        )
        # Partner portal invitations: the link works once, for this many days.
        self.PARTNER_INVITE_DAYS = int(os.environ.get("PARTNER_INVITE_DAYS", "7"))
        # Outgoing mail (partner invitations). No SMTP_HOST: the RM is shown the link instead.
        self.SMTP_HOST = os.environ.get("SMTP_HOST", "")
        self.SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
        self.SMTP_USER = os.environ.get("SMTP_USER", "")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
        self.SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "Relasi <no-reply@relasi.invalid>")

    @property
    def is_production(self) -> bool:
        return self.ENV_NAME == "production"

    @property
    def embedded_redis_socket(self) -> Path:
        return self.INSTANCE_PATH / "redis.sock"

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


class TestConfig(Config):
    """Settings for pytest: a database and Redis given by the test fixtures."""

    def __init__(self, database_url: str, redis_url: str, instance_path: Path) -> None:
        os.environ.setdefault("CRM_INSTANCE_PATH", str(instance_path))
        super().__init__()
        self.ENV_NAME = "testing"
        self.TESTING = True
        self.INSTANCE_PATH = instance_path
        self.FILE_STORE = instance_path / "files"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.REDIS_URL = redis_url
        self.RATELIMIT_STORAGE_URI = limiter_storage_uri(redis_url)
        self.SECRET_KEY = "test-secret-key"  # noqa: S105
        self.SERVER_NAME = None
        self.JOB_HEARTBEAT_SECONDS = 0.5
        self.JOB_LEASE_SECONDS = 3
        self.SMTP_HOST = ""  # a test that sends mail starts its own server
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or serve_address()
