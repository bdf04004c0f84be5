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

# Adds ARGV[1] tokens to a budget unless that passes its limit ARGV[2] (0: none); gives the key its
# TTL ARGV[3] when it has none. One key, one slot: atomic on a Cluster too. 1 = reserved, 0 = refused.
_RESERVE = """
local used = redis.call('incrby', KEYS[1], ARGV[1])
if redis.call('ttl', KEYS[1]) < 0 then redis.call('expire', KEYS[1], ARGV[3]) end
local limit = tonumber(ARGV[2])
if limit > 0 and used > limit then
  redis.call('decrby', KEYS[1], ARGV[1])
  return 0
end
return 1
"""


class UsageData(StoreBase):
    """Token budgets (reserve, then settle), per-minute request counts, and /stats' daily figures."""

    async def reserve_tokens(
        self, day: str, who: str | None, tokens: int, *, user_limit: int, total_limit: int
    ) -> tuple[str | None, bool]:
        """Reserve `tokens` of the day's budgets: (refusal, counted).

        `who` is the user's pseudonym (None for the bot's own work, such as a channel post); a limit
        of 0 is no limit (the tokens are still counted). The refusal is None, "budget" (the user's)
        or "total_budget" (everyone's), and then nothing stays reserved. `counted` is False when
        Redis did not answer: the call is let through (the bot keeps answering when Redis is down,
        DESIGN §6) and there is nothing to settle later.
        """

        async def op(r: Any) -> tuple[str | None, bool]:
            user_key = keys.budget(day, who) if who else None
            if user_key is not None and not await r.eval(_RESERVE, 1, user_key, tokens, user_limit, BUDGET_TTL):
                return "budget", True
            if not await r.eval(_RESERVE, 1, keys.budget(day, TOTAL), tokens, total_limit, BUDGET_TTL):
                if user_key is not None:
                    await r.decrby(user_key, tokens)
                return "total_budget", True
            return None, True

        result: tuple[str | None, bool] = await self.redis.run(op, (None, False))
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
                pipe.expire(key, BUDGET_TTL, nx=True)
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

    async def first_in_minute(self, what: str, minute: int) -> bool:
        """True the first time `what` happens in a minute (a reply worth sending once); True without Redis."""
        key = keys.rate_told(what, minute)
        return bool(await self.redis.run(lambda r: r.set(key, 1, nx=True, ex=RATE_TTL), True))

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
            counts = await pipe.execute()
            # PFCOUNT one key at a time: redis-py's cluster pipeline refuses it (a /stats command is rare).
            users = [await r.pfcount(keys.stats_users(day)) for day in days]
            return [value for pair in zip(counts, users, strict=True) for value in pair]

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
