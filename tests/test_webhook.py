"""Webhook mode: Telegram's secret-token header is required; updates posted with it are handled."""

from __future__ import annotations

import json
import socket

import httpx

from bot.app.application import build_application, webhook_options
from tests.articles import PORT
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_checks_the_secret_token(bot_settings, telegram: FakeTelegram) -> None:
    settings = bot_settings(webhook_url="https://naba.example.org/telegram", webhook_secret="s3cret-Token_1")
    options = webhook_options(settings) | {"listen": "127.0.0.1", "port": _free_port()}
    application = build_application(settings)
    async with application:
        await application.post_init(application)
        await application.start()
        await application.updater.start_webhook(**options)
        try:
            registered = telegram.calls_to("setWebhook")[-1].params
            assert registered["url"] == "https://naba.example.org/telegram"
            assert registered["secret_token"] == "s3cret-Token_1"
            message = telegram.send_text(7007, PORT, forward_origin=CHANNEL, language_code="en")
            body = json.dumps({"update_id": 900001, "message": message})
            url = f"http://127.0.0.1:{options['port']}/telegram"
            headers = {"Content-Type": "application/json"}
            async with httpx.AsyncClient() as client:
                forged = await client.post(url, content=body, headers=headers)
                wrong = await client.post(
                    url, content=body, headers=headers | {"X-Telegram-Bot-Api-Secret-Token": "guess"}
                )
                assert forged.status_code == wrong.status_code == 403
                assert telegram.bot_messages(7007) == []
                accepted = await client.post(
                    url, content=body, headers=headers | {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
                )
                assert accepted.status_code == 200
            [brief] = await replies(telegram, 7007)
            assert "«We will not return until the safety agreement is signed»" in brief.text
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)
