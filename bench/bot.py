"""Bot figures: update → reply latency and many chats at once, the real Application against the fakes."""

from __future__ import annotations

import asyncio
import time

from bench.common import CHANNEL, Stand, ms, note, p50_p99, percentile, row, section, stand_ins, variant
from tests.articles import BANK, PORT, WATER
from tests.conftest import run_bot
from tests.fakes.telegram_api import Call, FakeTelegram

CACHED = 0.050  # DESIGN §5: a repeat forward answered in ≤ 50 ms
PAUSE = 0.12  # between runs: ≤ 2 messages per run stay well under 30/s, so the rate limiter never delays a reply
BASES = [WATER, BANK, PORT]


class Calls:
    """The fake's successful Bot API calls, read incrementally: the first one per (method, chat)."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram, self.seen = telegram, len(telegram.calls)
        self.first: dict[tuple[str, int | str | None], Call] = {}

    def _scan(self) -> None:
        calls = self.telegram.calls
        end = len(calls)
        for call in calls[self.seen : end]:
            if call.ok:
                self.first.setdefault((call.method, call.chat_id), call)
        self.seen = end

    async def wait(self, method: str, chat: int, timeout: float = 30.0) -> Call:  # noqa: ASYNC109
        """The first successful `method` call to `chat` since this object was made (waits for it)."""
        deadline = time.monotonic() + timeout
        while (method, chat) not in self.first:
            self._scan()
            if (method, chat) in self.first:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} to chat {chat} in {timeout} s; calls:\n{self.telegram.dump()}")
            await asyncio.sleep(0.002)
        return self.first[(method, chat)]


async def forward(telegram: FakeTelegram, chat: int, text: str, *, final: bool) -> tuple[float, float]:
    """Forward a post; seconds from the push to the first bot message and to the final brief (the edit)."""
    calls = Calls(telegram)
    pushed = time.monotonic()  # Call.time is the fake's time.monotonic() at arrival: the same clock
    telegram.send_text(chat, text, forward_origin=CHANNEL)
    first = await calls.wait("sendMessage", chat)
    done = await calls.wait("editMessageText", chat) if final else first
    return first.time - pushed, done.time - pushed


async def latency(stand: Stand, quick: bool) -> None:
    """Update → first reply, one post at a time: new articles (cold) and a known one from new chats (cached)."""
    telegram, runs = stand.telegram, 10 if quick else 50
    await forward(telegram, 9_001, variant(WATER, -1), final=True)  # warm-up: connections, lazy imports
    await forward(telegram, 9_002, variant(WATER, -1), final=False)
    throttled, llm = telegram.throttled, stand.openai.calls
    placeholder, brief = [], []
    for i in range(runs):
        first, done = await forward(telegram, 10_000 + i, variant(BASES[i % 3], i), final=True)
        placeholder.append(first)
        brief.append(done)
        await asyncio.sleep(PAUSE)
    row(f"cold: update → the '⏳' placeholder ({runs} new articles)", p50_p99(placeholder))
    row("cold: update → final brief (the placeholder edited)", p50_p99(brief))
    note(f"model latency 0; {stand.openai.calls - llm} LLM calls for {runs} new articles (one each); the final")
    note("brief includes 2 Bot API round trips and the fakes' own work (their servers run in this process)")
    repeat, cached, llm = variant(WATER, 0), [], stand.openai.calls
    for i in range(runs):
        first, _ = await forward(telegram, 20_000 + i, repeat, final=False)
        cached.append(first)
        await asyncio.sleep(PAUSE)
    p50, p99 = percentile(cached, 50), percentile(cached, 99)
    row(f"cached: update → brief ({runs} new chats, known article)", p50_p99(cached), "≤ 50 ms", p50 <= CACHED)
    note(f"p99 {'within' if p99 <= CACHED else 'OVER'} 50 ms; {stand.openai.calls - llm} LLM calls for the repeats")
    note("from just before the update is queued on the fake Bot API to the arrival there of the bot's")
    note(f"sendMessage/editMessageText (long polling included); one run every ≥ {PAUSE * 1000:.0f} ms")
    provoked = telegram.throttled - throttled
    row("429s provoked during the latency runs", str(provoked), "0", provoked == 0)


async def simultaneous(stand: Stand, chats: int) -> None:
    """N chats forward N new articles at the same moment; replies per second and 429s."""
    telegram = stand.telegram
    await asyncio.sleep(1.5)  # let the bot's limiter and the fake's buckets drain after the latency runs
    throttled, rejected, llm = telegram.throttled, len(telegram.rejected), stand.openai.calls
    watch, start, ids = Calls(telegram), len(telegram.calls), [30_000 + i for i in range(chats)]
    pushed = time.monotonic()
    for i, chat in enumerate(ids):
        telegram.send_text(chat, variant(BASES[i % 3], 100_000 + i), forward_origin=CHANNEL)
    done = await asyncio.gather(*(watch.wait("editMessageText", chat, 60 + chats) for chat in ids))
    took = [call.time - pushed for call in done]
    elapsed = max(took)
    sending = sum(1 for c in telegram.calls[start:] if c.ok and c.method in ("sendMessage", "editMessageText"))
    provoked = telegram.throttled - throttled
    other = len(telegram.rejected) - rejected - provoked
    analysed = stand.openai.calls - llm
    row(f"{chats} chats forward a new article at once: all briefs in", f"{elapsed:.2f} s")
    row("  briefs per second", f"{chats / elapsed:.1f}/s = {sending / elapsed:.1f} Telegram messages/s")
    note(f"each cold brief is 2 sending calls (placeholder + edit); per chat {p50_p99(took)}, max {ms(elapsed)};")
    note("Telegram's limit is a leaky bucket (a burst of 30, then 30/s): a short run may average above 30/s")
    row("  429s provoked (FakeTelegram enforce_rates=True)", str(provoked), "0", provoked == 0)
    row("  other rejected Bot API calls", str(other), "0", other == 0)
    row("  LLM calls", f"{analysed} for {chats} articles", f"{chats} (one each)", analysed == chats)


async def run(redis_url: str, quick: bool, chats: int) -> None:
    """Print the bot section."""
    section("Bot (real Application ↔ FakeTelegram, FakeOpenAI latency 0, real Redis)")
    with stand_ins(redis_url) as stand:
        async with run_bot(stand.settings, stand.telegram):
            await latency(stand, quick)
            await simultaneous(stand, chats)
