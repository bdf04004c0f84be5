"""Who said what (issue 11) end to end: the real bot, the fake Bot API, real Redis, the rule-based
analyser (no model call is needed for any of it). Articles written for the tests."""

from __future__ import annotations

import asyncio

from tests.conftest import RunningBot, run_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import replies

USER, OTHER = 1001, 2002

GUTERRES = [
    "دعا الأمين العام للأمم المتحدة أنطونيو غوتيريس إلى وقف فوري لإطلاق النار في السودان.\n\n"
    "وقال غوتيريس في مؤتمر صحفي بنيويورك إن «المدنيين يدفعون ثمن هذه الحرب كل يوم».\n\n"
    "وأضاف أن المنظمة سترسل مساعدات عاجلة خلال الأسبوع المقبل.",
    "طالب الأمين العام للأمم المتحدة أنطونيو غوتيريش بزيادة التمويل الإنساني لليمن.\n\n"
    "وقال غوتيريش أمام مجلس الأمن: «لا يمكن أن نترك ملايين الأطفال بلا غذاء».\n\n"
    "وتعهدت دول عدة بتقديم مساعدات جديدة.",
    "حذر أنطونيو غوتيريس من تفاقم أزمة المناخ في أفريقيا خلال قمة إقليمية.\n\n"
    "وقال غوتيريس: «الوقت ينفد أمام الدول الأكثر فقرا».\n\n"
    "وشارك في القمة قادة من عشرين دولة.",
]
GUTERRES_QUOTES = [
    "المدنيين يدفعون ثمن هذه الحرب كل يوم",
    "لا يمكن أن نترك ملايين الأطفال بلا غذاء",
    "الوقت ينفد أمام الدول الأكثر فقرا",
]
KHALIFA = (
    "قال قائد الجيش الوطني الليبي المشير خليفة حفتر إن «العمليات العسكرية ستستمر حتى تحرير العاصمة».\n\n"
    "وجاءت تصريحاته بعد اجتماع مع قادة الوحدات في بنغازي."
)
SADDAM = (
    "قال صدام حفتر، نجل قائد الجيش، إن «الجيش لن يسمح بعودة الفوضى إلى المدن».\n\n"
    "وزار صدام حفتر مدينة سرت أمس برفقة وفد عسكري."
)


def _origin(message_id: int, username: str | None = "akhbar_test") -> dict:  # type: ignore[type-arg]
    chat = {"id": -1005550000001, "type": "channel", "title": "أخبار الاختبار"}
    if username:
        chat["username"] = username
    return {"type": "channel", "chat": chat, "message_id": message_id, "date": 1700000000}


async def _forward(telegram: FakeTelegram, chat: int, texts: list[str], first_id: int = 101) -> None:
    for i, text in enumerate(texts):
        before = len(telegram.bot_messages(chat))
        telegram.send_text(chat, text, forward_origin=_origin(first_id + i))
        await replies(telegram, chat, before + 1)
        await asyncio.sleep(0.01)  # distinct arrival times: "newest first" is well defined


async def _who(telegram: FakeTelegram, chat: int, name: str, **kw: object):  # type: ignore[no-untyped-def]
    before = len(telegram.bot_messages(chat))
    telegram.send_command(chat, "who", name, **kw)
    messages = await replies(telegram, chat, before + 1)
    return messages[-1]


async def test_who_lists_every_quote_under_any_spelling_newest_first_with_links(
    bot_settings, telegram: FakeTelegram
) -> None:
    async with run_bot(bot_settings(analyzer="rules"), telegram):
        await _forward(telegram, USER, GUTERRES)
        for spelling in ("غوتيريش", "غوتيريس", "أنطونيو غوتيريس", "Guterres", "الأمين العام أنطونيو غوتيريش"):
            reply = await _who(telegram, USER, spelling)
            positions = [reply.text.find(q) for q in GUTERRES_QUOTES]
            assert all(p >= 0 for p in positions), (spelling, reply.text)
            assert positions[2] < positions[1] < positions[0], spelling  # newest first
            assert "الأمين العام للأمم المتحدة" in reply.text  # the role as the latest article gives it
            assert reply.text.count("أخبار الاختبار") == 3
            for message_id in (101, 102, 103):
                assert f'href="https://t.me/akhbar_test/{message_id}"' in reply.html
        english = await _who(telegram, USER, "Guterres", language_code="en")
        assert "Quotes 1–3 of 3, newest first." in english.text


