"""Everything the bot keeps in Redis, behind typed methods (the only package that touches Redis)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

from bot.config import Settings, safe_url
from bot.models import Article, CachedAnalysis
from bot.store import keys
from bot.store.access import AccessData
from bot.store.base import parse
from bot.store.chats import ChatData
from bot.store.client import Redis
from bot.store.digests import DigestData
from bot.store.embedded import EmbeddedValkey
from bot.store.endpoints import EndpointData
from bot.store.memory import MemoryData
from bot.store.owners import LegacyIndex, expire_at_least
from bot.store.pace import PaceData
from bot.store.parts import PartsData
from bot.store.usage import UsageData

log = logging.getLogger(__name__)

PARSE_OFF_LOOP = 100  # stored values read at once above which they are parsed in a worker thread


class Store(
    ChatData, DigestData, PartsData, UsageData, AccessData, LegacyIndex, EndpointData, MemoryData, PaceData
):
    """Typed access to the bot's Redis data; every key has the `naba:` prefix and (but subscriptions) a TTL."""

    def __init__(self, redis: Redis, *, ttl: int, embedded: EmbeddedValkey | None = None) -> None:
        super().__init__(redis, ttl=ttl)
        self._embedded = embedded

    @classmethod
    async def open(cls, settings: Settings) -> Store:
        """Connect to REDIS_URL, or start the embedded Valkey in DATA_DIR when it is unset."""
        embedded = None
        url = settings.redis_url
        if not url:
            embedded = EmbeddedValkey(settings.data_dir / "valkey")
            url = await embedded.start()
        store = cls(Redis(url), ttl=settings.cache_ttl_seconds, embedded=embedded)
        store.memory_ttl = settings.memory_seconds
        if not await store.redis.ping():
            log.warning("Redis at %s does not answer yet; the bot works without the cache", safe_url(url))
        return store

    async def close(self) -> None:
        """Close the connection and stop the embedded server if this process started one."""
        await self.redis.close()
        if self._embedded is not None:
            await self._embedded.stop()

    # --- articles and analyses ---------------------------------------------------------------

    async def get_analysis(self, namespace: str, fingerprint: str) -> CachedAnalysis | None:
        """The cached analysis of an article, if any."""
        return await self._get(keys.analysis(namespace, fingerprint), CachedAnalysis)

    async def put_analysis(
        self, namespace: str, fingerprint: str, cached: CachedAnalysis, *, ttl: int | None = None
    ) -> None:
        """Cache an analysis for CACHE_TTL_DAYS (or `ttl` seconds: a channel post's).

        The article's list of namespaces learns this one, so /forget finds the analysis in each.
        """
        key, listed = keys.analysis(namespace, fingerprint), keys.article_analyses(fingerprint)
        data, seconds = cached.model_dump_json(), min(ttl or self.ttl, self.ttl)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            pipe.sadd(listed, namespace)
            expire_at_least(pipe, listed, seconds)
            pipe.set(key, data, ex=seconds)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def get_article(self, fingerprint: str) -> Article | None:
        """An article's text and metadata."""
        return await self._get(keys.article(fingerprint), Article)

    async def get_many(self, namespace: str, ids: list[str]) -> list[tuple[Article | None, CachedAnalysis | None]]:
        """Articles and their cached analyses, in one round trip (a pipeline, so it works on a Cluster too)."""
        if not ids:
            return []

        async def read(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for article_id in ids:
                pipe.get(keys.article(article_id))
                pipe.get(keys.analysis(namespace, article_id))
            return await pipe.execute()

        raw = await self.redis.run(read, [None] * (2 * len(ids)))

        def decode() -> list[tuple[Article | None, CachedAnalysis | None]]:
            return [(parse(raw[i], Article), parse(raw[i + 1], CachedAnalysis)) for i in range(0, len(raw), 2)]

        # Parsing a day of channel posts takes a while: not on the event loop, where other chats wait.
        return await asyncio.to_thread(decode) if len(ids) > PARSE_OFF_LOOP else decode()

    async def put_article(self, article: Article, *, ttl: int | None = None) -> None:
        """Keep an article's text (follow-up questions and digests need it) for CACHE_TTL_DAYS.

        With a shorter `ttl` (a channel's post: digests need it for two days) an article already kept
        for longer (a reader sent it too) keeps its time; only a new one gets the short one.
        """
        key, data = keys.article(article.id), article.model_dump_json()
        if ttl is None or ttl >= self.ttl:
            await self.redis.run(lambda r: r.set(key, data, ex=self.ttl), None)
        else:
            await self.redis.run(lambda r: r.set(key, data, ex=ttl, nx=True), None)

    async def keep_analysis(self, namespace: str, fingerprint: str) -> None:
        """Keep an analysis for the full CACHE_TTL_DAYS from now (one made for a channel post had less)."""
        key, listed = keys.analysis(namespace, fingerprint), keys.article_analyses(fingerprint)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            expire_at_least(pipe, listed, self.ttl)
            pipe.expire(key, self.ttl, gt=True)
            return await pipe.execute()

        await self.redis.run(write, None)

    def analysis_lock(
        self, namespace: str, fingerprint: str, *, ttl: float, wait: float
    ) -> AbstractAsyncContextManager[bool]:
        """A lock shared by all replicas so one article costs one LLM call (see Redis.lock)."""
        return self.redis.lock(keys.analysis_lock(namespace, fingerprint), ttl=ttl, wait=wait)

    async def mark_failed(self, namespace: str, fingerprint: str, seconds: float) -> None:
        """Remember for `seconds` that an article's analysis failed (it is not retried meanwhile)."""
        key = keys.analysis_failed(namespace, fingerprint)
        await self.redis.run(lambda r: r.set(key, 1, px=max(1, int(seconds * 1000))), None)

    async def failed_recently(self, namespace: str, fingerprint: str) -> bool:
        """True while an article's failed analysis is remembered."""
        key = keys.analysis_failed(namespace, fingerprint)
        return bool(await self.redis.run(lambda r: r.exists(key), 0))
