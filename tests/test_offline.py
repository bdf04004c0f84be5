"""Naba without a model, and the rules standing in for one: the real bot against the fake Bot API.

`naba run` with nothing but a Telegram token answers with the labelled rule-based brief; with a
model (hybrid, the default), a dropped quote is still shown, and the rules stand in when the model
is down or the budget is spent; digests never lose a story for want of the model's analysis.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

import pytest

from bot.render.html import RLM
from bot.store import keys
from tests.articles import KNOWN, WATER, WATER_QUOTES
from tests.conftest import REPO, run_bot
from tests.fakes.model import StandInModel
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies
from tests.test_digest import advance, digests, run_job, soon

USER = 1001


def _every_quote_in_a_labelled_brief(text: str) -> None:
    assert "Made without a language model" in text
    for quote in WATER_QUOTES:
        assert f"«{quote}»" in text


def _buttons(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [b["text"] for row in message.reply_markup["inline_keyboard"] for b in row]


@pytest.mark.slow
async def test_the_bot_with_only_a_telegram_token_answers_with_the_rule_based_brief(
    telegram: FakeTelegram, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_BASE_URL": telegram.base_url,  # the fake Bot API stands in for Telegram's
        "DATA_DIR": str(tmp_path / "data"),  # no REDIS_URL: the embedded Valkey
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stdout=PIPE, stderr=PIPE
    )
    try:
        await telegram.wait_for(lambda: bool(telegram.calls_to("deleteWebhook")) or bot.returncode is not None, 60)
        assert bot.returncode is None, "the bot stopped at start"
        telegram.send_text(USER, WATER, forward_origin=CHANNEL)
        [brief] = await replies(telegram, USER, timeout=30)
        assert brief.text.startswith(RLM + "📰 ")
        assert "أُعدّ هذا الموجز دون نموذج لغوي" in brief.text  # labelled
        for quote in WATER_QUOTES:
            assert f"«{quote}»" in brief.text
        assert "سامر الخطيب" in brief.text
        assert _buttons(brief) == ["English", "🗣 من قال ماذا"]  # no "ask": nothing could answer
        # A question gets a clear reply, not silence or an error.
        telegram.send_text(USER, "ماذا قال الوزير عن الخطة؟", reply_to_message_id=brief.message_id)
        messages = await replies(telegram, USER, 2, timeout=30)
        assert "تحتاج إلى نموذج لغوي" in messages[-1].text
        # The language button: English says a translation needs a model; names in Latin letters.
        telegram.press_button(USER, brief.message_id, brief.reply_markup["inline_keyboard"][0][0]["callback_data"])
        await telegram.wait_for(lambda: "Made without a language model" in telegram.bot_messages(USER)[0].text, 30)
        english = telegram.bot_messages(USER)[0].text
        assert "A translation needs a language model" in english and "al-Khatib" in english
        assert f"«{WATER_QUOTES[1]}»" in english
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            _, err = await asyncio.wait_for(bot.communicate(), 30)
        except TimeoutError:
            bot.kill()
            _, err = await bot.communicate()
    assert bot.returncode == 0, err.decode()
    assert "Traceback" not in err.decode() and telegram.token not in err.decode()


async def test_a_quote_the_model_drops_is_still_in_the_brief(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    scripted = dict(KNOWN[WATER])
    scripted["quotes"] = scripted["quotes"][:1]  # the model missed two of the three
    fake_openai.set_responder(StandInModel({WATER: scripted}))
    async with run_bot(bot_settings(analyzer="auto"), telegram):  # auto with a model: hybrid
        telegram.send_text(USER, WATER, forward_origin=CHANNEL)
        [brief] = await replies(telegram, USER)
    for quote in WATER_QUOTES:
        assert f"«{quote}»" in brief.text
    assert "دون نموذج لغوي" not in brief.text  # the model made this brief
    assert _buttons(brief) == ["English", "❓ اسأل عن الخبر", "🗣 من قال ماذا"]
    assert fake_openai.calls == 1


async def test_when_the_model_is_down_the_rules_stand_in_and_say_why(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    fake_openai.set_responder(lambda request: Reply.error(503, "overloaded"))
    async with run_bot(bot_settings(analyzer="hybrid", openai_max_retries=0), telegram) as running:
        telegram.send_text(USER, WATER, forward_origin=CHANNEL, language_code="en")
        [brief] = await replies(telegram, USER)
        _every_quote_in_a_labelled_brief(brief.text)
        assert "could not analyse this article just now" in brief.text
        # Back up: a new forward of the same article gets the model's brief (the rules' was a stand-in).
        fake_openai.set_responder(StandInModel())
        running.services.pipeline.failed_seconds = 0
        await running.services.store.redis.run(
            lambda r: r.delete(keys.analysis_failed(running.services.pipeline.namespace, brief_article_id(running))),
            None,
        )
        telegram.send_text(USER, WATER, forward_origin=CHANNEL, language_code="en")
        messages = await replies(telegram, USER, 2)
    assert "Made without a language model" not in messages[-1].text
    assert "Amman hosts a regional summit" in messages[-1].text


def brief_article_id(running) -> str:  # type: ignore[no-untyped-def]
    return running.services.pipeline.prepare(WATER).id  # type: ignore[no-any-return]


async def test_a_spent_budget_gets_the_rule_based_brief_with_the_reset_time(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    async with run_bot(bot_settings(analyzer="hybrid", daily_token_budget=10), telegram):
        telegram.send_text(USER, WATER, forward_origin=CHANNEL, language_code="en")
        [brief] = await replies(telegram, USER)
    assert "Your daily analysis budget is spent (it resets in" in brief.text
    _every_quote_in_a_labelled_brief(brief.text)
    assert fake_openai.calls == 0  # refused before any call


async def test_a_digest_keeps_a_story_whose_model_analysis_expired(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    async with run_bot(bot_settings(analyzer="hybrid"), telegram) as running:
        telegram.send_command(USER, "subscribe", f"{soon(running)} UTC")
        await replies(telegram, USER)
        telegram.send_text(USER, WATER, forward_origin=CHANNEL)
        await replies(telegram, USER, 2)
        article_id = brief_article_id(running)
        namespace = running.services.pipeline.namespace
        await running.services.store.redis.run(lambda r: r.delete(keys.analysis(namespace, article_id)), None)
        advance(running, minutes=3)
        await run_job(running)
        await asyncio.sleep(0.1)
        [digest] = digests(telegram, USER)
    assert "الأردن يستضيف قمة إقليمية للمياه" in digest  # the rules' headline: the story is not lost
    assert "⚙️ دون نموذج لغوي" in digest  # and it says so
    assert fake_openai.calls == 1  # no model call on the subscriber's behalf
