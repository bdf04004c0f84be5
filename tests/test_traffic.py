"""Telegram traffic as it really arrives: several posts forwarded at once, split posts, albums, edits,
buttons pressed long after, pages that break the fetcher, placeholders that must never hang."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from bot.render.html import RLM
from tests.articles import BANK, WATER, WATER_QUOTES
from tests.conftest import RunningBot, run_bot
from tests.fakes.cluster import sync_client
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, USER, replies

CHANNEL_ID = CHANNEL["chat"]["id"]


def _analyses(fake: FakeOpenAI) -> list[str]:
    return [r.user for r in fake.requests if r.schema_name == "Analysis"]


def _post(n: int) -> str:
    """A short, distinct news post (its own numbers and places)."""
    towns = ["حلب", "درعا", "إدلب", "حمص", "حماة", "اللاذقية"]
    return (
        f"وصلت قافلة مساعدات تضم {n * 7} شاحنة إلى مدينة {towns[n % len(towns)]} صباح اليوم.\n"
        f'وقال مسؤول في الهلال الأحمر إن "القافلة تحمل غذاء ودواء يكفي {n * 1000} أسرة لمدة شهر".'
    )


def _cut(body: str, limit: int = 4000) -> list[str]:
    """A long text cut at paragraph breaks into messages of at most `limit` characters, as a client does."""
    parts, rest = [], body
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        parts.append(rest[:cut])
        rest = rest[cut + 2 :]
    return [*parts, rest]


def _briefs(telegram: FakeTelegram, chat: int) -> list[str]:
    return [m.text for m in telegram.bot_messages(chat) if "📰" in m.text]


async def test_five_posts_forwarded_at_once_get_five_briefs(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    for n in range(1, 6):  # consecutive posts of one channel, selected and forwarded together
        telegram.send_text(USER, _post(n), forward_origin=CHANNEL | {"message_id": 500 + n})
    await replies(telegram, USER, 5)
    briefs = _briefs(telegram, USER)
    assert len(briefs) == 5
    for n in range(1, 6):
        assert sum(f"{n * 1000} أسرة" in b for b in briefs) == 1  # each post has its own brief
    assert len(_analyses(fake_openai)) == 5
    assert all(sum(f"{n * 7} شاحنة" in u for n in range(1, 6)) == 1 for u in _analyses(fake_openai))


async def test_a_long_post_and_its_sequel_are_one_brief_but_the_next_post_is_not(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    body = WATER + "\n\n" + "\n\n".join(f"وفي فقرة إضافية رقم {i} تحدث المشاركون عن تفاصيل المشاريع." for i in range(60))
    first, second = _cut(body)
    # A full-length post, its sequel (the channel's next message), then an unrelated post: all at once.
    telegram.send_text(USER, first, forward_origin=CHANNEL | {"message_id": 600})
    telegram.send_text(USER, second, forward_origin=CHANNEL | {"message_id": 601})
    telegram.send_text(USER, _post(3), forward_origin=CHANNEL | {"message_id": 602})
    await replies(telegram, USER, 2)
    await asyncio.sleep(0.6)
    briefs = _briefs(telegram, USER)
    assert len(briefs) == 2
    calls = _analyses(fake_openai)
    assert len(calls) == 2
    [joined] = [u for u in calls if first[-50:] in u]
    assert second[-50:] in joined and "3000 أسرة" not in joined


async def test_a_short_post_is_never_merged_with_the_next_one(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    person = {"type": "user", "sender_user": {"id": 77, "is_bot": False, "first_name": "Sami"}, "date": 1700000000}
    telegram.send_text(USER, _post(1), forward_origin=person)  # two posts of one person, forwarded together
    telegram.send_text(USER, BANK, forward_origin=person)
    await replies(telegram, USER, 2)
    assert len(_analyses(fake_openai)) == 2


async def test_a_pasted_text_split_by_the_client_is_joined(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    body = WATER + "\n\n" + "\n\n".join(f"وتناول المشاركون في الجلسة رقم {i} ملفات التمويل والتنفيذ." for i in range(70))
    first, second = _cut(body, 4096)
    telegram.send_text(USER, first)
    telegram.send_text(USER, second)
    [brief] = await replies(telegram, USER)
    assert "📰" in brief.text
    [request] = _analyses(fake_openai)
    assert body[:50] in request and body[-50:] in request


async def test_a_post_of_three_parts_with_the_placeholder_between(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    paragraphs = [f"وتناول المشاركون في الجلسة رقم {i} ملفات التمويل والتنفيذ والمتابعة." for i in range(200)]
    body = WATER + "\n\n" + "\n\n".join(paragraphs)
    parts = _cut(body)
    assert len(parts) >= 3
    telegram.send_text(USER, parts[0])
    telegram.send_text(USER, parts[1])
    await telegram.wait_for(lambda: telegram.bot_message_count(USER) == 1)  # "⏳" took the next id
    for part in parts[2:]:
        telegram.send_text(USER, part)
    [brief] = await replies(telegram, USER)
    await asyncio.sleep(0.6)
    assert len(telegram.bot_messages(USER)) == 1 and "📰" in brief.text
    [request] = _analyses(fake_openai)
    assert all(part[-40:] in request for part in parts)


async def test_an_album_captioned_with_a_question(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    [brief] = await replies(telegram, USER)
    # Photos with a short caption: a question about the latest article, answered in place of "⏳".
    telegram.send_text(USER, "أين تعقد القمة المقبلة؟", photo=True, media_group_id="q-1")
    telegram.send_text(USER, "", photo=True, media_group_id="q-1")
    await replies(telegram, USER, 2)
    # The same as a reply to the brief: every photo carries the reply; one answer in all.
    telegram.send_text(USER, "من يموّل المشاريع؟", photo=True, media_group_id="q-2", reply_to_message_id=brief.message_id)
    telegram.send_text(USER, "", photo=True, media_group_id="q-2", reply_to_message_id=brief.message_id)
    await replies(telegram, USER, 3)
    await asyncio.sleep(0.6)
    messages = telegram.bot_messages(USER)
    assert len(messages) == 3
    assert not any("⏳" in m.text or "أقرأ النصوص فقط" in m.text for m in messages)
    assert [r.schema_name for r in fake_openai.requests] == ["Analysis", "Answer", "Answer"]


async def test_an_album_gets_one_reply(bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI) -> None:
    telegram.send_text(USER, "", photo=True, media_group_id="album-1")
    telegram.send_text(USER, WATER, photo=True, media_group_id="album-1", forward_origin=CHANNEL)
    telegram.send_text(USER, "", photo=True, media_group_id="album-1")
    telegram.send_text(USER, "", photo=True, media_group_id="album-1")
    [brief] = await replies(telegram, USER)
    await asyncio.sleep(0.6)
    assert len(telegram.bot_messages(USER)) == 1
    assert f"«{WATER_QUOTES[0]}»" in brief.text
    assert len(_analyses(fake_openai)) == 1


async def test_an_album_without_a_caption_gets_one_answer(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    for _ in range(3):
        telegram.send_text(USER, "", photo=True, media_group_id="album-2")
    [reply] = await replies(telegram, USER)
    await asyncio.sleep(0.6)
    assert len(telegram.bot_messages(USER)) == 1
    assert "أقرأ النصوص فقط" in reply.text
    assert fake_openai.calls == 0


async def test_edits_are_not_answered_again(bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI) -> None:
    post = telegram.send_text(USER, WATER)
    await replies(telegram, USER)
    command = telegram.send_command(USER, "help")
    await replies(telegram, USER, 2)
    telegram.edit_user_message(USER, post["message_id"], WATER.replace("الثلاثاء", "الأربعاء"))
    telegram.edit_user_message(USER, command["message_id"], "/start")
    await asyncio.sleep(0.8)
    assert len(telegram.bot_messages(USER)) == 2
    assert len(_analyses(fake_openai)) == 1


async def test_an_old_language_button_is_answered_quietly(
    bot: RunningBot, telegram: FakeTelegram, redis_url: str
) -> None:

    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    [brief] = await replies(telegram, USER)
    data = brief.reply_markup["inline_keyboard"][0][0]["callback_data"]
    assert data == "lang:en"  # no message ids a tampered client could change
    client = sync_client(redis_url)
    client.flushdb()  # days later: the cache has expired
    client.close()
    callback = telegram.press_button(USER, brief.message_id, data)
    await telegram.wait_for(lambda: callback in telegram.callback_answers)
    await asyncio.sleep(0.3)
    # In the reader's language (Arabic here), not in the language the button would switch to.
    assert telegram.callback_answers[callback]["text"] == "لم يعد هذا الخبر محفوظاً لدي. حوّله إليّ مرة أخرى من فضلك."
    assert len(telegram.bot_messages(USER)) == 1 and telegram.bot_messages(USER)[0].text == brief.text


async def test_buttons_on_a_message_the_bot_cannot_see_or_edit(bot: RunningBot, telegram: FakeTelegram) -> None:
    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    [brief] = await replies(telegram, USER)
    # An inaccessible message (date 0: too old for Telegram to show the bot), and buttons of an old version.
    gone = telegram.press_button(USER, 999, "lang:en", check=False)
    old = telegram.press_button(USER, brief.message_id, "lang:en:1:2:3", check=False)
    unknown = telegram.press_button(USER, brief.message_id, "delete:1", check=False)
    telegram.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    edit_fails = telegram.press_button(USER, brief.message_id, "lang:en")
    await telegram.wait_for(lambda: {gone, old, unknown, edit_fails} <= set(telegram.callback_answers))
    await asyncio.sleep(0.5)
    messages = telegram.bot_messages(USER)
    assert len(messages) == 1  # no generic error message in the chat
    assert "📰" in messages[0].text  # the brief is still there, in one language or the other
    assert telegram.callback_answers[gone]["text"] == "لم يعد هذا الخبر محفوظاً لدي. حوّله إليّ مرة أخرى من فضلك."
    assert not telegram.calls_to("deleteMessage")


async def test_a_button_pressed_by_someone_no_longer_allowed(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    async with run_bot(bot_settings(), telegram):
        telegram.send_text(USER, WATER, forward_origin=CHANNEL)
        [brief] = await replies(telegram, USER)
    async with run_bot(bot_settings(allowed_user_ids="1002"), telegram):  # later, the operator closes the bot
        callback = telegram.press_button(USER, brief.message_id, "lang:en", language_code="en")
        await telegram.wait_for(lambda: callback in telegram.callback_answers)
        await asyncio.sleep(0.3)
    assert telegram.callback_answers[callback]["text"] == "Sorry, this bot is private."
    assert len(telegram.bot_messages(USER)) == 1  # answered on the button, not in the chat


async def test_a_multi_message_brief_switches_language_whole(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    from tests.fakes.model import generic_analysis

    article = "\n".join(f'وقال المتحدث رقم {i} إن "الوضع في المنطقة يحتاج إلى حلول عاجلة رقم {i}".' for i in range(90))
    analysis = generic_analysis(article)
    fake_openai.enqueue(Reply.json(analysis))
    telegram.send_text(USER, article, forward_origin=CHANNEL)
    await telegram.wait_for(lambda: len(_briefs(telegram, USER)) == 1 and telegram.bot_message_count(USER) >= 2)
    await asyncio.sleep(0.5)
    messages = telegram.bot_messages(USER)
    assert len(messages) >= 2
    last = messages[-1]
    telegram.press_button(USER, last.message_id, "lang:en")
    await telegram.wait_for(lambda: telegram.bot_messages(USER)[0].text.startswith("📰"))
    await asyncio.sleep(0.3)
    switched = telegram.bot_messages(USER)
    assert all(not m.text.startswith(RLM) for m in switched)  # every part is English now
    assert switched[-1].reply_markup["inline_keyboard"][0][0]["callback_data"] == "lang:ar"


@contextlib.asynccontextmanager
async def raw_site(response: bytes) -> AsyncIterator[str]:
    """A web server on 127.0.0.1 that answers every request with these exact bytes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(response)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def _page(headers: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in WATER.split("\n\n")).encode()
    return f"HTTP/1.1 200 OK\r\n{headers}Connection: close\r\n\r\n".encode() + body


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Content-Type: text/html; charset=bogus-8\r\n", "📰"),
        # The HTTP client refuses a response whose length is not a number: a clear reply, not a hang.
        ("Content-Type: text/html\r\nContent-Length: banana\r\n", "I could not get an article from that link"),
        ("Content-Type: text/html\r\nContent-Length: 5\r\n", "I could not get an article from that link"),
    ],
    ids=["bogus-charset", "malformed-length", "short-length"],
)
async def test_a_broken_page_never_leaves_the_placeholder(
    bot: RunningBot, telegram: FakeTelegram, headers: str, expected: str
) -> None:
    async with raw_site(_page(headers)) as site:
        telegram.send_text(USER, f"{site}/news", language_code="en")
        [reply] = await replies(telegram, USER)
    assert expected in reply.text
    telegram.send_text(USER, BANK, forward_origin=CHANNEL)  # and the bot goes on
    await telegram.wait_for(lambda: len(_briefs(telegram, USER)) >= 1 + ("📰" in reply.text))


