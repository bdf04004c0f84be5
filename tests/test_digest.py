"""Daily digests end to end: subscriptions, the JobQueue job, fan-out at Telegram's pace, once a day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.app.application import build_application
from bot.config import Settings
from tests.articles import BANK, PORT, WATER
from tests.conftest import RunningBot, run_bot
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies

USER = 1001
OTHER_CHANNEL = CHANNEL | {"chat": {"id": -1001111111111, "type": "channel", "title": "قناة أخرى"}}


def advance(bot: RunningBot, **delta: float) -> None:
    """Move the bot's clock forward (no test waits for wall-clock minutes)."""
    bot.services.clock.advance(timedelta(**delta).total_seconds())


def soon(bot: RunningBot, minutes: int = 2) -> str:
    """HH:MM (UTC) a few minutes after the bot's time."""
    return (bot.services.clock.now() + timedelta(minutes=minutes)).strftime("%H:%M")


async def run_job(bot: RunningBot) -> None:
    """Run the digest job now, exactly as the JobQueue does."""
    [job] = bot.application.job_queue.get_jobs_by_name("digests")
    await job.run(bot.application)


def digests(telegram: FakeTelegram, chat: int) -> list[str]:
    return [m.text for m in telegram.bot_messages(chat) if "🗞" in m.text]


async def test_subscribe_commands(bot: RunningBot, telegram: FakeTelegram) -> None:
    telegram.send_command(USER, "subscribe", "07:30 asia/riyadh")
    [reply] = await replies(telegram, USER)
    assert "07:30 (Asia/Riyadh)" in reply.text and "تم الاشتراك" in reply.text
    telegram.send_command(USER, "subscribe")
    messages = await replies(telegram, USER, 2)
    assert "يصلك الموجز كل يوم الساعة 07:30 (Asia/Riyadh)" in messages[-1].text
    telegram.send_command(USER, "subscribe", "25:00")
    messages = await replies(telegram, USER, 3)
    assert "الساعات من 00 إلى 23" in messages[-1].text and "/subscribe 08:00 Asia/Riyadh" in messages[-1].text
    telegram.send_command(USER, "subscribe", "08:00 Mars/Olympus", language_code="en")
    messages = await replies(telegram, USER, 4)
    assert messages[-1].text == (
        "I do not know the time zone “Mars/Olympus”. Use an Area/City name, for example: "
        "/subscribe 08:00 Africa/Cairo (or UTC)"
    )
    telegram.send_command(USER, "subscribe", "8am", language_code="en")
    messages = await replies(telegram, USER, 5)
    assert messages[-1].text == "Please use 24-hour time: 8am is 08:00. For example: /subscribe 08:00 Asia/Riyadh"
    telegram.send_command(USER, "subscribe", "21:15")  # the zone stays as chosen
    messages = await replies(telegram, USER, 6)
    assert "21:15 (Asia/Riyadh)" in messages[-1].text
    telegram.send_command(USER, "unsubscribe")
    messages = await replies(telegram, USER, 7)
    assert messages[-1].text.endswith("أوقفت موجزك اليومي.")
    assert await bot.services.store.get_subscription(USER) is None


async def test_default_subscription_uses_timezone_setting(bot_settings, telegram: FakeTelegram) -> None:
    async with run_bot(bot_settings(timezone="Africa/Cairo"), telegram):
        telegram.send_command(USER, "subscribe", language_code="en")
        [reply] = await replies(telegram, USER)
    assert reply.text == "Subscribed: your digest comes every day at 08:00 (Africa/Cairo). /unsubscribe stops it."


