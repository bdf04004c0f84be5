"""Budgets, request rates and the day's statistics, shared by every replica.

Users appear here only as pseudonyms (bot.metrics.pseudonym): the counters outlive a /forget (so
the daily budget holds) without naming anyone.
"""

from __future__ import annotations

from typing import Any

from bot.metrics import ERROR_PREFIX, DayTally
from bot.models import DayStats
from bot.store import keys
from bot.store.base import StoreBase

BUDGET_TTL = 2 * 86_400  # a day's counters outlive the UTC day they count (time zones, late settles)
RATE_TTL = 120
STATS_TTL = 40 * 86_400
TOTAL = "total"


class UsageData(StoreBase):
    """Token budgets (reserve, then settle), per-minute request counts, and /stats' daily figures."""

    async def reserve_tokens(
        self, day: str, who: str | None, tokens: int, *, user_limit: int, total_limit: int
    ) -> str | None:
        """Reserve `tokens` of the day's budgets; None when done, else the budget that is spent.

        `who` is the user's pseudonym (None for the bot's own work, such as a channel post); a limit
        of 0 is no limit (the tokens are still counted). Returns "budget" (the user's) or
        "total_budget" (everyone's), and then nothing stays reserved. Without Redis the call is let
        through: the bot keeps answering when Redis is down (DESIGN §6).
        """

        async def op(r: Any) -> str | None:
            charged: list[str] = []
            for key, limit, refusal in (
                (keys.budget(day, who) if who else None, user_limit, "budget"),
                (keys.budget(day, TOTAL), total_limit, "total_budget"),
            ):
                if key is None:
                    continue
                used = await r.incrby(key, tokens)
                charged.append(key)
                if used == tokens:
                    await r.expire(key, BUDGET_TTL)
                if limit and used > limit:
                    for name in charged:
                        await r.decrby(name, tokens)
                    return refusal
            return None

        result: str | None = await self.redis.run(op, None)
        return result

    async def settle_tokens(self, day: str, who: str | None, reserved: int, spent: int) -> None:
        """Replace a reservation by what was really spent (may give tokens back)."""
        delta = spent - reserved
        if not delta:
            return

        async def op(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for key in [keys.budget(day, TOTAL)] + ([keys.budget(day, who)] if who else []):
                pipe.incrby(key, delta)
                pipe.expire(key, BUDGET_TTL)
            return await pipe.execute()

        await self.redis.run(op, None)

    async def tokens_used(self, day: str, who: str | None = None) -> int:
        """Tokens reserved or spent on a UTC day by a user (pseudonym), or by everyone."""
        raw = await self.redis.run(lambda r: r.get(keys.budget(day, who or TOTAL)), None)
        return int(raw) if raw else 0

    async def count_request(self, who: str, minute: int, limit: int) -> tuple[bool, bool]:
        """Count a model-costing request in its minute: (allowed, tell), `tell` once per minute when refused.

        Without Redis every request is allowed.
        """

        async def op(r: Any) -> tuple[bool, bool]:
            pipe = r.pipeline(transaction=False)
            pipe.incr(keys.rate(who, minute))
            pipe.expire(keys.rate(who, minute), RATE_TTL)
            count, _ = await pipe.execute()
            if count <= limit:
                return True, False
            told = await r.set(keys.rate_told(who, minute), 1, nx=True, ex=RATE_TTL)
            return False, bool(told)

        result: tuple[bool, bool] = await self.redis.run(op, (True, False))
        return result

    # --- statistics ----------------------------------------------------------------------------

    async def add_stats(self, tally: dict[str, DayTally]) -> bool:
        """Add counts recorded in this process to the days' shared figures; False when Redis is down."""

        async def op(r: Any) -> bool:
            pipe = r.pipeline(transaction=False)
            for day, part in tally.items():
                for name, amount in part.counts.items():
                    pipe.hincrby(keys.stats(day), name, amount)
                pipe.expire(keys.stats(day), STATS_TTL)
                if part.users:
                    pipe.pfadd(keys.stats_users(day), *sorted(part.users))
                    pipe.expire(keys.stats_users(day), STATS_TTL)
            await pipe.execute()
            return True

        if not tally:
            return True
        done: bool = await self.redis.run(op, False)
        return done

    async def day_stats(self, days: list[str]) -> list[DayStats]:
        """The shared figures of some UTC days, in the order asked."""

        async def op(r: Any) -> list[Any]:
            pipe = r.pipeline(transaction=False)
            for day in days:
                pipe.hgetall(keys.stats(day))
                pipe.pfcount(keys.stats_users(day))
            result: list[Any] = await pipe.execute()
            return result

        raw = await self.redis.run(op, [{}, 0] * len(days))
        out = []
        for i, day in enumerate(days):
            fields = {k.decode(): int(v) for k, v in raw[2 * i].items()}
            errors = {k.removeprefix(ERROR_PREFIX): v for k, v in fields.items() if k.startswith(ERROR_PREFIX)}
            known = {k: v for k, v in fields.items() if k in DayStats.model_fields and k != "errors"}
            out.append(DayStats(day=day, active_users=int(raw[2 * i + 1]), errors=errors, **known))
        return out

    async def subscriber_count(self) -> int:
        """Chats with a digest subscription."""
        return int(await self.redis.run(lambda r: r.zcard(keys.subscriptions_due()), 0))

    async def memory_used(self) -> int | None:
        """Bytes of memory the Redis server uses (None when it does not answer)."""
        info = await self.redis.run(lambda r: r.info("memory"), None)
        return int(info["used_memory"]) if info and "used_memory" in info else None