async def test_two_people_who_share_a_surname_stay_two(bot_settings, telegram: FakeTelegram) -> None:
    async with run_bot(bot_settings(analyzer="rules"), telegram):
        await _forward(telegram, USER, [KHALIFA, SADDAM])
        khalifa = await _who(telegram, USER, "خليفة حفتر")
        assert "العمليات العسكرية ستستمر" in khalifa.text and "لن يسمح بعودة الفوضى" not in khalifa.text
        saddam = await _who(telegram, USER, "صدام حفتر")
        assert "لن يسمح بعودة الفوضى" in saddam.text and "العمليات العسكرية" not in saddam.text
        # The surname alone: which one? Each is a button that opens that person's page.
        choice = await _who(telegram, USER, "حفتر")
        assert "من تقصد" in choice.text
        buttons = {b["text"]: b["callback_data"] for row in choice.reply_markup["inline_keyboard"] for b in row}
        assert set(buttons) == {"خليفة حفتر", "صدام حفتر"}
        before = len(telegram.bot_messages(USER))
        telegram.press_button(USER, choice.message_id, buttons["صدام حفتر"])
        page = (await replies(telegram, USER, before + 1))[-1]
        assert "لن يسمح بعودة الفوضى" in page.text and "العمليات العسكرية" not in page.text


async def test_another_chats_articles_are_not_shown_and_forget_empties_it(bot_settings, telegram: FakeTelegram) -> None:
    async with run_bot(bot_settings(analyzer="rules"), telegram):
        await _forward(telegram, USER, GUTERRES[:1])
        elsewhere = await _who(telegram, OTHER, "غوتيريس")
        assert GUTERRES_QUOTES[0] not in elsewhere.text
        mine = await _who(telegram, USER, "غوتيريس")
        assert GUTERRES_QUOTES[0] in mine.text
        before = len(telegram.bot_messages(USER))
        telegram.send_command(USER, "forget")
        await replies(telegram, USER, before + 1)
        after = await _who(telegram, USER, "غوتيريس")
        assert GUTERRES_QUOTES[0] not in after.text and "لا اقتباسات" in after.text


async def test_an_unknown_name_offers_the_closest_names(bot_settings, telegram: FakeTelegram) -> None:
    async with run_bot(bot_settings(analyzer="rules"), telegram):
        await _forward(telegram, USER, [*GUTERRES[:1], KHALIFA])
        reply = await _who(telegram, USER, "غوتيرز")
        assert "هل تقصد" in reply.text
        buttons = [b["text"] for row in reply.reply_markup["inline_keyboard"] for b in row]
        assert buttons == ["أنطونيو غوتيريس"]
        nobody = await _who(telegram, USER, "نيلسون مانديلا")
        assert "لا اقتباسات" in nobody.text and nobody.reply_markup is None


async def test_a_brief_marks_actors_seen_elsewhere_and_lists_their_other_quotes(
    bot_settings, telegram: FakeTelegram
) -> None:
    async with run_bot(bot_settings(analyzer="rules"), telegram):
        await _forward(telegram, USER, GUTERRES[:2])
        brief = telegram.bot_messages(USER)[-1]
        assert "ورد في خبر آخر" in brief.text  # the second article's Guterres was in the first
        first = telegram.bot_messages(USER)[0]
        assert "ورد في" not in first.text  # nothing before the first
        said = next(b for row in brief.reply_markup["inline_keyboard"] for b in row if b["callback_data"] == "said")
        before = len(telegram.bot_messages(USER))
        telegram.press_button(USER, brief.message_id, said["callback_data"])
        listing = (await replies(telegram, USER, before + 1))[-1]
        assert GUTERRES_QUOTES[0] in listing.text and GUTERRES_QUOTES[1] not in listing.text  # the others only


async def test_who_without_a_name_in_a_group_says_how_to_ask(bot: RunningBot, telegram: FakeTelegram) -> None:
    group = -100777
    telegram.send_command(group, "who", "", chat_type="supergroup")
    [usage] = await replies(telegram, group)
    assert "/who" in usage.text


