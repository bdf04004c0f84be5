"""Everything the bot keeps in Redis, behind typed methods (the only package that touches Redis)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings, safe_url
from bot.models import Article, CachedAnalysis, Usage
from bot.store import keys
from bot.store.base import parse
from bot.store.chats import ChatData
from bot.store.client import Redis
from bot.store.digests import DigestData
from bot.store.embedded import EmbeddedValkey
from bot.store.owners import expire_at_least
from bot.store.parts import PartsData

log = logging.getLogger(__name__)

USAGE_TTL = 40 * 86_400
PARSE_OFF_LOOP = 100  # stored values read at once above which they are parsed in a worker thread


class Store(ChatData, DigestData, PartsData):
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

    async def put_analysis(self, namespace: str, fingerprint: str, cached: CachedAnalysis) -> None:
        """Cache an analysis for CACHE_TTL_DAYS.

        The article's list of namespaces learns this one, so /forget finds the analysis in each.
        """
        key, listed = keys.analysis(namespace, fingerprint), keys.article_analyses(fingerprint)
        data = cached.model_dump_json()

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            pipe.sadd(listed, namespace)
            expire_at_least(pipe, listed, self.ttl)
            pipe.set(key, data, ex=self.ttl)
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

    async def put_article(self, article: Article) -> None:
        """Keep an article's text (follow-up questions and digests need it)."""
        await self._set(keys.article(article.id), article)

    def analysis_lock(
        self, namespace: str, fingerprint: str, *, ttl: float, wait: float
    ) -> AbstractAsyncContextManager[bool]:
        """A lock shared by all replicas so one article costs one LLM call (see Redis.lock)."""
        return self.redis.lock(keys.analysis_lock(namespace, fingerprint), ttl=ttl, wait=wait)

    # --- usage -------------------------------------------------------------------------------

    async def add_usage(self, usage: Usage, user_id: int | None = None) -> None:
        """Count the tokens of LLM calls, for the bot and (when known) for the user, per UTC day."""
        if not usage.calls:
            return
        day = datetime.now(UTC).strftime("%Y-%m-%d")

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for key in [keys.usage(day)] + ([keys.user_usage(user_id, day)] if user_id is not None else []):
                pipe.hincrby(key, "prompt_tokens", usage.prompt_tokens)
                pipe.hincrby(key, "completion_tokens", usage.completion_tokens)
                pipe.hincrby(key, "calls", usage.calls)
                pipe.expire(key, USAGE_TTL)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def get_usage(self, day: str, user_id: int | None = None) -> Usage:
        """Tokens spent on a UTC day (YYYY-MM-DD), by the bot or by one user."""
        key = keys.usage(day) if user_id is None else keys.user_usage(user_id, day)
        raw = await self.redis.run(lambda r: r.hgetall(key), {})
        return Usage(**{k.decode(): int(v) for k, v in raw.items()})