async def test_the_digest_arrives_once_at_its_minute(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    telegram.send_text(USER, BANK, forward_origin=CHANNEL)
    await replies(telegram, USER, 2)
    telegram.send_text(USER, WATER + "\n\nتابعونا", forward_origin=OTHER_CHANNEL)  # same story, another source
    await replies(telegram, USER, 3)
    telegram.send_command(USER, "subscribe", f"{soon(bot)} UTC")
    await replies(telegram, USER, 4)
    calls = fake_openai.calls

    await run_job(bot)  # not yet due
    assert digests(telegram, USER) == []
    advance(bot, minutes=3)
    await run_job(bot)
    await run_job(bot)  # a second run the same day sends nothing more
    [digest] = digests(telegram, USER)
    assert "1. عمّان تستضيف قمة إقليمية لأزمة المياه" in digest  # two sources first…
    assert "2. المركزي المصري يثبت الفائدة للمرة الثالثة" in digest  # …then the other story
    assert "مصدران" in digest and "مصدر واحد" in digest
    assert "💬 «الحلول الفردية لم تعد كافية، ولا بد من خطة مشتركة قبل نهاية العام»" in digest
    assert fake_openai.calls == calls  # composed from the cache: no model call
    assert telegram.throttled == 0

    advance(bot, days=1)
    telegram.send_text(USER, PORT, forward_origin=CHANNEL)
    await replies(telegram, USER, 6)
    await run_job(bot)
    second = digests(telegram, USER)[-1]
    assert len(digests(telegram, USER)) == 2  # the next day, the next digest…
    assert "1. إضراب ميناء فالنسيا يدخل أسبوعه الثاني" in second  # …with that day's news only
    assert "عمّان" not in second


async def test_digest_command_and_an_empty_day(bot: RunningBot, telegram: FakeTelegram) -> None:
    telegram.send_command(USER, "digest", language_code="en")
    [reply] = await replies(telegram, USER)
    assert reply.text.startswith("Nothing reached me in the last 24 hours")
    telegram.send_command(USER, "subscribe", f"{soon(bot)} UTC")
    await replies(telegram, USER, 2)
    advance(bot, minutes=3)
    await run_job(bot)
    assert digests(telegram, USER) == []  # a day with nothing: no message
    telegram.send_text(USER, PORT, forward_origin=CHANNEL, language_code="en")
    await replies(telegram, USER, 3)
    telegram.send_command(USER, "digest", language_code="en")
    messages = await replies(telegram, USER, 4)
    assert messages[-1].text.startswith("🗞 Daily digest")
    assert "Valencia port strike enters its second week" in messages[-1].text


async def test_channel_posts_reach_every_subscriber(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    for chat in (USER, 2002):
        telegram.send_command(chat, "subscribe", f"{soon(bot)} UTC")
        await replies(telegram, chat)
    telegram.post_to_channel(-1002222222222, BANK, title="قناة الاقتصاد")
    await telegram.wait_for(lambda: fake_openai.calls == 1)  # analysed once, on arrival
    await asyncio.sleep(0.2)
    advance(bot, minutes=3)
    await run_job(bot)
    for chat in (USER, 2002):
        [digest] = digests(telegram, chat)
        assert "المركزي المصري يثبت الفائدة" in digest
    assert fake_openai.calls == 1


async def test_blocked_user_is_unsubscribed_and_migrated_group_moves(bot: RunningBot, telegram: FakeTelegram) -> None:
    group, supergroup = -4001, -1004001
    telegram.register_chat(group, "group", title="مجموعة")
    telegram.make_admin(group, USER)
    telegram.send_command(group, "subscribe", f"{soon(bot)} UTC", user_id=USER)
    telegram.send_command(3003, "subscribe", f"{soon(bot)} UTC")
    await replies(telegram, group)
    await replies(telegram, 3003)
    telegram.post_to_channel(-1002222222222, BANK, title="قناة الاقتصاد")
    await asyncio.sleep(0.3)
    telegram.block(3003)
    telegram.migrate(group, supergroup)
    telegram.register_chat(supergroup, "supergroup", title="مجموعة")
    advance(bot, minutes=3)
    await run_job(bot)
    assert await bot.services.store.get_subscription(3003) is None
    assert await bot.services.store.get_subscription(group) is None
    assert (await bot.services.store.get_subscription(supergroup)) is not None
    assert len(digests(telegram, supergroup)) == 1
    advance(bot, minutes=5)
    await run_job(bot)
    assert len(digests(telegram, supergroup)) == 1


async def test_only_group_admins_manage_the_digest(bot: RunningBot, telegram: FakeTelegram) -> None:
    group = -4002
    telegram.register_chat(group, "group", title="مجموعة")
    telegram.send_command(group, "subscribe", "08:00", user_id=5555)
    [reply] = await replies(telegram, group)
    assert "مشرفو المجموعة وحدهم" in reply.text
    assert await bot.services.store.get_subscription(group) is None


@asynccontextmanager
async def replica(settings: Settings) -> AsyncIterator[RunningBot]:
    """A second bot process on the same Redis (it sends, it does not poll: one poller per token)."""
    application = build_application(settings)
    async with application:
        await application.post_init(application)
        await application.start()
        try:
            yield RunningBot(application, None)  # type: ignore[arg-type]
        finally:
            await application.stop()
            await application.post_shutdown(application)


async def test_restart_and_two_replicas_send_once(bot_settings, telegram: FakeTelegram) -> None:
    settings = bot_settings()
    async with run_bot(settings, telegram) as first:
        telegram.send_text(USER, WATER, forward_origin=CHANNEL)
        await replies(telegram, USER)
        telegram.send_command(USER, "subscribe", f"{soon(first)} UTC")
        await replies(telegram, USER, 2)
        advance(first, minutes=3)
        async with replica(settings) as second:
            for job in second.application.job_queue.get_jobs_by_name("digests"):
                job.enabled = False
            second.services.clock.offset = first.services.clock.offset
            await asyncio.gather(run_job(first), run_job(second), run_job(first), run_job(second))
        offset = first.services.clock.offset
    assert len(digests(telegram, USER)) == 1
    # A restart (new process, same Redis) the same day does not send it again.
    async with run_bot(settings, telegram) as restarted:
        restarted.services.clock.offset = offset
        await run_job(restarted)
    assert len(digests(telegram, USER)) == 1


async def test_down_at_the_minute_sends_later_the_same_day_but_not_the_next(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    clock = bot.services.clock
    start = clock.now()
    clock.advance((start.replace(hour=6, minute=0) - start).total_seconds())  # 06:00 UTC today
    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    await replies(telegram, USER)
    telegram.send_command(USER, "subscribe", "06:30 UTC")
    await replies(telegram, USER, 2)
    advance(bot, hours=10)  # the bot was "down" at 06:30 and is back at 16:00
    await run_job(bot)
    assert len(digests(telegram, USER)) == 1
    advance(bot, hours=31)  # the next day, 23:00: the bot was down since before 06:30
    telegram.send_text(USER, BANK, forward_origin=CHANNEL)
    await replies(telegram, USER, 4)
    advance(bot, hours=1.5)  # back after midnight: yesterday's digest is not sent a day late
    await run_job(bot)
    assert len(digests(telegram, USER)) == 1
    [(_, due)] = await bot.services.store.due_subscriptions(clock.time() + 86_400)
    assert due > clock.time()  # rescheduled to the next 06:30


async def test_five_hundred_subscribers_at_the_same_minute(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    telegram.post_to_channel(-1002222222222, BANK, title="قناة الاقتصاد")
    await telegram.wait_for(lambda: fake_openai.calls == 1)
    when = soon(bot)
    chats = list(range(100_000, 100_500))
    for chat in chats:
        telegram.register_chat(chat, "private")
        await bot.services.digests.subscribe(chat, [when, "UTC"], "ar", group=False)
    advance(bot, minutes=3)
    await run_job(bot)
    missing = [chat for chat in chats if len(digests(telegram, chat)) != 1]
    assert missing == []
    assert telegram.throttled == 0
    assert fake_openai.calls == 1


async def test_removing_the_bot_ends_the_subscription(bot: RunningBot, telegram: FakeTelegram) -> None:
    telegram.send_command(USER, "subscribe", "08:00")
    await replies(telegram, USER)
    telegram.my_chat_member(USER, "kicked", old_status="member")  # the user blocked the bot
    for _ in range(100):  # the update is handled asynchronously
        if await bot.services.store.get_subscription(USER) is None:
            break
        await asyncio.sleep(0.05)
    assert await bot.services.store.get_subscription(USER) is None


async def test_group_upgraded_to_supergroup_keeps_its_digest(bot: RunningBot, telegram: FakeTelegram) -> None:
    group, supergroup = -4003, -1004003
    telegram.register_chat(group, "group", title="مجموعة")
    telegram.make_admin(group, USER)
    telegram.send_command(group, "subscribe", "08:00 UTC", user_id=USER)
    await replies(telegram, group)
    # Telegram's service message in the old group: "migrated to" the new supergroup id.
    telegram.push_update(
        {
            "message": {
                "message_id": 99,
                "date": 1700000000,
                "chat": {"id": group, "type": "group", "title": "مجموعة"},
                "migrate_to_chat_id": supergroup,
            }
        }
    )
    for _ in range(100):
        if await bot.services.store.get_subscription(supergroup) is not None:
            break
        await asyncio.sleep(0.05)
    moved = await bot.services.store.get_subscription(supergroup)
    assert moved is not None and moved.time == "08:00"
    assert await bot.services.store.get_subscription(group) is None
