"""Subscriptions and the daily run: who is due, what their digest holds, sending it once per local day."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.clock import Clock
from bot.config import Settings
from bot.digest.compose import Item, Story, StoryIndex, rank
from bot.digest.schedule import local_day, next_due, parse_subscribe_args
from bot.errors import ChatMoved, ChatUnreachable, DeliveryFailed, NabaError
from bot.models import Lang, Subscription
from bot.pipeline.analyse import ArticlePipeline
from bot.store import Store
from bot.store.base import Entry

log = logging.getLogger(__name__)

DAY = 86_400
SEND_CONCURRENCY = 32
DUE_PAGE = 1000  # digests in flight at once; Telegram's pace is kept by the bot's rate limiter

# Sends one chat's digest (raises ChatUnreachable, ChatMoved or DeliveryFailed).
Deliver = Callable[[Subscription, list[Story], str], Awaitable[None]]


class Digests:
    """Subscriptions, composition from cached analyses, and the fan-out of due digests."""

    def __init__(self, settings: Settings, store: Store, pipeline: ArticlePipeline, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.max_stories = settings.digest_max_stories
        self._running = asyncio.Lock()
        self._shingles: dict[str, set[int]] = {}  # per run: each article's shingles are computed once
        self.clock = clock

    async def subscribe(
        self, chat_id: int, args: list[str], lang: Lang, *, group: bool, now: datetime | None = None
    ) -> tuple[Subscription, bool]:
        """Create or change a subscription (raises ScheduleError); returns it and whether anything changed."""
        when, zone = parse_subscribe_args(args)
        current = await self.store.get_subscription(chat_id)
        if current is not None and when is None and zone is None:
            return current, False
        subscription = Subscription(
            chat_id=chat_id,
            time=when or (current.time if current else "08:00"),
            timezone=zone or (current.timezone if current else self.settings.timezone),
            lang=lang,
            group=group,
        )
        now = now or self.clock.now()
        due = next_due(subscription.time, subscription.timezone, now)
        await self.store.put_subscription(subscription, due.timestamp())
        return subscription, True

    async def unsubscribe(self, chat_id: int) -> bool:
        """Stop a chat's digest; False when it had none."""
        return await self.store.delete_subscription(chat_id)

    async def stories(
        self, chat_id: int, now: float | None = None, *, channel: StoryIndex | None = None
    ) -> list[Story]:
        """The last 24 hours of a chat's articles and the channels' posts, grouped and ordered."""
        now = now or self.clock.now().timestamp()
        mine = await self._items(await self.store.chat_articles(chat_id, now - DAY))
        index = channel if channel is not None else await self.channel_index(now)
        return rank(index.stories(mine), self.max_stories)

    async def channel_index(self, now: float) -> StoryIndex:
        """The channels' posts of the last 24 hours, grouped (analysed now if they were not yet: once per post)."""
        items = await self._items(await self.store.channel_articles(now - DAY), analyse_missing=True)
        return StoryIndex(items, shingles=self._shingles)

    async def _items(self, entries: list[Entry], *, analyse_missing: bool = False) -> list[Item]:
        namespace = self.pipeline.analyser.cache_namespace
        loaded = await self.store.get_many(namespace, [article_id for article_id, _, _ in entries])
        items = []
        for (_, source, received), (article, cached) in zip(entries, loaded, strict=True):
            if article is None:
                continue
            article = article.model_copy(update={"source": source})
            if cached is not None:
                items.append(Item(article, cached.grounded, received))
            elif analyse_missing:  # a channel post not analysed yet: once, whoever needs it first
                try:
                    items.append(Item(article, (await self.pipeline.brief(article)).analysis, received))
                except NabaError as exc:
                    log.warning("could not analyse channel post %s for the digest: %s", article.id[:12], exc)
            # else: a chat's article whose analysis expired: no model call on a subscriber's behalf
        return items

    async def run_due(self, deliver: Deliver, now: datetime | None = None) -> int:
        """Send every digest that is due; returns how many were sent. Safe to run on several replicas."""
        if self._running.locked():
            return 0  # the previous run is still sending
        async with self._running:
            now = now or self.clock.now()
            channel: StoryIndex | None = None
            gate = asyncio.Semaphore(SEND_CONCURRENCY)
            sent = 0
            tried: set[int] = set()
            while True:  # in pages: a page's chats are rescheduled as they are served
                page = await self.store.due_subscriptions(now.timestamp(), DUE_PAGE)
                due = [(chat, at) for chat, at in page if chat not in tried]
                if not due:
                    break
                tried.update(chat for chat, _ in due)
                if channel is None:
                    channel = await self.channel_index(now.timestamp())

                async def one(chat_id: int, due_at: float, index: StoryIndex = channel) -> bool:
                    async with gate:
                        return await self._send_one(chat_id, due_at, now, index, deliver)

                results = await asyncio.gather(*(one(chat, at) for chat, at in due), return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):
                        log.error("a digest failed", exc_info=result)
                sent += sum(1 for result in results if result is True)
            self._shingles.clear()
            return sent

    async def _send_one(
        self, chat_id: int, due_at: float, now: datetime, channel: StoryIndex, deliver: Deliver
    ) -> bool:
        subscription = await self.store.get_subscription(chat_id)
        if subscription is None:
            await self.store.delete_subscription(chat_id)
            return False
        due = datetime.fromtimestamp(due_at, UTC)
        day = local_day(due, subscription.timezone)
        if day != local_day(now, subscription.timezone):
            # The bot was down for the whole local day: that digest is gone; on to the next one.
            await self.store.reschedule(chat_id, next_due(subscription.time, subscription.timezone, now).timestamp())
            return False
        following = next_due(subscription.time, subscription.timezone, due)
        if not await self.store.claim_digest(chat_id, day):
            await self.store.reschedule(chat_id, following.timestamp())
            return False  # sent already (a restart) or being sent by another replica
        try:
            stories = await self.stories(chat_id, now.timestamp(), channel=channel)
            if stories:
                chat_id = await self._deliver(subscription, stories, day, deliver)
        except ChatUnreachable:
            log.info("chat %s blocked the bot or is gone: its subscription ends", chat_id)
            await self.store.delete_subscription(chat_id)
            return False
        except DeliveryFailed as exc:
            if exc.retry:
                await self.store.release_digest(chat_id, day)  # the next run tries again
                return False
            log.warning("the digest for chat %s could not be sent: %s", chat_id, exc)
        await self.store.digest_done(chat_id, day)
        await self.store.reschedule(chat_id, following.timestamp())
        return bool(stories)

    async def _deliver(self, subscription: Subscription, stories: list[Story], day: str, deliver: Deliver) -> int:
        """Send; a group that became a supergroup takes its subscription along. Returns the chat id used."""
        try:
            await deliver(subscription, stories, day)
        except ChatMoved as moved:
            await self.store.move_chat(subscription.chat_id, moved.new_chat_id)
            await self.store.digest_done(subscription.chat_id, day)
            await deliver(subscription.model_copy(update={"chat_id": moved.new_chat_id}), stories, day)
            return moved.new_chat_id
        return subscription.chat_id