async def test_the_digest_links_its_sources_and_ends_with_the_most_quoted(bot_settings, telegram: FakeTelegram) -> None:
    async with run_bot(bot_settings(analyzer="rules"), telegram):
        await _forward(telegram, USER, GUTERRES)
        # One more article, carried by four channels: one story, four sources.
        for i, username in enumerate(("one_news", "two_news", "three_news", "four_news")):
            before = len(telegram.bot_messages(USER))
            origin = _origin(500 + i, username) | {
                "chat": {"id": -1006660000000 - i, "type": "channel", "title": f"قناة {i + 1}", "username": username}
            }
            telegram.send_text(USER, KHALIFA, forward_origin=origin)
            await replies(telegram, USER, before + 1)
        before = len(telegram.bot_messages(USER))
        telegram.send_command(USER, "digest")
        digest = (await replies(telegram, USER, before + 1))[-1]
        once = await _who(telegram, USER, "خليفة حفتر")  # one article from four channels: one quote
        assert once.text.count("العمليات العسكرية ستستمر") == 1 and "1–1 من 1" in once.text
    assert 'href="https://t.me/akhbar_test/101"' in digest.html
    for i, username in enumerate(("one_news", "two_news", "three_news")):
        assert f'href="https://t.me/{username}/{500 + i}"' in digest.html
    assert "four_news" not in digest.html and "+1 أخرى" in digest.text  # the first three, then how many more
    tail = digest.text[digest.text.index("الأكثر اقتباساً") :]
    assert "أنطونيو غوتيريس (3 اقتباسات)" in tail and "خليفة حفتر" in tail
    assert tail.index("غوتيريس") < tail.index("خليفة حفتر")  # the most quoted first


def _numbered(i: int) -> str:
    return (
        f"وقال أنطونيو غوتيريس في اليوم {i} من الأزمة إن «الوضع الإنساني يزداد سوءا في المرحلة رقم {i}».\n\n"
        "وأضاف أن الأمم المتحدة تعمل مع الشركاء على إيصال المساعدات."
    )


async def test_channel_posts_count_too_and_a_long_list_is_paged(bot_settings, telegram: FakeTelegram) -> None:
    from tests.conftest import APPROVED_CHANNELS

    async with run_bot(bot_settings(analyzer="rules"), telegram) as running:
        for i in (1, 2):  # an approved channel's posts: every chat's memory (one after the other: newest first)
            telegram.post_to_channel(APPROVED_CHANNELS[0], _numbered(i), title="قناة معتمدة")
            for _ in range(100):  # analysed and remembered on arrival, in the background of the update
                answer = await running.services.memory.who(USER, "غوتيريس")
                if answer.page is not None and answer.page.total == i:
                    break
                await asyncio.sleep(0.05)
        await _forward(telegram, USER, [_numbered(i) for i in range(3, 8)], first_id=300)
        first = await _who(telegram, USER, "غوتيريس")
        assert "1–5 من 7" in first.text
        for i in (7, 6, 5, 4, 3):
            assert f"المرحلة رقم {i}»" in first.text
        [[more]] = first.reply_markup["inline_keyboard"]
        before = len(telegram.bot_messages(USER))
        telegram.press_button(USER, first.message_id, more["callback_data"])
        second = (await replies(telegram, USER, before + 1))[-1]
        assert "6–7 من 7" in second.text and second.reply_markup is None
        assert "المرحلة رقم 2»" in second.text and "المرحلة رقم 1»" in second.text
        assert second.text.index("رقم 2»") < second.text.index("رقم 1»")
        assert "قناة معتمدة" in second.text


async def _channel_quotes(running: RunningBot, total: int) -> None:
    for _ in range(100):  # analysed and remembered in the background of the update
        answer = await running.services.memory.who(USER, "غوتيريس")
        if (answer.page.total if answer.page else 0) == total:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the channels' memory did not reach {total} quotes")


async def test_an_edited_post_and_a_channel_the_bot_left_leave_the_memory(bot_settings, telegram: FakeTelegram) -> None:
    from tests.conftest import APPROVED_CHANNELS

    channel = APPROVED_CHANNELS[1]
    async with run_bot(bot_settings(analyzer="rules"), telegram) as running:
        post = telegram.post_to_channel(channel, _numbered(1), title="قناة معتمدة")
        await _channel_quotes(running, 1)
        telegram.push_update({"edited_channel_post": post | {"text": _numbered(9), "edit_date": 1700000100}})
        corrected = ["الوضع الإنساني يزداد سوءا في المرحلة رقم 9"]
        for _ in range(100):
            page = (await running.services.memory.who(USER, "غوتيريس")).page
            if page is not None and [s.text for s in page.quotes] == corrected:
                break  # the corrected words only: the old version left the memory
            await asyncio.sleep(0.05)
        assert page is not None and [s.text for s in page.quotes] == corrected
        telegram.my_chat_member(channel, "left", chat_type="channel", title="قناة معتمدة", old_status="administrator")
        await _channel_quotes(running, 0)
