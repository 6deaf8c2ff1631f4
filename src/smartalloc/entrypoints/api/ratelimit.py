"""Token buckets in Redis, per IP and per user (the token's subject), shared by every API
process. The bucket is refilled and taken from in one Lua script on Redis's own clock, so
concurrent processes neither race nor disagree about time.

Redis down: fail open (serve, and say so in /readyz) or closed (503), as configured; after a
failure Redis is not asked again for a few seconds, so an outage does not slow every request.
No Redis configured (``redis_url = ""``, a one-process installation): no request limit, as
when Redis is down and the limiter fails open; sign-in keeps its own guard (``login_guard``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import redis
from fastapi import HTTPException

from smartalloc.entrypoints.api.security import decode_token
from smartalloc.entrypoints.api.settings import Settings

_BUCKET = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local retry = 0
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 else retry = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(retry)}
"""
BACKOFF_SECONDS = 5.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    unavailable: bool = False   # Redis could not be asked


class RateLimiter:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.on = bool(settings.rate_limit and settings.redis_url)
        if settings.redis_url:
            self.client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.25,
                                               socket_connect_timeout=0.25)
            self.script = self.client.register_script(_BUCKET)
        self.down_until = 0.0

    @property
    def state(self) -> str:
        if not self.settings.redis_url:
            return "disabled (no Redis configured)"
        if not self.settings.rate_limit:
            return "disabled"
        if time.monotonic() < self.down_until:
            return "fail-open" if self.settings.rate_limit_fail_open else "fail-closed"
        return "enforced"

    def subject(self, authorization: str) -> str | None:
        """The token's user, checked by the auth dependency's own decoder (no database)."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return str(decode_token(self.settings, token)["sub"])
        except HTTPException:
            return None

    def check(self, ip: str, user: str | None) -> Verdict:
        s = self.settings
        if not self.on:
            return Verdict(True)
        if time.monotonic() < self.down_until:
            return Verdict(s.rate_limit_fail_open, unavailable=True)
        rate = s.rate_limit / s.rate_limit_window
        keys = [f"{s.rate_limit_prefix}:ip:{ip}"] + ([f"{s.rate_limit_prefix}:user:{user}"]
                                                     if user else [])
        try:
            for key in keys:
                allowed, retry = self.script(keys=[key], args=[rate, s.rate_limit])
                if not int(allowed):
                    return Verdict(False, max(1, math.ceil(float(retry))))
        except redis.RedisError:
            self.down_until = time.monotonic() + BACKOFF_SECONDS
            return Verdict(s.rate_limit_fail_open, unavailable=True)
        return Verdict(True)
