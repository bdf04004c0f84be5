"""The Redis connection: the only module that imports `redis`.

Redis is a cache and a shared memory here, never a single point of failure: when it cannot be
reached, every operation returns its "nothing stored" default, one warning is logged, and for a
few seconds no further attempt is made (so a dead Redis costs no latency); then it is tried again
and a line is logged when it answers. An error *answer* (OOM, WRONGTYPE) is not an outage: that
operation returns its default and an error is logged, and Redis stays in use.

A `redis+cluster://` (or `rediss+cluster://`) URL is a Redis Cluster: redis-py's RedisCluster
finds every node from the one named. The same code runs on both, because every command and script
names one key, or keys that share a hash tag (bot.store.keys), and nothing scans on a hot path.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ClusterError, MaxConnectionsError, RedisClusterException, RedisError, ResponseError

from bot.config import cluster_url

log = logging.getLogger(__name__)

# What `Redis.run` is given as its default by a caller that must tell "Redis did not answer" apart.
DOWN = object()
# Operations in flight at once, below the connection pool's size: a burst (a digest run, a crowd of
# updates) queues here instead of failing with "too many connections" (which is not an outage).
IN_FLIGHT = 96
POOL_CONNECTIONS = 128  # per server (per node of a Cluster)
RETRY_AFTER_SECONDS = 3.0  # how long a Redis that failed is left alone before the next try
REFUSAL_LOG_SECONDS = 60.0  # one log line a minute per kind of error answer (OOM, WRONGTYPE…)

# Deletes a lock only if we still own it (a lock that expired may belong to another process now).
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
# What redis-py's cluster client says when no node answers (an outage, not a bug of ours).
_CLUSTER_UNREACHABLE = ("cannot be connected", "could not agree", "no targets")


def connect(url: str) -> aioredis.Redis:
    """redis-py's asyncio client for a URL: a RedisCluster for `redis+cluster://`, else a single server.

    Typed as the single-server client: the store uses the commands both share (a cluster
    pipeline splits by node; a MULTI or a script stays in one hash slot).
    """
    options: dict[str, Any] = {
        "socket_connect_timeout": 1.0,
        "socket_timeout": 2.0,
        "retry": Retry(NoBackoff(), 1),  # one immediate retry heals a connection dropped by a restart
        "health_check_interval": 15,
        "max_connections": POOL_CONNECTIONS,
    }
    plain = cluster_url(url)
    if plain is None:
        return aioredis.from_url(url, **options)
    cluster: Any = aioredis.RedisCluster.from_url(plain, **options)
    return cast(aioredis.Redis, cluster)


class Redis:
    """A redis.asyncio client that degrades to "nothing stored" instead of failing."""

    def __init__(self, url: str, *, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        self.url = url
        self.retry_after = retry_after
        self.client: aioredis.Redis = connect(url)
        self._down_since: float | None = None
        self._next_try = 0.0
        self._refusals: dict[str, float] = {}  # error kind -> when it was last logged
        self._gate = asyncio.Semaphore(IN_FLIGHT)

    @property
    def available(self) -> bool:
        """False while Redis is considered down."""
        return self._down_since is None

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    async def run(self, op: Callable[[aioredis.Redis], Awaitable[Any]], default: Any) -> Any:
        """Run one operation; on a connection problem return `default`."""
        if self._down_since is not None and time.monotonic() < self._next_try:
            return default
        async with self._gate:
            now = time.monotonic()
            if self._down_since is not None and now < self._next_try:
                return default  # found down while this one waited its turn
            try:
                result = await op(self.client)
            except MaxConnectionsError as exc:  # every connection busy: this process is saturated, Redis is fine
                self._refused(exc, "every connection to Redis is busy (a burst of work)")
                return default
            except (RedisError, RedisClusterException, OSError) as exc:
                return self._failed(exc, now, default)
        if self._down_since is not None:
            log.warning("Redis is back after %.0f s: caching again", now - self._down_since)
            self._down_since = None
        return result

    def _failed(self, exc: Exception, now: float, default: Any) -> Any:
        """An operation's error: an outage (Redis is left alone for a few seconds) or a refusal (logged)."""
        if isinstance(exc, ClusterError):  # CLUSTERDOWN, or a cluster still failing after redirections
            return self._down(exc, now, default)
        if isinstance(exc, RedisClusterException) and not any(p in str(exc).lower() for p in _CLUSTER_UNREACHABLE):
            self._refused(exc)  # e.g. keys of one command in different slots: a bug to fix, not an outage
            return default
        if isinstance(exc, ResponseError):
            # Redis answered, with an error (OOM at maxmemory, WRONGTYPE, READONLY…): it is up, the
            # operation failed. Say so loudly (an operator must act), but do not stop using Redis.
            self._refused(exc)
            return default
        return self._down(exc, now, default)

    def _down(self, exc: BaseException, now: float, default: Any) -> Any:
        if self._down_since is None:
            self._down_since = now
            log.warning("Redis is unreachable (%s): working without the cache until it returns", exc)
        self._next_try = now + self.retry_after
        return default

    def _refused(self, exc: Exception, what: str | None = None) -> None:
        """Log an operation that failed while Redis is up, once a minute per kind of error."""
        kind = f"{type(exc).__name__}:{str(exc).split(' ', 1)[0]}"
        now = time.monotonic()
        if now - self._refusals.get(kind, -REFUSAL_LOG_SECONDS) >= REFUSAL_LOG_SECONDS:
            self._refusals[kind] = now
            if what is not None:
                log.warning("%s: an operation went without its data", what)
                return
            log.error(
                "Redis refused a command (%s: %s); going on without that data: check the server",
                type(exc).__name__,
                exc,
            )

    async def ping(self) -> bool:
        """Tell whether Redis answers now (ignores the back-off window)."""
        self._next_try = 0.0
        return bool(await self.run(lambda r: r.ping(), False))

    @asynccontextmanager
    async def lock(self, key: str, *, ttl: float, wait: float, poll: float = 0.05) -> AsyncIterator[bool]:
        """Hold `key` as a lock shared by every process; yields False when it could not be had.

        Waits up to `wait` seconds for another holder; the lock expires after `ttl` seconds in case
        its holder dies. Without Redis it yields False at once.
        """
        token = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        acquired = False
        while True:
            result: Any = await self.run(lambda r: r.set(key, token, nx=True, px=int(ttl * 1000)), DOWN)
            if result is DOWN:
                break  # Redis is down: go on without a lock
            if result:
                acquired = True
                break
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(poll)
        try:
            yield acquired
        finally:
            if acquired:
                await self.run(lambda r: r.eval(RELEASE, 1, key, token), None)
