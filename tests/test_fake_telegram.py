"""The fake Telegram server talks to the real python-telegram-bot and enforces Telegram's rules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, ApplicationBuilder, CommandHandler, ContextTypes, ExtBot

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import HtmlParseError, parse_html, strip_text, utf16_len

USER = 1001
GROUP = -4001
SUPERGROUP = -1001234567890
CHANNEL = -1009876543210
HTML = "HTML"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.register_chat(USER)
        yield server


def _bot(fake: FakeTelegram) -> Bot:
    return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with _bot(fake) as client:
        yield client


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"زر {d}", callback_data=d) for d in data]])


def _lower(exc: pytest.ExceptionInfo[Exception]) -> str:
    return str(exc.value).lower()  # PTB strips "Bad Request: " and re-capitalises the description


# ---------------------------------------------------------------- the HTML parser on its own
@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("<b>bold</b> <i>it</i>", "bold it", [("bold", 0, 4), ("italic", 5, 2)]),
        ("<strong><em>x</em></strong>", "x", [("bold", 0, 1), ("italic", 0, 1)]),
        ("😀<u>x</u>", "😀x", [("underline", 2, 1)]),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st",
         [("spoiler", 0, 1), ("spoiler", 1, 1)]),
        ("<s>a</s><strike>b</strike><del>c</del><ins>d</ins>", "abcd",
         [("strikethrough", 0, 1), ("strikethrough", 1, 1), ("strikethrough", 2, 1), ("underline", 3, 1)]),
        ("<blockquote expandable>q</blockquote><blockquote>r</blockquote>", "qr",
         [("expandable_blockquote", 0, 1), ("blockquote", 1, 1)]),
        ("&lt;b&gt; &amp; &quot;x&quot; &#65;&#x42;", '<b> & "x" AB', []),
        ("a & b &nbsp; &unknown; &lt 1 > 0", "a & b &nbsp; &unknown; < 1 > 0", []),
        ("<B>caps</B>", "caps", [("bold", 0, 4)]),
        ("<b></b>x", "x", []),
        ("<b>x</>", "x", [("bold", 0, 1)]),
    ],
)  # fmt: skip
def test_parse_html_produces_telegrams_text_and_entities(
    html: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    parsed_text, parsed = parse_html(html)
    assert parsed_text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed] == entities


def test_parse_html_links_code_and_custom_emoji() -> None:
    text, entities = parse_html(
        '<a href="https://example.com/?a=1&amp;b=2">link</a>'
        ' <pre><code class="language-python">x = 1</code></pre>'
        ' <code>c</code> <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> <a>https://t.me/naba</a>'
    )
    assert text == "link x = 1 c 👍 https://t.me/naba"
    assert entities[0] == {"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/?a=1&b=2"}
    assert entities[1] == {"type": "pre", "offset": 5, "length": 5, "language": "python"}
    assert entities[2] == {"type": "code", "offset": 11, "length": 1}
    assert entities[3]["custom_emoji_id"] == "5368324170671202286"
    assert entities[4]["url"] == "https://t.me/naba"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("hi <div>x</div>", 'Unsupported start tag "div" at byte offset 3'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("a<b", "Unclosed start tag at byte offset 1"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<a href=https://x.y>x</a>", "Unexpected end of name token"),
        ("<b foo>x</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
        ("عاجل <br>", 'Unsupported start tag "br" at byte offset 9'),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as exc:
        parse_html(html)
    assert error in str(exc.value)


def test_strip_text_trims_like_telegram_and_moves_entities() -> None:
    text, entities = strip_text("\n  <b>x</b> ", [{"type": "bold", "offset": 3, "length": 5}])
    assert text == "<b>x</b>"
    assert entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert utf16_len("😀a") == 3


# ---------------------------------------------------------------- sending through the real Bot
async def test_get_me_and_wrong_token(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (fake.bot_id, "naba_test_bot", True)
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake.base_url):
            pass
    assert fake.rejected[-1].status == 401


async def test_valid_html_is_stored_as_the_user_sees_it(bot: Bot, fake: FakeTelegram) -> None:
    html = '<b>عاجل</b>: خبر &amp; <a href="https://example.com">رابط</a>'
    sent = await bot.send_message(USER, html, parse_mode=HTML, link_preview_options=LinkPreviewOptions(True))
    assert sent.text == "عاجل: خبر & رابط"
    assert [e.type for e in sent.entities] == ["bold", "text_link"]
    [msg] = fake.bot_messages(USER)
    assert (msg.message_id, msg.text, msg.html) == (sent.message_id, sent.text, html)
    assert msg.link_preview_disabled
    assert msg.entities[1]["url"] == "https://example.com"
    assert fake.all_bot_messages() == {USER: [msg]}


async def test_plain_text_is_not_parsed(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "<div> a<b & c")
    assert fake.bot_messages(USER)[0].text == "<div> a<b & c"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<div>x</div>", 'unsupported start tag "div" at byte offset 0'),
        ("<b>unclosed", 'can\'t find end tag corresponding to start tag "b"'),
        ("a<b", "unclosed start tag at byte offset 1"),
        ("<i><b>x</i></b>", 'unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
    ],
)
async def test_invalid_html_is_a_bad_request(bot: Bot, fake: FakeTelegram, html: str, error: str) -> None:
    with pytest.raises(BadRequest) as exc:
        await bot.send_message(USER, html, parse_mode=HTML)
    assert f"can't parse entities: {error}" in _lower(exc)
    assert fake.bot_messages(USER) == []
    assert fake.rejected[-1].response["description"].startswith("Bad Request: can't parse entities: ")


async def test_escaped_entities_are_accepted(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "&lt;b&gt; a & b &nbsp;", parse_mode="html")
    assert fake.bot_messages(USER)[0].text == "<b> a & b &nbsp;"


async def test_length_is_counted_in_utf16_after_parsing(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "a" * 4096)
    await bot.send_message(USER, "😀" * 2048)
    await bot.send_message(USER, f"<b>{'a' * 4095}</b>&amp;", parse_mode=HTML)
    for text in ("a" * 4097, "😀" * 2048 + "a"):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, text)
    for text in ("  \n ", "<b> </b>"):
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(USER, text, parse_mode=HTML)
    assert [utf16_len(m.text) for m in fake.bot_messages(USER)] == [4096, 4096, 4096]


async def test_edits(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "<b>…</b>", parse_mode=HTML, reply_markup=_keyboard("a"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<b>…</b>", USER, sent.message_id, parse_mode="html", reply_markup=_keyboard("a"))
    await bot.edit_message_text("<b>…</b>", USER, sent.message_id, parse_mode=HTML)  # drops the keyboard
    [msg] = fake.bot_messages(USER)
    assert (msg.text, msg.reply_markup, msg.edited) == ("…", None, True)
    edited = await bot.edit_message_text("<i>done</i>", USER, sent.message_id, parse_mode=HTML)
    assert edited.text == "done"
    assert fake.bot_messages(USER)[0].entities[0]["type"] == "italic"
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=_keyboard("b"))
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=_keyboard("b"))
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.edit_message_text("x" * 4097, USER, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    assert await bot.delete_message(USER, sent.message_id)
    assert fake.bot_messages(USER) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_blocked_migrated_and_unknown_chats(bot: Bot, fake: FakeTelegram) -> None:
    fake.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    fake.register_chat(GROUP, title="مجموعة")
    fake.migrate(GROUP, SUPERGROUP)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(GROUP, "hi")
    assert migrated.value.new_chat_id == SUPERGROUP
    await bot.send_message(SUPERGROUP, "hi")
    assert (await bot.get_chat(SUPERGROUP)).type == "supergroup"
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(777, "hi")
    assert [c.status for c in fake.rejected] == [403, 400, 400]


async def test_inline_keyboard_validation(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "ok", reply_markup=_keyboard("x" * 64))
    for data in ("x" * 65, "ع" * 33):  # 64 *bytes*: 33 Arabic letters are 66
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(USER, "no", reply_markup=_keyboard(data))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(USER, "-", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("", "d")]]))
    assert fake.bot_messages(USER)[0].reply_markup == _keyboard("x" * 64).to_dict()


async def test_replies(bot: Bot, fake: FakeTelegram) -> None:
    question = fake.send_text(USER, "ما الخبر؟")
    answer = await bot.send_message(USER, "هذا", reply_parameters=ReplyParameters(question["message_id"]))
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "ما الخبر؟"
    assert answer.message_id == question["message_id"] + 1  # ids are shared by the chat
    assert fake.bot_messages(USER)[0].reply_to_message_id == question["message_id"]
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER, "x", reply_parameters=ReplyParameters(99))
    await bot.send_message(USER, "x", reply_parameters=ReplyParameters(99, allow_sending_without_reply=True))
    follow_up = fake.send_text(USER, "شكرا", reply_to_message_id=answer.message_id)
    assert follow_up["reply_to_message"]["from"]["is_bot"] is True


async def test_long_polling_offsets_and_realistic_updates(bot: Bot, fake: FakeTelegram) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    channel = {"id": CHANNEL, "type": "channel", "title": "قناة"}
    origin = {"type": "channel", "date": 1, "message_id": 5, "chat": channel}
    fake.send_text(USER, "خبر", forward_origin=origin)
    [update] = await waiting
    assert time.monotonic() - started < 1
    assert update.message.text == "خبر"
    assert update.message.forward_origin.chat.id == CHANNEL
    assert update.message.from_user.language_code == "ar"
    fake.send_text(GROUP, "صورة", photo=True, media_group_id="g1", chat_title="مجموعة", user_id=5)
    fake.send_text(USER, "", sticker=True)
    fake.send_text(USER, "", voice=True)
    fake.send_command(GROUP, "brief", "https://example.com")
    updates = await bot.get_updates(offset=update.update_id + 1)
    photo, sticker, voice, command = (u.message for u in updates)
    assert (photo.caption, photo.media_group_id, len(photo.photo)) == ("صورة", "g1", 2)
    assert photo.chat.type == "group"
    assert sticker.sticker is not None
    assert sticker.text is None
    assert voice.voice is not None
    assert command.text == "/brief@naba_test_bot https://example.com"
    assert command.parse_entities()
    assert command.entities[0].type == "bot_command"
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()


async def test_buttons_channels_and_membership(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "اختر", reply_markup=_keyboard("yes", "no"))
    callback_id = fake.press_button(USER, sent.message_id, "yes")
    with pytest.raises(ValueError, match="no button"):
        fake.press_button(USER, sent.message_id, "maybe")
    fake.post_to_channel(CHANNEL, "منشور", title="قناة")
    fake.my_chat_member(GROUP, "member", title="مجموعة")
    query, post, member = await bot.get_updates()
    assert query.callback_query.data == "yes"
    assert query.callback_query.message.message_id == sent.message_id
    assert post.channel_post.text == "منشور"
    assert post.channel_post.chat.type == "channel"
    assert member.my_chat_member.new_chat_member.status == "member"
    assert await bot.answer_callback_query(callback_id, text="تم")
    assert fake.callback_answers[callback_id]["text"] == "تم"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(callback_id)
    await bot.send_message(CHANNEL, "رد")
    fake.my_chat_member(GROUP, "kicked", old_status="member")
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await bot.send_message(GROUP, "x")


async def test_commands_members_and_actions(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand("brief", "لخص الخبر")], language_code="ar")
    await bot.set_my_commands([BotCommand("start", "s")], scope=BotCommandScopeChat(USER))
    assert fake.commands[("default", "ar")] == [{"command": "brief", "description": "لخص الخبر"}]
    assert fake.commands[(f"chat:{USER}", "")][0]["command"] == "start"
    assert [c.command for c in await bot.get_my_commands(language_code="ar")] == ["brief"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Brief", "x")])
    await bot.delete_my_commands(language_code="ar")
    assert ("default", "ar") not in fake.commands
    fake.register_chat(SUPERGROUP, title="نقاش", creator_id=1)
    fake.make_admin(SUPERGROUP, 2)
    statuses = [(await bot.get_chat_member(SUPERGROUP, uid)).status for uid in (1, 2, 3, fake.bot_id)]
    assert statuses == ["creator", "administrator", "member", "member"]
    assert [a.user.id for a in await bot.get_chat_administrators(SUPERGROUP)] == [1, 2]
    chat = await bot.get_chat(SUPERGROUP)
    assert (chat.title, chat.type) == ("نقاش", "supergroup")
    await bot.send_chat_action(USER, "typing")
    assert fake.chat_actions(USER) == ["typing"]
    assert fake.throttled == 0


async def test_injected_failures(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "x")
    await bot.send_message(USER, "x")
    assert [c.status for c in fake.rejected] == [502, 429]
    assert fake.throttled == 0
    assert len(fake.bot_messages(USER)) == 1


async def test_json_bodies_and_unknown_methods(fake: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=f"{fake.base_url}{fake.token}") as client:
        body = {"chat_id": USER, "text": "<b>x</b>", "parse_mode": HTML}
        sent = await client.post("/sendMessage", json=body)
        assert sent.json()["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
        missing = await client.post("/sendSomethingElse", data={"chat_id": str(USER)})
        assert (missing.status_code, missing.json()["description"]) == (404, "Not Found")
        assert (await client.get("/getme")).json()["ok"] is True


async def test_wait_for_reports_recent_calls_on_timeout(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "one")
    with pytest.raises(AssertionError, match=r"sendMessage chat=1001 -> 200"):
        await fake.wait_for(lambda: False, timeout=0.05)


async def test_wait_for_messages_waits_for_the_edit_to_settle(bot: Bot, fake: FakeTelegram) -> None:
    async def reply() -> None:
        placeholder = await bot.send_message(USER, "…")
        await asyncio.sleep(0.08)
        await bot.edit_message_text("النتيجة", USER, placeholder.message_id)

    task = asyncio.create_task(reply())
    [msg] = await fake.wait_for_messages(USER, 1)
    await task
    assert (msg.text, msg.edited) == ("النتيجة", True)


# ---------------------------------------------------------------- flood limits
async def _send_all(bot: Bot, chats: list[int]) -> list[Any]:
    return await asyncio.gather(*(bot.send_message(c, f"رسالة {c}") for c in chats), return_exceptions=True)


async def test_aio_rate_limiter_never_trips_the_overall_limit(fake: FakeTelegram) -> None:
    chats = [USER + i for i in range(60)]
    for chat in chats:
        fake.register_chat(chat)
    limited = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=AIORateLimiter(max_retries=0))
    async with limited:
        started = time.monotonic()
        results = await _send_all(limited, chats)
        elapsed = time.monotonic() - started
    assert fake.throttled == 0, fake.dump()
    assert not [r for r in results if isinstance(r, Exception)]
    assert elapsed >= 0.9
    fake.reset_rates()
    async with _bot(fake) as blaster:
        results = await _send_all(blaster, chats)
    assert fake.throttled > 0
    assert any(isinstance(r, RetryAfter) for r in results)
    assert 30 <= sum(not isinstance(r, Exception) for r in results) < 60
    assert fake.rejected[-1].response["parameters"] == {"retry_after": 1}


async def test_group_limit_matches_aio_rate_limiter(fake: FakeTelegram) -> None:
    fake.register_chat(SUPERGROUP)
    limited = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=AIORateLimiter(max_retries=0))
    async with limited:
        results = await _send_all(limited, [SUPERGROUP] * 20)
    assert fake.throttled == 0
    assert not [r for r in results if isinstance(r, Exception)]
    async with _bot(fake) as blaster:
        with pytest.raises(RetryAfter):
            await blaster.send_message(SUPERGROUP, "الحادية والعشرون")
        await blaster.send_message(USER, "private chats are not affected")
    assert fake.throttled == 1
    assert fake.rejected[-1].response["parameters"]["retry_after"] >= 1
    assert len(fake.bot_messages(SUPERGROUP)) == 20


async def test_stopping_the_server_releases_a_pending_long_poll() -> None:
    fake = FakeTelegram().start()
    async with _bot(fake) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await fake.wait_for(lambda: fake.polling)
        started = time.monotonic()
        await asyncio.to_thread(fake.stop)
        assert await poll == ()
        assert time.monotonic() - started < 1


# ---------------------------------------------------------------- a real Application polling
async def test_application_polls_replies_and_stops_quickly(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(f"<b>أهلا</b> {context.args}")

    builder = ApplicationBuilder().token(fake.token).base_url(fake.base_url)
    app = builder.base_file_url(fake.base_file_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.send_command(USER, "start", "x")
        fake.send_command(GROUP, "start", chat_title="مجموعة")
        [reply] = await fake.wait_for_messages(USER, 1)
        [group_reply] = await fake.wait_for_messages(GROUP, 1)
        stopping = time.monotonic()
        await app.updater.stop()
        await app.stop()
        assert time.monotonic() - stopping < 2
    assert (reply.text, reply.entities[0]["type"]) == ("أهلا ['x']", "bold")
    assert group_reply.text == "أهلا []"
    assert group_reply.reply_to_message_id == 1
    assert fake.rejected == []
    assert fake.throttled == 0
