"""Webhook mode: Telegram's secret-token header is required; updates posted with it are handled."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from bot.app.application import build_application, webhook_options
from tests.articles import PORT
from tests.fakes.cluster import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies


@contextlib.asynccontextmanager
async def webhook_replica(bot_settings: Any, secret: str) -> AsyncIterator[str]:
    """A bot replica in webhook mode on its own port; yields the URL its webhook server listens on."""
    settings = bot_settings(webhook_url="https://naba.example.org/telegram", webhook_secret=secret)
    options = webhook_options(settings) | {"listen": "127.0.0.1", "port": free_port()}
    application = build_application(settings)
    async with application:
        await application.post_init(application)
        await application.start()
        await application.updater.start_webhook(**options)
        try:
            yield f"http://127.0.0.1:{options['port']}/telegram"
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)


async def test_webhook_checks_the_secret_token(bot_settings, telegram: FakeTelegram) -> None:
    async with webhook_replica(bot_settings, "s3cret-Token_1") as url:
        registered = telegram.calls_to("setWebhook")[-1].params
        assert registered["url"] == "https://naba.example.org/telegram"
        assert registered["secret_token"] == "s3cret-Token_1"
        message = telegram.send_text(7007, PORT, forward_origin=CHANNEL, language_code="en")
        body = json.dumps({"update_id": 900001, "message": message})
        headers = {"Content-Type": "application/json"}
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, content=body, headers=headers)
            wrong = await client.post(url, content=body, headers=headers | {"X-Telegram-Bot-Api-Secret-Token": "guess"})
            assert forged.status_code == wrong.status_code == 403
            assert telegram.bot_messages(7007) == []
            accepted = await client.post(
                url, content=body, headers=headers | {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
            )
            assert accepted.status_code == 200
        [brief] = await replies(telegram, 7007)
        assert "«We will not return until the safety agreement is signed»" in brief.text
