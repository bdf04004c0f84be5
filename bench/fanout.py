"""Digest fan-out: N subscribers due at the same minute, sent through the bot's rate limiter to FakeTelegram."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import timedelta

from bench.common import Stand, note, row, section, stand_ins
from bot.handlers.digest import TICK_SECONDS
from tests.articles import BANK
from tests.conftest import RunningBot, run_bot

RATE_GOAL = 27.0  # 90% of Telegram's 30 messages/s
PROGRESS_EVERY = 10.0
FIRST_CHAT = 5_000_000
CHANNEL_ID = -1002222222222


async def progress(stand: Stand, before: int, total: int, started: float) -> None:
    """Print how many digests have gone out, every PROGRESS_EVERY seconds, until cancelled."""
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        sent, elapsed = stand.telegram.bot_message_count() - before, time.monotonic() - started
        print(f"      … {sent:,}/{total:,} digests after {elapsed:.0f} s ({sent / elapsed:.1f}/s)", flush=True)


async def subscribe_all(bot: RunningBot, stand: Stand, chats: list[int]) -> str:
    """Register the chats with the fake and subscribe each at the same minute (UTC); returns HH:MM."""
    services = bot.services
    when = (services.clock.now() + timedelta(minutes=2)).strftime("%H:%M")
    for chat in chats:
        stand.telegram.register_chat(chat, "private")
        await services.digests.subscribe(chat, [when, "UTC"], "ar", group=False)
    return when


def as_scheduled(durations: list[float], tick: float) -> float:
    """Seconds to send them all if runs start only on JobQueue ticks (a tick during a run does nothing)."""
    clock = 0.0
    for duration in durations[:-1]:
        clock = math.ceil((clock + duration) / tick) * tick
    return clock + durations[-1]


async def send_all(bot: RunningBot, stand: Stand, chats: list[int]) -> None:
    """Run the digest job (as the JobQueue would) until every chat has its digest; print the figures."""
    telegram = stand.telegram
    [job] = bot.application.job_queue.get_jobs_by_name("digests")  # type: ignore[union-attr]
    llm, throttled, rejected = stand.openai.calls, telegram.throttled, len(telegram.rejected)
    before = telegram.bot_message_count()
    started = time.monotonic()
    reporter = asyncio.create_task(progress(stand, before, len(chats), started))
    durations: list[float] = []
    per_run: list[int] = []
    try:
        while True:
            count, run_started = telegram.bot_message_count(), time.monotonic()
            await job.run(bot.application)
            sent = telegram.bot_message_count() - count
            if not sent:
                break
            durations.append(time.monotonic() - run_started)
            per_run.append(sent)
            if telegram.bot_message_count() - before >= len(chats):
                break
    finally:
        reporter.cancel()
    elapsed = sum(durations) or 1e-9
    sent = telegram.bot_message_count() - before
    delivered = sum(1 for chat in chats if telegram.bot_message_count(chat) == 1)
    rate = sent / elapsed
    row(
        "digests delivered (one message each)", f"{delivered:,} of {len(chats):,} chats", "all", delivered == len(chats)
    )
    row(
        "send rate while the job runs",
        f"{rate:.1f} messages/s ({sent:,} in {elapsed:.1f} s)",
        f"≥ {RATE_GOAL:g}/s",
        rate >= RATE_GOAL,
    )
    runs = ", ".join(f"{n:,} in {d:.1f} s" for n, d in zip(per_run, durations, strict=True))
    if len(per_run) > 3:
        runs = f"{min(per_run):,}–{max(per_run):,} digests in {min(durations):.1f}–{max(durations):.1f} s each"
    row("job runs needed", f"{len(per_run)} ({runs})", "1 (derived)", len(per_run) == 1)
    if len(per_run) > 1:
        scheduled = as_scheduled(durations, TICK_SECONDS)
        row(
            f"  estimate with a tick every {TICK_SECONDS} s",
            f"{sent / scheduled:.1f} messages/s ({scheduled:.0f} s)",
            f"≥ {RATE_GOAL:g}/s",
            sent / scheduled >= RATE_GOAL,
        )
        note("runs above were started back to back; the JobQueue starts one only on a tick, and a tick that")
        note("comes while a run is sending returns at once (Digests._running)")
    provoked = telegram.throttled - throttled
    row("429s provoked (FakeTelegram enforce_rates=True)", str(provoked), "0", provoked == 0)
    other = len(telegram.rejected) - rejected - provoked
    row("other rejected Bot API calls", str(other), "0", other == 0)
    row("LLM calls during the fan-out", str(stand.openai.calls - llm), "0", stand.openai.calls == llm)


async def run(redis_url: str, subscribers: int) -> None:
    """Print the fan-out section."""
    section(f"Digest fan-out ({subscribers:,} subscribers due at the same minute)")
    with stand_ins(redis_url) as stand:
        async with run_bot(stand.settings, stand.telegram) as bot:
            stand.telegram.post_to_channel(CHANNEL_ID, BANK, title="قناة الاقتصاد")
            await stand.telegram.wait_for(lambda: stand.openai.calls == 1)  # analysed once, on arrival
            await asyncio.sleep(0.2)
            chats = list(range(FIRST_CHAT, FIRST_CHAT + subscribers))
            started = time.monotonic()
            when = await subscribe_all(bot, stand, chats)
            took = time.monotonic() - started
            note(f"one channel post, analysed once; {subscribers:,} chats subscribed at {when} UTC ({took:.1f} s);")
            note("the clock is advanced past that minute and the 'digests' job is run by hand until all are sent")
            bot.services.clock.advance(timedelta(minutes=3).total_seconds())
            await send_all(bot, stand, chats)
