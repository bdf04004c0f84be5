"""Digests on a busy day: composed once however often asked, never blocking other chats, and a digest of
several messages never sent twice after a failure part-way."""

from __future__ import annotations

import asyncio
import random
import time

from bot.app.services import Services
from bot.models import Analysis, CachedAnalysis, Source, Usage
from bot.pipeline.grounding import ground
from tests.articles import BANK, PORT, WATER
from tests.conftest import RunningBot, run_bot
from tests.fakes.model import generic_analysis
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies
from tests.test_digest import advance, run_job, soon

USER = 1001
WORDS = (  # noqa: SIM905 - a sentence of words reads better than 55 string literals
    "الحكومة البرلمان الوزير الجيش المدينة القرية الاقتصاد السوق النفط الغاز الكهرباء المياه المدارس الجامعة "
    "المستشفى الطريق الجسر الميناء المطار الحدود اللاجئين المساعدات الانتخابات الدستور المحكمة الشرطة الأمن "
    "الزراعة القمح الأسعار الدولار العملة البنك الضرائب الموازنة الديون الاستثمار الشركات العمال الإضراب النقابة "
    "الصحة الدواء اللقاح الطقس الأمطار الفيضانات الجفاف الحرائق الزلزال السياحة الفنادق الرياضة المنتخب الدوري"
).split()


def story(rng: random.Random, n: int) -> str:
    """A post of its own (random words, so no two share a story), with a long first line."""
    head = " ".join(rng.choice(WORDS) for _ in range(14))
    body = " ".join(rng.choice(WORDS) for _ in range(40))
    return f"خبر رقم {n}: {head}\n{body}."


async def _store_channel_posts(services: Services, count: int) -> None:
    """A day of channel posts already analysed (as if they had arrived over the day)."""
    rng = random.Random(7)
    namespace = services.pipeline.analyser.cache_namespace
    now = services.clock.time()
    source = Source(kind="channel", name="قناة كبيرة")
    for n in range(count):
        article = services.pipeline.prepare(story(rng, n), source)
        raw = Analysis.model_validate(generic_analysis(article.text))
        grounded, report = ground(raw, article.text)
        cached = CachedAnalysis(raw=raw, grounded=grounded, grounding=report, text_sha="-", usage=Usage())
        await services.store.put_article(article)
        await services.store.put_analysis(namespace, article.id, cached)
        await services.store.add_channel_article(article.id, source, now - 3600 + n)


async def test_ten_digest_commands_cost_one_composition(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    telegram.send_text(USER, WATER, forward_origin=CHANNEL)
    telegram.send_text(USER, BANK, forward_origin=CHANNEL)
    await replies(telegram, USER, 2)
    before = bot.services.digests.compositions
    for _ in range(10):
        telegram.send_command(USER, "digest")
    messages = await replies(telegram, USER, 12)
    answers = [m.text for m in messages[2:]]
    assert len(answers) == 10 and len(set(answers)) == 1 and answers[0].startswith("\u200f🗞")
    assert bot.services.digests.compositions - before == 1
    # A new article makes a new digest.
    telegram.send_text(USER, PORT, forward_origin=CHANNEL)
    await replies(telegram, USER, 13)
    telegram.send_command(USER, "digest")
    messages = await replies(telegram, USER, 14)
    assert "فالنسيا" in messages[-1].text
    assert bot.services.digests.compositions - before == 2


async def test_a_busy_day_of_channel_posts_does_not_hold_up_other_chats(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    telegram.send_text(2002, WATER, forward_origin=CHANNEL)
    await replies(telegram, 2002)
    await _store_channel_posts(bot.services, 2500)
    telegram.send_command(USER, "digest")  # the day's first digest: 2,500 posts to group
    await asyncio.sleep(0.05)
    started = time.monotonic()
    telegram.send_text(2002, WATER, forward_origin=CHANNEL)  # meanwhile, a repeat in another chat
    await replies(telegram, 2002, 2)
    repeat_done = time.monotonic()
    await replies(telegram, USER, timeout=60)
    digest_done = time.monotonic()
    # The other chat was answered while the grouping went on, not after it.
    assert repeat_done < digest_done
    assert repeat_done - started < (digest_done - started) / 2


def _big_day(bot_settings):  # type: ignore[no-untyped-def]
    return bot_settings(digest_max_stories=40)


async def test_a_digest_of_several_messages_is_not_sent_twice_after_a_failure(
    bot_settings, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    async with run_bot(_big_day(bot_settings), telegram) as bot:
        rng = random.Random(3)
        for n in range(40):
            telegram.post_to_channel(-1003333333333, story(rng, n), title="قناة الأخبار")
        await telegram.wait_for(lambda: fake_openai.calls == 40, timeout=30)
        await asyncio.sleep(0.3)
        telegram.send_command(USER, "subscribe", f"{soon(bot)} UTC")
        await replies(telegram, USER)
        advance(bot, minutes=3)
        telegram.fail_next("sendMessage", 502, "Bad Gateway", after=1)  # the second message fails
        await run_job(bot)
        first_run = [m.text for m in telegram.bot_messages(USER)[1:]]
        assert len(first_run) == 1 and first_run[0].startswith("\u200f🗞")
        await run_job(bot)  # the next run sends what is missing, and only that
        await run_job(bot)
        sent = [m.text for m in telegram.bot_messages(USER)[1:]]
    assert len(sent) >= 3
    assert len(set(sent)) == len(sent)  # nothing twice
    assert sum(text.startswith("\u200f🗞") for text in sent) == 1
    numbers = [line.split(".", 1)[0].lstrip("\u200f") for text in sent for line in text.split("\n")]
    stories = [n for n in numbers if n.isdigit()]
    assert stories == [str(i) for i in range(1, 41)]  # every story once, in order


async def test_a_channel_that_corrects_a_figure_is_read_again(
    bot: RunningBot, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    first = "ارتفعت حصيلة ضحايا الفيضانات في مدينة درنة إلى 5 قتلى وفق السلطات المحلية صباح اليوم."
    post = telegram.post_to_channel(-1004444444444, first, title="قناة عاجل")
    await telegram.wait_for(lambda: fake_openai.calls == 1)
    await asyncio.sleep(0.2)
    telegram.edit_user_message(-1004444444444, post["message_id"], first.replace("5 قتلى", "40 قتيلا"))
    await telegram.wait_for(lambda: fake_openai.calls == 2)  # a new figure is a new article
    await asyncio.sleep(0.2)
    telegram.send_command(USER, "digest")
    [digest] = await replies(telegram, USER)
    assert "40 قتيلا" in digest.text and "5 قتلى" not in digest.text
