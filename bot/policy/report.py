"""What /stats shows an operator: the last seven UTC days and the state of things now."""

from __future__ import annotations

from datetime import date, timedelta

from bot import metrics
from bot.config import Settings
from bot.models import StatsReport
from bot.store import Store

DAYS = 7


async def flush(store: Store) -> None:
    """Write this process's counts to Redis (kept for the next try when Redis does not answer)."""
    tally = metrics.take_tally()
    if not await store.add_stats(tally):
        metrics.put_back(tally)


async def stats_report(settings: Settings, store: Store) -> StatsReport:
    """Today and the six days before (summed over every replica), subscribers, Redis memory, prices."""
    await flush(store)  # this replica's latest counts are in
    today = date.fromisoformat(metrics.today())  # the day the counts were recorded under
    days = [(today - timedelta(days=n)).isoformat() for n in range(DAYS - 1, -1, -1)]
    return StatsReport(
        days=await store.day_stats(days),
        subscribers=await store.subscriber_count(),
        redis_memory_bytes=await store.memory_used(),
        model=settings.openai_model,
        prices=settings.prices,
    )
