"""Service settings from the environment, gathered once so tests can pass their own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from smartalloc.bootstrap import database_url, event_key, kept_upload
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
        """A missing or weak JWT secret stops the service: a guessable one would sign anyone in
        (a worker signs nothing and needs none). A missing or weak pseudonym key stops the
        service and the workers: events and logs name students under it (`smartalloc token`
        names nobody and needs none)."""
        secret = os.environ.get("SMARTALLOC_JWT_SECRET", "")
        if require_secret:
            check_secret("SMARTALLOC_JWT_SECRET", secret)
        key = event_key(required=True) if require_key else b""
        data = os.environ.get("SMARTALLOC_DATA_DIR") or platformdirs.user_data_dir("smartalloc")
        policy = os.environ.get("SMARTALLOC_POLICY")
        return cls(database_url=database_url(), data_dir=Path(data), jwt_secret=secret,
                   jwt_issuer=os.environ.get("SMARTALLOC_JWT_ISSUER", "smartalloc"),
                   jwt_audience=os.environ.get("SMARTALLOC_JWT_AUDIENCE", "smartalloc-api"),
                   token_minutes=int(os.environ.get("SMARTALLOC_TOKEN_MINUTES", "60")),
                   max_upload_bytes=int(os.environ.get("SMARTALLOC_MAX_UPLOAD_MB", "20")) * MB,
                   redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                   policy_path=Path(policy) if policy else None,
                   queue=os.environ.get("SMARTALLOC_QUEUE", "auto"), event_key=key,
                   api_docs=os.environ.get("SMARTALLOC_API_DOCS", "0") in ("1", "true", "yes"),
                   rate_limit=int(os.environ.get("SMARTALLOC_RATE_LIMIT", "100")),
                   rate_limit_window=float(os.environ.get("SMARTALLOC_RATE_WINDOW", "60")),
                   rate_limit_fail_open=os.environ.get("SMARTALLOC_RATE_FAIL_OPEN", "1")
                   not in ("0", "false", "no"),
                   login_throttle=os.environ.get("SMARTALLOC_LOGIN_THROTTLE", "1")
                   not in ("0", "false", "no"))


def upload_path(settings: Settings, file_id: str) -> Path:
    """Where an uploaded report is kept (its id names its folder)."""
    return kept_upload(settings.uploads, file_id)


def input_paths(settings: Settings, files: dict[str, str]) -> InputPaths:
    """A job's reports: role → uploaded file id, as paths."""
    return InputPaths(**{role: upload_path(settings, fid) for role, fid in files.items()})
