"""Signing in under attack (issue I, finding 4): 64 wrong passwords, 16 at a time, pushed
another user's request from 9 ms to 571 ms, with no throttle per account and none at all while
Redis was down. Three controls, in front of the one sign-in handler the API and the page share:

- **Failures are counted per account and per address** (Redis, shared by every process). From
  the ``ACCOUNT_FAILURES``-th failure of an account within ``WINDOW`` seconds it is refused for
  ``FIRST_LOCK`` seconds, doubling with each further failure up to ``MAX_LOCK``; an address
  likewise from its ``ADDRESS_FAILURES``-th. A refused attempt costs a Redis call, not an
  argon2 check, and says nothing about whether the account exists (unknown names are counted
  the same way). A success clears the account's count, not the address's.
- **Password checks run a few at a time** (``HASHING``: half the cores): argon2 is meant to be
  slow, and a burst of them must leave the rest of the service a core.
- **Redis down: sign-in is refused** (503), whatever ``SMARTALLOC_RATE_FAIL_OPEN`` says for
  other requests — without the counts, guessing would be unlimited.

``SMARTALLOC_LOGIN_THROTTLE=0`` turns the counts off (a test measuring argon2, a bench).
An installation with no Redis configured (``redis_url = ""``: the first start found none) is
one service process (``smartalloc serve`` refuses more), and keeps the same counts in that
process (``LocalCounts``) — never no counts.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time

import redis
from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from smartalloc.domain.users import UserView
from smartalloc.entrypoints.api.settings import Settings
from smartalloc.service_layer.users import sign_in

ACCOUNT_FAILURES, ADDRESS_FAILURES = 5, 30
WINDOW = 15 * 60
FIRST_LOCK, MAX_LOCK = 2, 15 * 60
HASHING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))
HASHING_WAIT = 10.0   # seconds a sign-in waits for a free password check before 503

# KEYS: fail counter, lock; ARGV: threshold, window, first lock, max lock.
_FAILED = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
local threshold = tonumber(ARGV[1])
if n >= threshold then
  local lock = math.min(tonumber(ARGV[3]) * 2 ^ (n - threshold), tonumber(ARGV[4]))
  redis.call('SET', KEYS[2], '1', 'EX', math.floor(lock))
end
return n
"""


class LocalCounts:
    """``_FAILED``'s counts and locks in this process, for an installation without Redis."""

    def __init__(self):
        self.lock = threading.Lock()
        self.expiry: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def _live(self, key: str, now: float) -> bool:
        if self.expiry.get(key, now + 1) <= now:
            self.expiry.pop(key, None)
            self.counts.pop(key, None)
        return key in self.counts

    def ttl(self, key: str) -> int:
        with self.lock:
            now = time.monotonic()
            return math.ceil(self.expiry[key] - now) if self._live(key, now) else -2

    def delete(self, key: str) -> None:
        with self.lock:
            self.counts.pop(key, None)
            self.expiry.pop(key, None)

    def failed(self, keys: list[str], args: list[int]) -> int:
        (failures, lock), (threshold, window, first, longest) = keys, args
        with self.lock:
            now = time.monotonic()
            n = (self.counts[failures] if self._live(failures, now) else 0) + 1
            self.counts[failures] = n
            self.expiry.setdefault(failures, now + window)
            if n >= threshold:
                self.counts[lock] = 1
                self.expiry[lock] = now + math.floor(min(first * 2 ** (n - threshold), longest))
            return n


class LoginGuard:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.on = settings.login_throttle
        if settings.redis_url:
            self.client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5,
                                               socket_connect_timeout=0.5)
            self.failed_script = self.client.register_script(_FAILED)
        else:
            self.client = LocalCounts()
            self.failed_script = self.client.failed

    def _keys(self, kind: str, value: str) -> tuple[str, str]:
        name = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        prefix = f"{self.settings.rate_limit_prefix}:login:{kind}:{name}"
        return f"{prefix}:failures", f"{prefix}:lock"

    def _locked_for(self, ip: str, username: str) -> int:
        waits = [self.client.ttl(self._keys(kind, value)[1])
                 for kind, value in (("account", username.casefold()), ("address", ip))]
        return max([0, *waits])

    def _failed(self, ip: str, username: str) -> None:
        for kind, value, threshold in (("account", username.casefold(), ACCOUNT_FAILURES),
                                       ("address", ip, ADDRESS_FAILURES)):
            self.failed_script(keys=list(self._keys(kind, value)),
                               args=[threshold, WINDOW, FIRST_LOCK, MAX_LOCK])

    def _succeeded(self, username: str) -> None:
        self.client.delete(self._keys("account", username.casefold())[0])

    def sign_in(self, users, ip: str, username: str, password: str) -> UserView | None:
        """The account, None for a wrong name or password, or HTTPException 429 (locked; the
        same for every name) / 503 (Redis away, or every password check busy)."""
        try:
            if self.on and (wait := self._locked_for(ip, username)) > 0:
                raise HTTPException(429, "too many failed sign-ins: wait and try again",
                                    {"Retry-After": str(wait)})
            if not HASHING.acquire(timeout=HASHING_WAIT):
                raise HTTPException(503, "sign-in is busy: try again", {"Retry-After": "5"})
            try:
                user = sign_in(users, username, password)
            finally:
                HASHING.release()
            if self.on:
                self._failed(ip, username) if user is None else self._succeeded(username)
        except redis.RedisError as exc:
            raise HTTPException(503, "sign-in is unavailable: the attempt counter (Redis) "
                                     "cannot be reached", {"Retry-After": "5"}) from exc
        return user


async def guarded_sign_in(request: Request, username: str, password: str) -> UserView | None:
    """Sign in through the guard of this app (the API's token route and the sign-in page)."""
    state = request.app.state
    ip = request.client.host if request.client else "unknown"
    return await run_in_threadpool(state.login_guard.sign_in, state.system.users(), ip,
                                   username, password)