async def test_an_unexpected_error_replaces_the_placeholder_and_is_logged_once(
    bot: RunningBot, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.handlers.articles as articles

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a rendering bug")

    monkeypatch.setattr(articles, "render_brief", broken)
    caplog.set_level(logging.ERROR)
    telegram.send_text(USER, WATER, forward_origin=CHANNEL, language_code="en")
    [reply] = await replies(telegram, USER)
    await asyncio.sleep(0.3)
    assert reply.text == "Sorry, something went wrong. Please try again."
    assert reply.edited  # the placeholder itself became the apology
    assert len(telegram.bot_messages(USER)) == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "update" in errors[0].getMessage() and errors[0].exc_info


async def test_model_calls_in_flight_are_bounded(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    fake_openai.latency = 0.2
    async with run_bot(bot_settings(llm_concurrency=3), telegram):
        chats = range(7000, 7012)
        for chat in chats:  # a crowd of new articles at once
            telegram.send_text(chat, _post(chat - 6990), forward_origin=CHANNEL)
        for chat in chats:
            [brief] = await replies(telegram, chat, timeout=30)  # everyone is served, in turn
            assert "📰" in brief.text
    assert fake_openai.max_concurrent == 3
    assert len(_analyses(fake_openai)) == 12


async def test_thanks_is_not_a_question_worth_a_model_call(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    [brief] = await replies(telegram, USER)
    for n, text in enumerate(["شكراً جزيلاً", "👍", "ok"], start=2):
        telegram.send_text(USER, text)
        messages = await replies(telegram, USER, n)
        assert messages[-1].text.startswith("\u200fلتسأل عن آخر خبر أرسلته")
    telegram.send_text(USER, "أين تعقد القمة المقبلة")  # an interrogative, no question mark: a question
    telegram.send_text(USER, "شكراً", reply_to_message_id=brief.message_id)  # a reply to the brief: the model's
    await replies(telegram, USER, 6)
    assert [r.schema_name for r in fake_openai.requests] == ["Analysis", "Answer", "Answer"]
