"""LOG_FORMAT: text lines and JSON lines, both masked (tracebacks too), both naming the update being
handled; and the update's ids reach every line logged while it is handled, in any module and task."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.app.logs import configure_logging, tag_records
from bot.config import Settings, load_settings
from bot.handlers import observe
from tests.conftest import run_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import replies

TOKEN = "7654321:AAH-not-a-real-token_abcdefghijkl"
KEY = "local-Key-Zq9xW7vT3"  # not sk-shaped: only the settings can tell it is a secret
probe = logging.getLogger("tests.probe")


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """configure_logging changes the root logger and the record factory: put them back after the test."""
    root = logging.getLogger()
    handlers, level, factory = root.handlers[:], root.level, logging.getLogRecordFactory()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def _settings(log_format: str) -> Settings:
    return load_settings(_env_file=None, telegram_bot_token=TOKEN, openai_api_key=KEY, log_format=log_format)


BOT_API = Settings.model_fields["telegram_base_url"].default  # the public Bot API's URL, as httpx errors show it


def _log_a_leaky_failure() -> None:
    try:
        raise RuntimeError(f"POST {BOT_API}{TOKEN}/sendMessage failed (key {KEY})")
    except RuntimeError:
        probe.exception("sending failed for %s", KEY)


def test_json_lines_parse_and_hide_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(_settings("json"))
    _log_a_leaky_failure()
    probe.warning("plain «خبر» line")
    err = capsys.readouterr().err
    assert TOKEN not in err and TOKEN.partition(":")[2] not in err and KEY not in err
    failure, plain = (json.loads(line) for line in err.splitlines())
    assert failure["level"] == "ERROR" and failure["logger"] == "tests.probe"
    assert failure["message"] == "sending failed for ***"
    assert failure["exc_info"].startswith("Traceback (most recent call last):")
    assert f"RuntimeError: POST {BOT_API}***/sendMessage failed (key ***)" in failure["exc_info"]
    assert failure["update_id"] is None and failure["chat_id"] is None
    assert failure["time"].endswith("+00:00")
    assert plain["message"] == "plain «خبر» line" and "exc_info" not in plain


def test_text_lines_hide_secrets_and_name_the_update(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(_settings("text"))
    tag_records(observe.CURRENT)
    _log_a_leaky_failure()

    async def in_an_update() -> None:
        observe.CURRENT.set((31, -1007))
        probe.warning("inside")

    asyncio.run(in_an_update())
    probe.warning("outside")
    err = capsys.readouterr().err
    assert TOKEN not in err and KEY not in err
    assert "bot***/sendMessage" in err
    inside, outside = (line for line in err.splitlines() if line.endswith(("inside [update=31 chat=-1007]", "outside")))
    assert " WARNING tests.probe: inside [update=31 chat=-1007]" in inside
    assert outside.endswith("tests.probe: outside")


async def test_every_line_logged_while_an_update_is_handled_names_it(
    bot_settings, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """Two updates handled at once: a later handler group, a task it starts and the pipeline all log
    with the update's ids, each with its own."""

    async def later_group(update: Update, _: object) -> None:
        await asyncio.sleep(0.2)  # both updates are in flight at once
        probe.info("group 5 of %s", update.update_id)
        await asyncio.create_task(spawned(update.update_id))

    async def spawned(update_id: int) -> None:
        probe.info("task of %s", update_id)

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_link = f"http://127.0.0.1:{closed.getsockname()[1]}/news/1"
    async with run_bot(bot_settings(), telegram) as running:
        running.application.add_handler(TypeHandler(Update, later_group), group=5)
        with caplog.at_level(logging.INFO):
            telegram.send_command(501, "help", language_code="en")
            telegram.send_text(502, dead_link, language_code="en")
            await replies(telegram, 501)
            await replies(telegram, 502)
            await telegram.wait_for(lambda: len([r for r in caplog.records if r.name == "tests.probe"]) == 4)
    ids = {r.getMessage(): (getattr(r, "update_id", None), getattr(r, "chat_id", None)) for r in caplog.records}
    updates = sorted(update for update, _ in ids.values() if update is not None)
    assert len(set(updates)) == 2
    first_id, second_id = updates[0], updates[-1]
    for update_id, chat in ((first_id, 501), (second_id, 502)):
        assert ids[f"group 5 of {update_id}"] == (update_id, chat)
        assert ids[f"task of {update_id}"] == (update_id, chat)
    [fetch] = [r for r in caplog.records if r.name == "bot.pipeline.fetch"]
    assert (fetch.update_id, fetch.chat_id) == (second_id, 502)  # type: ignore[attr-defined]
