"""The service's first start (issue J: a working service in two commands).

An operator types ``make serve`` and gets, without knowing any variable: the data folder (which
holds everything, the database included), a settings file with generated secrets that survive
restarts, an admin account with a one-time password shown once — its first sign-in must
replace it — and the address to open. Later starts print only the address.
"""

from __future__ import annotations

import secrets
import socket
from urllib.parse import urlparse

from smartalloc.bootstrap import bootstrap, config_path, create_config
from smartalloc.domain.users import FIRST_ADMIN
from smartalloc.entrypoints import render
from smartalloc.entrypoints.api.settings import OPTIONS, Settings
from smartalloc.service_layer.users import first_admin

_GENERATED = ("jwt_secret", "event_key")


def settings_text(*, redis_found: bool) -> str:
    """The first settings file: every option of ``OPTIONS`` with what it is for; the secrets
    generated; the others commented out at their defaults (an environment variable of the same
    setting wins over the file)."""
    lines = ["# SmartAlloc settings, made by the service's first start (docs/api.md#settings).",
             "# It holds secrets: keep it 0600 and back it up with the database; an environment",
             "# variable of the same setting wins over this file.", ""]
    for option in OPTIONS:
        lines.append(f"# {option.meaning} ({option.env})")
        if option.key in _GENERATED:
            lines.append(f'{option.key} = "{secrets.token_urlsafe(48)}"')
        elif option.key == "redis_url" and not redis_found:
            lines.append("# No Redis answered at the first start: sign-in attempts are counted "
                         "in the one service")
            lines.append("# process. Install Redis and set its URL here to run several.")
            lines.append('redis_url = ""')
        else:
            lines.append(f'# {option.key} = "{option.default}"')
        lines.append("")
    return "\n".join(lines)


def _say(text: str) -> None:
    render.console.print(text, soft_wrap=True, markup=False, highlight=False)


def redis_answers(url: str) -> bool:
    """Whether something listens at the Redis URL's address (a 0.5 s TCP connect)."""
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 0.5):
            return True
    except OSError:
        return False


def prepare(host: str, port: int) -> Settings:
    """Make what the first start makes, print what the operator needs, return the settings."""
    path = config_path()
    default_redis = next(o.default for o in OPTIONS if o.key == "redis_url")
    if create_config(settings_text(redis_found=redis_answers(default_redis)), path):
        _say(f"فایل تنظیمات با رمزهای تازه ساخته شد / settings file made, with generated "
             f"secrets: {path}")
    settings = Settings.from_env()
    password = first_admin(bootstrap(settings.database_url, key=settings.event_key).users())
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/ui/login"
    if password is not None:
        _say("\nحساب مدیر ساخته شد / the admin account was made\n"
             f"  نام کاربری / username:  {FIRST_ADMIN}\n"
             f"  گذرواژهٔ یک‌بارمصرف / one-time password:  {password}\n"
             "  فقط همین یک بار نمایش داده می‌شود؛ در نخستین ورود گذرواژهٔ خودتان را می‌گذارید.\n"
             "  Shown this once; the first sign-in asks you to choose your own.\n"
             f"  (گم شد؟ / lost it?  smartalloc users password {FIRST_ADMIN})")
    if not settings.redis_url:
        _say("Redis تنظیم نشده است: شمارش ورودهای ناموفق در همین یک فرایند / no Redis: "
             "failed sign-ins are counted in this one process")
    _say(f"\nنشانی / open:  {url}\n")
    return settings
