"""python-telegram-bot's rate limiter, with the send budget shared by every replica through Redis.

Each replica used to pace its own sends (AIORateLimiter), so three replicas sent three times what
Telegram allows. Here every message to a chat reserves its moment in one budget kept in Redis
(bot.store.pace): about 30 a second for the bot, 20 a minute per group, whatever the number of
replicas; and when Telegram answers 429, its retry_after pauses every replica, not only the one
that got it. While Redis cannot be reached (or before it is attached at start) each replica paces
itself, as it did before, with aiolimiter's leaky buckets.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.metrics import RATE_LIMITED
from bot.store.pace import PaceData, Rate

log = logging.getLogger(__name__)

# Telegram allows about 30 messages a second overall and 20 a minute per group. The bot paces a
# little below: requests that leave evenly spaced can still arrive bunched after network jitter.
OVERALL = Rate(28, 1.0)
GROUP = Rate(19, 60.0)
RETRIES = 5
LOCAL_GROUPS_MAX = 10_000  # in-process group buckets kept while Redis is away (the idle ones are dropped)


def _seconds(exc: RetryAfter) -> float:
    """A 429's retry_after in seconds (read as python-telegram-bot's own limiter does: the public
    property warns while PTB moves it from int to timedelta)."""
    value: Any = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class SharedRateLimiter(BaseRateLimiter[int]):
    """One send budget for all replicas (see the module's docstring); counts every 429 Telegram sends."""

    def __init__(self, *, overall: Rate = OVERALL, group: Rate = GROUP, max_retries: int = RETRIES) -> None:
        self.overall, self.group, self.max_retries = overall, group, max_retries
        self._pace: PaceData | None = None
        self._bot_id = 0
        self._local = AsyncLimiter(overall.count, overall.seconds)
        self._local_groups: dict[int | str, AsyncLimiter] = {}
        self._paused_until = 0.0  # monotonic; the in-process pause (no Redis)

    def attach(self, pace: PaceData, bot_id: int) -> None:
        """Share the budget through Redis from now on (the store opens after the Application is built)."""
        self._pace, self._bot_id = pace, bot_id

    async def initialize(self) -> None:
        """Nothing to open: the store is attached once it is."""

    async def shutdown(self) -> None:
        """Stop using the store (it is closed after the Application)."""
        self._pace = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send a request once the shared budget allows it; on a 429, pause everyone and try again."""
        del endpoint
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]  # a numeric id given as text
        # Negative ids are groups and channels (a @name is a channel or a supergroup): they get the group budget.
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str) else None
        for attempt in range(retries + 1):
            await self._wait(chat_id is not None, group)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                RATE_LIMITED.labels(server="telegram").inc()
                if attempt == retries:
                    log.warning("Telegram still answers 429 after %d retries: giving up on this request", retries)
                    raise
                sleep = _seconds(exc)
                log.info("Telegram answered 429: every replica waits %.1f s", sleep + 0.1)
                await self._pause(sleep + 0.1)
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises

    async def _wait(self, to_chat: bool, group: int | str | None) -> None:
        """Sleep until this request's moment: reserved in Redis, or from the in-process buckets."""
        if self._pace is not None and await self._wait_shared(self._pace, to_chat, group):
            return
        await self._wait_locally(to_chat, group)

    async def _wait_shared(self, pace: PaceData, to_chat: bool, group: int | str | None) -> bool:
        """Wait for the shared budget; False when Redis cannot be reached (the caller paces locally)."""
        if not to_chat:
            wait = await pace.wait_for_pause(self._bot_id)
            if wait is None:
                return False
            await asyncio.sleep(wait)
            return True
        shared_group = None if group is None else (group, self.group)
        slept = False
        while True:
            reserved = await pace.reserve_send(self._bot_id, self.overall, shared_group)
            if reserved is None:
                return False
            wait, again = reserved
            if wait > 0:
                await asyncio.sleep(wait)
                slept = True
            if not again:
                break
            shared_group = None  # the group's slot has come: now the bot's
        if slept:
            # A 429 may have paused every replica while this one waited for its slot: keep to it too.
            pause = await pace.wait_for_pause(self._bot_id)
            if pause:
                await asyncio.sleep(pause)
        return True

    async def _wait_locally(self, to_chat: bool, group: int | str | None) -> None:
        if to_chat:
            if group is not None:
                await self._group_limiter(group).acquire()
            await self._local.acquire()
        pause = self._paused_until - time.monotonic()  # after the buckets: a 429 meanwhile holds this one too
        if pause > 0:
            await asyncio.sleep(pause)

    def _group_limiter(self, group: int | str) -> AsyncLimiter:
        limiter = self._local_groups.get(group)
        if limiter is None:
            if len(self._local_groups) >= LOCAL_GROUPS_MAX:
                busy = self._local_groups.items()
                self._local_groups = {g: lim for g, lim in busy if not lim.has_capacity(self.group.count)}
            limiter = self._local_groups[group] = AsyncLimiter(self.group.count, self.group.seconds)
        return limiter

    async def _pause(self, seconds: float) -> None:
        """Pause every replica (through Redis), or this one alone; the retry then waits for it in _wait."""
        if self._pace is not None and await self._pace.pause_sends(self._bot_id, seconds):
            return
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
