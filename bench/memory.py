"""Who said what (DESIGN §5: a /who lookup ≤ 5 ms p50 for an actor with 500 quotes), and Redis bytes per quote."""

from __future__ import annotations

import time

import redis

from bench.common import note, p50_p99, percentile, row, section, stand_ins
from bot.app.services import Services
from bot.models import Actor, Analysis, Article, Bilingual, Quote, Source

BUDGET = 0.005
CHAT = 4242
QUOTES = 500


def article(i: int) -> tuple[Article, Analysis]:
    """The i-th article quoting the same person (and naming two others)."""
    text = f"مقال رقم {i}: وقال الأمين العام أنطونيو غوتيريس إن «التصريح رقم {i} عن الأزمة الإنسانية في المنطقة»."
    source = Source(kind="channel", name="قناة القياس", url=f"https://t.me/bench_news/{i}")
    analysed = Analysis(
        headline=Bilingual(ar=f"مقال {i}", en=f"Article {i}"),
        summary=Bilingual(ar="ملخص", en="Summary"),
        actors=[
            Actor(
                name="أنطونيو غوتيريس",
                name_en="António Guterres",
                type="person",
                role=Bilingual(ar="الأمين العام للأمم المتحدة", en="UN Secretary-General"),
            ),
            Actor(name=f"شخص {i}", name_en=f"Person {i}", type="person", role=Bilingual(ar="", en="")),
        ],
        quotes=[
            Quote(
                speaker="أنطونيو غوتيريس",
                speaker_en="António Guterres",
                text=f"التصريح رقم {i} عن الأزمة الإنسانية في المنطقة",
                translation=f"Statement number {i} on the humanitarian crisis in the region",
            )
        ],
        language="ar",
    )
    return Article(id=f"bench-{i:04d}", text=text, language="ar", words=15, source=source), analysed


async def run(redis_url: str, quick: bool) -> None:
    """Print the memory section."""
    section("Who said what (DESIGN §5: /who ≤ 5 ms p50 for an actor with 500 quotes)")
    with stand_ins(redis_url) as stand:
        services = await Services.open(stand.settings)
        try:
            client = redis.Redis.from_url(redis_url)
            before = int(client.info("memory")["used_memory"])
            now = time.time() - QUOTES
            for i in range(QUOTES):
                art, analysed = article(i)
                await services.memory.record(CHAT, art, analysed, at=now + i)
            after = int(client.info("memory")["used_memory"])
            client.close()
            rounds = 30 if quick else 300
            lookups, pages = [], []
            for _ in range(rounds):
                started = time.perf_counter()
                answer = await services.memory.who(CHAT, "غوتيريش")
                lookups.append(time.perf_counter() - started)
                if answer.page is None or answer.page.total != QUOTES:
                    raise RuntimeError("the lookup found the wrong quotes")  # timing a wrong answer is worthless
                started = time.perf_counter()
                await services.memory.page(CHAT, answer.page.actor.id, 250)
                pages.append(time.perf_counter() - started)
            ok = percentile(lookups, 50) <= BUDGET
            row(f"/who lookup, an actor with {QUOTES} quotes (match + first page)", p50_p99(lookups), "≤ 5 ms p50", ok)
            row("a later page of the same actor (offset 250)", p50_p99(pages))
            row("Redis per remembered quote (and its article's actors)", f"{(after - before) / QUOTES:.0f} B")
            note(f"{QUOTES} articles each quoting the same person and naming one other; used_memory before/after")
        finally:
            await services.close()
