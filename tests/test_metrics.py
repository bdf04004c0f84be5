"""METRICS_PORT: /metrics and /healthz scraped over HTTP from the running bot, in polling and in webhook
mode; the daily tally flushed to Redis (and kept while Redis is down)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from bot.app.application import StartupError, build_application, preflight, webhook_options
from bot.app.metrics import flush_stats
from bot.config import Settings
from bot.metrics import record_user, take_tally, today
from bot.store import Store
from tests.conftest import RunningBot, busy_port, run_bot
from tests.fakes.cluster import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import replies
from tests.test_cli import _one_clean_line

USER = 4242
SECRET = "s3cret-Token_1"


@pytest.fixture(autouse=True)
def _empty_tally() -> None:
    """Counts left by other tests' bots are not this test's."""
    take_tally()


def _metrics_settings(bot_settings: Any, **overrides: object) -> Settings:
    return bot_settings(metrics_listen="127.0.0.1", metrics_port=free_port(), **overrides)  # type: ignore[no-any-return]


async def _get(settings: Settings, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(f"http://127.0.0.1:{settings.metrics_port}{path}")


async def _updates_counted(settings: Settings, kind: str) -> float:
    """naba_updates_total{kind=…} as scraped (0 before the first one of that kind)."""
    response = await _get(settings, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    match = re.search(rf'^naba_updates_total{{kind="{kind}"}} (\S+)$', response.text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_polling_bot_counts_updates_and_is_healthy(bot_settings, telegram: FakeTelegram) -> None:
    settings = _metrics_settings(bot_settings)
    async with run_bot(settings, telegram) as running:
        before = await _updates_counted(settings, "message")
        telegram.send_command(USER, "help", language_code="en")
        await replies(telegram, USER)
        assert await _updates_counted(settings, "message") == before + 1
        scraped = (await _get(settings, "/metrics")).text
        assert re.search(r"^naba_last_update_timestamp [1-9]", scraped, re.MULTILINE)

        health = await _get(settings, "/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")

        updater = running.application.updater
        await updater.stop()
        try:
            health = await _get(settings, "/healthz")
            assert (health.status_code, health.text) == (503, "telegram: not polling\n")
        finally:
            await updater.start_polling(poll_interval=0, timeout=1)

        # The user was noted as active today; the flush puts it in Redis for /stats.
        await flush_stats(running.services.store)
        [day] = await running.services.store.day_stats([today()])
        assert day.active_users == 1
    with pytest.raises(httpx.ConnectError):  # post_shutdown closed the server
        await _get(settings, "/healthz")


async def test_polling_bot_without_redis_is_unhealthy(bot_settings, telegram: FakeTelegram) -> None:
    settings = _metrics_settings(bot_settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with run_bot(settings, telegram):
        health = await _get(settings, "/healthz")
        assert (health.status_code, health.text) == (503, "redis: not answering\n")
        assert (await _get(settings, "/metrics")).status_code == 200  # metrics need no Redis


@asynccontextmanager
async def _webhook_bot(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[RunningBot]:
    """The application as `run_webhook` starts it (post_init, then the webhook server), on 127.0.0.1."""
    options = webhook_options(settings) | {"listen": "127.0.0.1"}
    application = build_application(settings)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        await application.updater.start_webhook(**options)  # type: ignore[union-attr]
        try:
            yield RunningBot(application, telegram)
        finally:
            if application.updater.running:  # type: ignore[union-attr]
                await application.updater.stop()  # type: ignore[union-attr]
            await application.stop()
            await application.post_shutdown(application)  # type: ignore[misc]


def _webhook_settings(bot_settings: Any, **overrides: object) -> Settings:
    return _metrics_settings(
        bot_settings,
        webhook_url="https://naba.example.org/telegram",
        webhook_secret=SECRET,
        webhook_port=free_port(),
        **overrides,
    )


async def test_webhook_bot_counts_updates_and_is_healthy(bot_settings, telegram: FakeTelegram) -> None:
    settings = _webhook_settings(bot_settings)
    async with _webhook_bot(settings, telegram) as running:
        before = await _updates_counted(settings, "message")
        message = telegram.send_command(USER, "help", language_code="en")
        body = json.dumps({"update_id": 910001, "message": message})
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with httpx.AsyncClient() as client:
            posted = await client.post(
                f"http://127.0.0.1:{settings.webhook_port}/telegram", content=body, headers=headers
            )
        assert posted.status_code == 200
        await replies(telegram, USER)
        assert await _updates_counted(settings, "message") == before + 1
        health = await _get(settings, "/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")

        await running.application.updater.stop()  # type: ignore[union-attr]
        health = await _get(settings, "/healthz")
        assert (health.status_code, health.text) == (503, "telegram: webhook server down\n")


async def test_webhook_bot_without_redis_is_unhealthy(bot_settings, telegram: FakeTelegram) -> None:
    settings = _webhook_settings(bot_settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with _webhook_bot(settings, telegram):
        health = await _get(settings, "/healthz")
        assert (health.status_code, health.text) == (503, "redis: not answering\n")


async def test_a_busy_metrics_port_stops_the_start_in_one_line(bot_settings) -> None:
    with busy_port() as port:
        settings = bot_settings(metrics_listen="127.0.0.1", metrics_port=port)
        with pytest.raises(StartupError, match=rf"^port {port} is in use: set METRICS_PORT to a free port"):
            await preflight(build_application(settings), settings)
        # Taken between the check and the start: post_init says the same, once its services are open.
        application = build_application(settings)
        async with application:
            with pytest.raises(StartupError, match=rf"^port {port} is in use"):
                await application.post_init(application)  # type: ignore[misc]
            await application.post_shutdown(application)  # type: ignore[misc]


def test_naba_run_with_the_metrics_port_in_use_is_one_line(naba, telegram: FakeTelegram) -> None:
    with busy_port() as port:
        done = naba(
            "run",
            TELEGRAM_BOT_TOKEN=telegram.token,
            TELEGRAM_BASE_URL=telegram.base_url,
            METRICS_LISTEN="127.0.0.1",
            METRICS_PORT=str(port),
        )
    line = _one_clean_line(done, telegram.token)
    assert line == f"naba: port {port} is in use: set METRICS_PORT to a free port (or stop what uses it)"
    assert telegram.calls_to("getMe") == []  # refused before anything else


async def test_the_metrics_port_cannot_be_the_webhooks(bot_settings) -> None:
    port = free_port()
    settings = bot_settings(
        metrics_port=port, webhook_port=port, webhook_url="https://naba.example.org/telegram", webhook_secret=SECRET
    )
    with pytest.raises(StartupError, match="METRICS_PORT and WEBHOOK_PORT are both"):
        await preflight(build_application(settings), settings)


async def test_the_tally_waits_for_redis(settings_factory, redis_url: str) -> None:
    down = await Store.open(settings_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        record_user(1, b"k" * 32)
        await flush_stats(down)  # Redis does not answer: the counts are kept for the next flush
    finally:
        await down.close()
    up = await Store.open(settings_factory())
    try:
        await flush_stats(up)
        [day] = await up.day_stats([today()])
        assert day.active_users == 1
        assert take_tally() == {}
    finally:
        await up.close()


async def test_429s_from_telegram_and_the_model_are_counted(bot_settings, telegram: FakeTelegram, fake_openai) -> None:  # type: ignore[no-untyped-def]
    from tests.articles import WATER
    from tests.fakes.openai_api import Reply
    from tests.test_bot import CHANNEL

    settings = _metrics_settings(bot_settings)
    async with run_bot(settings, telegram):

        async def received(server: str) -> float:
            text = (await _get(settings, "/metrics")).text
            match = re.search(rf'^naba_429_received_total{{server="{server}"}} (\S+)$', text, re.MULTILINE)
            return float(match.group(1)) if match else 0.0

        before = {server: await received(server) for server in ("telegram", "model")}
        telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        fake_openai.enqueue(Reply.error(429, "slow down", retry_after=0.01))
        telegram.send_text(USER, WATER, forward_origin=CHANNEL)
        [brief] = await replies(telegram, USER)
        assert "الأردن" in brief.text  # both were retried, and the reader got the brief
        assert await received("telegram") == before["telegram"] + 1
        assert await received("model") == before["model"] + 1
