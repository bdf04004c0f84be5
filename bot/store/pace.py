"""One send budget for every replica: Telegram's limits kept in Redis (GCRA, one script per message).

Each message reserves the earliest moment at which both the bot's overall budget (about 30 a second)
and, for a group, the group's (20 a minute) allow it, and a 429's retry_after pauses every replica.
The clock is Redis's (TIME), so replicas whose clocks differ still share one schedule. The algorithm
is the generic cell rate algorithm: a rate and a burst, like the in-process leaky bucket it replaces
(python-telegram-bot's AIORateLimiter), so one replica paces as it did before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store import keys
from bot.store.base import StoreBase

# KEYS: the overall pace, the pause (a key that lives as long as the pause), [the group's pace].
# ARGV: interval and tolerance (ms) of the overall budget, then of the group's.
# Returns {ms to wait, 1 if the overall budget is still to be reserved after that wait}. A group whose
# budget is spent takes only its own slot: the bot's budget is reserved when that slot comes, so a
# busy group never holds up the other chats' messages.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = now + math.max(0, redis.call('PTTL', KEYS[2]))
local interval = tonumber(ARGV[1])
local gtat = 0
if #KEYS > 2 then
  gtat = tonumber(redis.call('GET', KEYS[3]) or '0')
  local gslot = math.max(slot, gtat - tonumber(ARGV[4]))
  if gslot > slot then
    local gnew = math.max(gtat, gslot) + tonumber(ARGV[3])
    redis.call('SET', KEYS[3], string.format('%.3f', gnew), 'PX', math.ceil(gnew - now) + 1000)
    return {tostring(gslot - now), 1}
  end
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
slot = math.max(slot, tat - tonumber(ARGV[2]))
local new = math.max(tat, slot) + interval
redis.call('SET', KEYS[1], string.format('%.3f', new), 'PX', math.ceil(new - now) + 1000)
if #KEYS > 2 then
  local gnew = math.max(gtat, slot) + tonumber(ARGV[3])
  redis.call('SET', KEYS[3], string.format('%.3f', gnew), 'PX', math.ceil(gnew - now) + 1000)
end
return {tostring(slot - now), 0}
"""

@dataclass(frozen=True)
class Rate:
    """`count` messages per `seconds`, in bursts of up to `count` (a leaky bucket of that size)."""

    count: int
    seconds: float

    @property
    def interval_ms(self) -> float:
        """The time one message takes of the budget."""
        return self.seconds * 1000 / self.count

    @property
    def tolerance_ms(self) -> float:
        """How far ahead of the schedule a burst may run."""
        return (self.count - 1) * self.interval_ms


class PaceData(StoreBase):
    """The shared send budget of a bot (see the module's docstring)."""

    async def reserve_send(
        self, bot_id: int, overall: Rate, group: tuple[int | str, Rate] | None
    ) -> tuple[float, bool] | None:
        """Reserve a message's moment: (seconds to wait before sending, whether the bot's budget is
        still to be reserved after that wait: a group whose budget is spent gave only its own slot).
        None without Redis (each replica paces itself)."""
        names = [keys.send_pace(bot_id), keys.send_pause(bot_id)]
        args: list[Any] = [overall.interval_ms, overall.tolerance_ms]
        if group is not None:
            names.append(keys.send_pace_chat(bot_id, group[0]))
            args += [group[1].interval_ms, group[1].tolerance_ms]
        raw = await self.redis.run(lambda r: r.eval(_RESERVE, len(names), *names, *args), None)
        return None if raw is None else (max(0.0, float(raw[0]) / 1000), bool(int(raw[1])))

    async def wait_for_pause(self, bot_id: int) -> float | None:
        """Seconds left of a pause every replica keeps (a request to no chat waits only for that)."""
        left = await self.redis.run(lambda r: r.pttl(keys.send_pause(bot_id)), None)
        return None if left is None else max(0, left) / 1000

    async def pause_sends(self, bot_id: int, seconds: float) -> bool:
        """Hold every replica's messages for `seconds` (Telegram answered 429); False without Redis.

        The pause is a key that lives that long: a longer pause extends it, a shorter one leaves it.
        """
        key, ms = keys.send_pause(bot_id), max(1, round(seconds * 1000))

        async def pause(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            pipe.set(key, 1, px=ms, nx=True)
            pipe.pexpire(key, ms, gt=True)
            return await pipe.execute()

        return await self.redis.run(pause, None) is not None

    async def first_sight(self, bot_id: int, update_id: int, seconds: int) -> bool:
        """True for the first replica to see an update (and without Redis); False for a re-posted one."""
        key = keys.update_seen(bot_id, update_id)
        return bool(await self.redis.run(lambda r: r.set(key, 1, nx=True, ex=seconds), True))
