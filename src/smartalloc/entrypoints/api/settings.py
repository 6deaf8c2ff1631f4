"""Service settings — from the environment or the data folder's ``smartalloc.toml`` — gathered
once so tests can pass their own; ``OPTIONS`` is the one table of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from smartalloc.bootstrap import configured, data_dir, database_url, event_key, kept_upload
from smartalloc.domain.errors import InputError, Problem
from smartalloc.domain.key_strength import check_secret
from smartalloc.service_layer.ports import InputPaths

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    jwt_secret: str
    jwt_issuer: str = "smartalloc"
    jwt_audience: str = "smartalloc-api"
    token_minutes: int = 60
    max_upload_bytes: int = 20 * MB
    max_upload_rows: int = 200_000
    redis_url: str = "redis://127.0.0.1:6379/0"
    policy_path: Path | None = None
    rate_limit: int = 100                 # requests per window per IP and per user; 0 = off
    rate_limit_window: float = 60.0       # seconds
    rate_limit_fail_open: bool = True     # Redis down: keep serving (True) or answer 503
    rate_limit_prefix: str = "smartalloc:rl"
    login_throttle: bool = True           # failed sign-ins counted per account and address
    queue: str = "auto"   # auto: procrastinate on PostgreSQL, a worker thread on SQLite; inline
    api_docs: bool = False   # /docs and /redoc (Swagger's assets come from a public CDN): opt in
    event_key: bytes = b""  # the pseudonym key (SMARTALLOC_EVENT_KEY); empty: bootstrap's rule
    otlp_endpoint: str = ""   # OTLP/HTTP collector for traces; empty: traces off
    otel_service_name: str = "smartalloc"

    @property
    def uses_pg_queue(self) -> bool:
        return self.queue == "postgres" or (self.queue == "auto"
                                            and self.database_url.startswith("postgresql"))

    @property
    def uploads(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def runs(self) -> Path:
        return self.data_dir / "runs"

    @classmethod
    def from_env(cls, *, require_secret: bool = True, require_key: bool = True) -> Settings:
        """Every setting of ``OPTIONS``: its environment variable, else the data folder's
        ``smartalloc.toml``, else its default. A missing or weak JWT secret stops the service:
        a guessable one would sign anyone in (a worker signs nothing and needs none). A missing
        or weak pseudonym key stops the service and the workers: events and logs name students
        under it (`smartalloc token` names nobody and needs none)."""
        secret = value("jwt_secret")
        if require_secret:
            check_secret("SMARTALLOC_JWT_SECRET", secret)
        key = event_key(required=True) if require_key else b""
        policy = value("policy")
        return cls(database_url=database_url(), data_dir=data_dir(), jwt_secret=secret,
                   jwt_issuer=value("jwt_issuer"), jwt_audience=value("jwt_audience"),
                   token_minutes=_number("token_minutes"),
                   max_upload_bytes=_number("max_upload_mb") * MB,
                   redis_url=value("redis_url"),
                   policy_path=Path(policy) if policy else None,
                   queue=value("queue"), event_key=key, api_docs=_flag("api_docs"),
                   rate_limit=_number("rate_limit"),
                   rate_limit_window=_number("rate_window", float),
                   rate_limit_fail_open=_flag("rate_fail_open"),
                   login_throttle=_flag("login_throttle"),
                   otlp_endpoint=value("otlp_endpoint"),
                   otel_service_name=value("otel_service_name"))


@dataclass(frozen=True)
class Option:
    """One setting: its key in ``smartalloc.toml``, its environment variable, its default and
    what it is for (the table of docs/api.md is held to this list by a test)."""

    key: str
    env: str
    default: str
    meaning: str
    secret: bool = False


# Every setting of the service, in one place. The data folder itself
# (``SMARTALLOC_DATA_DIR``) is read from the environment only: the file lives in it.
OPTIONS = (
    Option("database_url", "DATABASE_URL", "",
           "the database; empty: the SQLite file `smartalloc.sqlite` in the data folder"),
    Option("jwt_secret", "SMARTALLOC_JWT_SECRET", "",
           "signs sign-in tokens; generated on the first start", secret=True),
    Option("event_key", "SMARTALLOC_EVENT_KEY", "",
           "names students in events and logs (a keyed hash); generated on the first start; "
           "every machine of one database needs the same", secret=True),
    Option("redis_url", "REDIS_URL", "redis://127.0.0.1:6379/0",
           "rate limits and sign-in attempt counts (one process may do without: see below)"),
    Option("policy", "SMARTALLOC_POLICY", "",
           "the agency's policy.json; empty: the built-in policy (it stops every run until "
           "the managers' centres are set)"),
    Option("max_upload_mb", "SMARTALLOC_MAX_UPLOAD_MB", "20", "largest report accepted, MB"),
    Option("token_minutes", "SMARTALLOC_TOKEN_MINUTES", "60",
           "a session's idle limit: the page renews it while the operator works"),
    Option("queue", "SMARTALLOC_QUEUE", "auto",
           "jobs: auto (PostgreSQL queue with PostgreSQL, a thread with SQLite), postgres, "
           "inline"),
    Option("rate_limit", "SMARTALLOC_RATE_LIMIT", "100",
           "requests per window per address and per user; 0 = off"),
    Option("rate_window", "SMARTALLOC_RATE_WINDOW", "60", "the rate limit's window, seconds"),
    Option("rate_fail_open", "SMARTALLOC_RATE_FAIL_OPEN", "1",
           "Redis away: keep serving (1) or answer 503 (0); sign-in is never unguarded"),
    Option("login_throttle", "SMARTALLOC_LOGIN_THROTTLE", "1",
           "failed sign-ins counted per account and address (0 only for measurements)"),
    Option("api_docs", "SMARTALLOC_API_DOCS", "0",
           "serve /docs and /redoc (their assets come from a public CDN)"),
    Option("jwt_issuer", "SMARTALLOC_JWT_ISSUER", "smartalloc", "the tokens' issuer"),
    Option("jwt_audience", "SMARTALLOC_JWT_AUDIENCE", "smartalloc-api", "the tokens' audience"),
    Option("otlp_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "",
           "OpenTelemetry traces to this OTLP/HTTP collector (e.g. http://127.0.0.1:4318); "
           "empty: traces off"),
    Option("otel_service_name", "OTEL_SERVICE_NAME", "smartalloc",
           "the service name the traces carry"),
)
_BY_KEY = {option.key: option for option in OPTIONS}


def value(key: str) -> str:
    option = _BY_KEY[key]
    found = configured(option.env, key)
    return option.default if found is None else found


def _flag(key: str) -> bool:
    return value(key).strip().lower() not in ("0", "false", "no", "off", "")


def _number(key: str, kind: type = int):
    raw = value(key)
    try:
        return kind(raw)
    except ValueError:
        option = _BY_KEY[key]
        raise InputError(Problem(
            "SETTING_NOT_A_NUMBER", f"تنظیم {option.env} ({key}) باید عدد باشد: «{raw}»",
            f"the setting {option.env} ({key}) must be a number: '{raw}'")) from None


def upload_path(settings: Settings, file_id: str) -> Path:
    """Where an uploaded report is kept (its id names its folder)."""
    return kept_upload(settings.uploads, file_id)


def input_paths(settings: Settings, files: dict[str, str]) -> InputPaths:
    """A job's reports: role → uploaded file id, as paths."""
    return InputPaths(**{role: upload_path(settings, fid) for role, fid in files.items()})
