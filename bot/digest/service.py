"""Subscriptions and the daily run: who is due, what their digest holds, sending it once per local day."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bot import metrics
from bot.clock import Clock
from bot.config import Settings
from bot.digest.channels import ChannelPosts
from bot.digest.compose import Item, Story, StoryIndex, rank
from bot.digest.schedule import local_day, next_due, parse_subscribe_args
from bot.errors import ChatMoved, ChatUnreachable, DeliveryFailed
from bot.llm.spend import Spender
from bot.memory.service import Memory
from bot.models import Lang, Subscription
from bot.pipeline.analyse import ArticlePipeline
from bot.store import Store
from bot.store.base import Entry
from bot.store.digests import BUSY, CLAIM_SECONDS, SENT

log = logging.getLogger(__name__)

DAY = 86_400
SEND_CONCURRENCY = 32
DUE_PAGE = 1000  # digests in flight at once; Telegram's pace is kept by the bot's rate limiter
WINDOW_STEP = 600  # the channels' 24 hours start on a 10-minute step, so the index only grows in between
COMPOSED_SECONDS = 600  # a chat's composed digest is reused while nothing it is made of changed
COMPOSED_MAX = 20_000
OFF_LOOP_ITEMS = 300  # a digest of more articles (the chat's and the index's) is grouped in a worker thread
PURGE_EVERY = 500  # compositions between two sweeps of the expired ones
DONE_TRIES = 6  # attempts to record a sent digest while Redis is away (over about half a minute)

# Renders a digest into Telegram HTML messages; sends one of them to a chat (raises ChatUnreachable,
# ChatMoved or DeliveryFailed).
Render = Callable[[Subscription, list[Story], str], Awaitable[list[str]]]
Send = Callable[[int, str], Awaitable[None]]
# Whether a subscriber may still receive digests (ALLOWED_USER_IDS, see bot.policy).
Allowed = Callable[[Subscription], bool]


@dataclass
class _Channels:
    """The channels' posts grouped once, reused by every digest until a post arrives or the window moves."""

    since: float
    seen: frozenset[tuple[str, str, float]]
    index: StoryIndex


def _entry_key(entry: Entry) -> tuple[str, str, float]:
    article_id, source, received = entry
    return article_id, f"{source.kind}:{source.name}:{source.url}", received


class Digests:
    """Subscriptions, composition from cached analyses, and the fan-out of due digests.

    Composition never blocks other chats: the channels' index is built once (in a worker thread)
    and extended as posts arrive, and a chat's digest is composed once for as long as its articles
    and the channels' index stay the same (`compositions` counts the real ones).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        pipeline: ArticlePipeline,
        clock: Clock,
        payer: Callable[[], Spender],
        memory: Memory | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.max_stories = settings.digest_max_stories
        self.clock = clock
        self.compositions = 0
        self._running = asyncio.Lock()
        self._channel_lock = asyncio.Lock()
        self._channels: _Channels | None = None
        self._versions = 0
        self._shingles: dict[str, set[int]] = {}  # each article's shingles are computed once
        self._composed: dict[int, tuple[Any, float, list[Story]]] = {}
        self._composing: dict[int, tuple[Any, asyncio.Future[list[Story]]]] = {}
        self.posts = ChannelPosts(store, pipeline, clock, payer, memory)

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

    async def today(self, chat_id: int) -> tuple[list[Story], str]:
        """/digest: the chat's stories now, and its local day (in its subscription's zone, else TIMEZONE)."""
        stories = await self.stories(chat_id)
        subscription = await self.store.get_subscription(chat_id)
        zone = subscription.timezone if subscription else self.settings.timezone
        return stories, local_day(self.clock.now(), zone)

    async def language_of(self, subscription: Subscription) -> Lang:
        """A digest's language: the chat's current /lang choice (a person's, or a group's admins'), else the
        language it subscribed in."""
        return await self.store.get_language(subscription.chat_id) or subscription.lang

    async def move(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription follows it."""
        await self.store.move_chat(old_chat_id, new_chat_id)

    async def unsubscribe(self, chat_id: int) -> bool:
        """Stop a chat's digest; False when it had none."""
        return await self.store.delete_subscription(chat_id)

    async def stories(
        self, chat_id: int, now: float | None = None, *, channel: StoryIndex | None = None
    ) -> list[Story]:
        """The last 24 hours of a chat's articles and the channels' posts, grouped and ordered."""
        now = now or self.clock.now().timestamp()
        index = channel if channel is not None else await self.channel_index(now)
        entries = await self.store.chat_articles(chat_id, now - DAY)
        key = (index.version, self.max_stories, tuple(_entry_key(e) for e in entries))
        loop = asyncio.get_running_loop()
        cached = self._composed.get(chat_id)
        if cached is not None and cached[0] == key and cached[1] > loop.time():
            return cached[2]
        running = self._composing.get(chat_id)
        if running is not None and running[0] == key:
            return await asyncio.shield(running[1])
        future: asyncio.Future[list[Story]] = loop.create_future()
        self._composing[chat_id] = (key, future)
        try:
            mine = await self._items(entries)
            if len(mine) + len(index) > OFF_LOOP_ITEMS:
                stories = await asyncio.to_thread(lambda: rank(index.stories(mine), self.max_stories))
            else:
                stories = rank(index.stories(mine), self.max_stories)
            self.compositions += 1
            self._remember(chat_id, key, stories, loop.time())
            future.set_result(stories)
            return stories
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it themselves
            raise
        finally:
            if self._composing.get(chat_id, (None, None))[1] is future:
                del self._composing[chat_id]

    def _remember(self, chat_id: int, key: Any, stories: list[Story], now: float) -> None:
        if self.compositions % PURGE_EVERY == 0 or len(self._composed) >= COMPOSED_MAX:
            self._composed = {c: v for c, v in self._composed.items() if v[1] > now}
            while len(self._composed) >= COMPOSED_MAX:
                del self._composed[next(iter(self._composed))]
        self._composed[chat_id] = (key, now + COMPOSED_SECONDS, stories)

    async def close(self) -> None:
        """Cancel the background analyses still running (their posts are analysed at a later call)."""
        await self.posts.close()

    def forget(self, chat_id: int) -> None:
        """Drop what is kept in memory about a chat's digest (/forget)."""
        self._composed.pop(chat_id, None)

    async def channel_index(self, now: float) -> StoryIndex:
        """The channels' analysed posts of the last 24 hours (to the 10 minutes), grouped off the event loop.

        While the window's start stays put the index only grows, by the posts that are new (or newly
        analysed); when it moves, the index is built anew. No model call is made here: a post not
        analysed yet is analysed in the background (once) and joins the index at the next call.
        """
        since = (now - DAY) // WINDOW_STEP * WINDOW_STEP
        entries = await self.store.channel_articles(since)
        async with self._channel_lock:
            current = self._channels
            # The index only grows while the window's start stays put and no post left it (an edit, or
            # a channel the bot left): else it is built anew.
            growing = (
                current is not None and current.since == since and current.seen <= {_entry_key(e) for e in entries}
            )
            known = current.seen if current is not None and growing else frozenset()
            fresh = [e for e in entries if _entry_key(e) not in known]
            if current is not None and growing and not fresh:
                return current.index
            items = await self._items(fresh, analyse_missing=True)
            if current is not None and growing:
                if not items:
                    return current.index
                self._versions += 1
                index = await asyncio.to_thread(current.index.extended, items, self._versions)
            else:
                self._versions += 1
                ids = {article_id for article_id, _, _ in entries}
                snapshot = dict(self._shingles)  # one C-level copy: worker threads may be adding to it
                self._shingles = {k: v for k, v in snapshot.items() if k in ids}
                index = await asyncio.to_thread(
                    partial(StoryIndex, items, shingles=self._shingles, version=self._versions)
                )
            included = {(item.article.id, item.received_at) for item in items}
            added = frozenset(k for k in map(_entry_key, fresh) if (k[0], k[2]) in included)
            self._channels = _Channels(since, known | added, index)
            return index

    async def _items(self, entries: list[Entry], *, analyse_missing: bool = False) -> list[Item]:
        loaded = await self.pipeline.get_many([article_id for article_id, _, _ in entries])
        items = []
        for (_, source, received), (article, cached) in zip(entries, loaded, strict=True):
            if article is None:
                continue
            article = article.model_copy(update={"source": source})
            if cached is not None:
                items.append(Item(article, cached.grounded, received, offline=cached.analyser == "rules"))
            elif analyse_missing:  # a channel post not analysed yet: once, in the background
                self.posts.analyse_later(article)
            elif self.pipeline.mode != "llm":
                # A chat's article whose analysis expired: no model call on a subscriber's behalf; the rules stand in.
                analysis = await asyncio.to_thread(self.pipeline.rules_now, article)
                items.append(Item(article, analysis, received, offline=True))
        return items

    async def run_due(
        self, render: Render, send: Send, now: datetime | None = None, *, allowed: Allowed | None = None
    ) -> int:
        """Send every digest that is due; returns how many were sent. Safe to run on several replicas.

        A subscriber `allowed` refuses is skipped (and rescheduled): no digest, the subscription kept.
        """
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
                random.shuffle(due)  # replicas reading the same page start at different chats: fewer lost claims
                if channel is None:
                    channel = await self.channel_index(now.timestamp())

                async def one(chat_id: int, due_at: float, index: StoryIndex = channel) -> bool:
                    async with gate:
                        return await self._send_one(chat_id, due_at, now, index, render, send, allowed)

                results = await asyncio.gather(*(one(chat, at) for chat, at in due), return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):
                        log.error("a digest failed", exc_info=result)
                sent += sum(1 for result in results if result is True)
            return sent

    async def _send_one(
        self,
        chat_id: int,
        due_at: float,
        now: datetime,
        channel: StoryIndex,
        render: Render,
        send: Send,
        allowed: Allowed | None,
    ) -> bool:
        subscription = await self.store.get_subscription(chat_id)
        if subscription is None:
            await self.store.delete_subscription(chat_id)
            return False
        if allowed is not None and not allowed(subscription):
            log.info("chat %s is no longer allowed to use the bot: no digest", chat_id)
            await self.store.reschedule(chat_id, next_due(subscription.time, subscription.timezone, now).timestamp())
            return False
        due = datetime.fromtimestamp(due_at, UTC)
        day = local_day(due, subscription.timezone)
        if day != local_day(now, subscription.timezone):
            # The bot was down for the whole local day: that digest is gone; on to the next one.
            await self.store.reschedule(chat_id, next_due(subscription.time, subscription.timezone, now).timestamp())
            return False
        following = next_due(subscription.time, subscription.timezone, due)
        claim = await self.store.claim_digest(chat_id, day)
        if claim == SENT:  # sent already (before a restart, or by another replica)
            await self.store.reschedule(chat_id, following.timestamp())
            return False
        if claim == BUSY:
            return False  # another replica is sending it; if it dies, its claim runs out and a later run sends it
        sending = asyncio.create_task(
            self._send_claimed(subscription, chat_id, day, claim, following, now, channel, render, send),
            name=f"digest-{chat_id}",
        )
        lost = asyncio.Event()
        keeping = asyncio.create_task(self._keep_claim(chat_id, day, claim, sending, lost), name=f"claim-{chat_id}")
        try:
            return await sending
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if lost.is_set() and not (current is not None and current.cancelling()):
                return False  # the claim was lost: whoever holds it now goes on from the outbox
            raise
        finally:
            keeping.cancel()

    async def _keep_claim(
        self, chat_id: int, day: str, token: str, sending: asyncio.Task[bool], lost: asyncio.Event
    ) -> None:
        """Renew a digest's claim while it is being sent (a long digest, or a wait for Telegram's budget).

        While Redis is away it keeps trying; a claim that ran out (another replica may hold it) stops
        the sending, so no digest goes out twice.
        """
        while True:
            await asyncio.sleep(CLAIM_SECONDS / 3)
            renewed = await self.store.renew_digest(chat_id, day, token)
            if renewed is False:
                log.warning("chat %s: the digest's claim ran out while sending; another run goes on", chat_id)
                lost.set()
                sending.cancel()
                return

    async def _send_claimed(
        self,
        subscription: Subscription,
        chat_id: int,
        day: str,
        claim: str,
        following: datetime,
        now: datetime,
        channel: StoryIndex,
        render: Render,
        send: Send,
    ) -> bool:
        delivered = False
        try:
            outbox = await self.store.digest_outbox(chat_id, day)
            if outbox is None:  # not started yet: compose it
                stories = await self.stories(chat_id, now.timestamp(), channel=channel)
                outbox = (await render(subscription, stories, day), 0) if stories else ([], 0)
            if outbox[0]:
                chat_id = await self._deliver(chat_id, day, *outbox, send)
                delivered = True
                metrics.DIGESTS.labels(result="sent").inc()
                metrics.record(metrics.Event.DIGEST_SENT)
        except ChatUnreachable:
            log.info("chat %s blocked the bot or is gone: its subscription ends", chat_id)
            metrics.DIGESTS.labels(result="failed").inc()
            metrics.record(metrics.Event.DIGEST_FAILED)
            await self.store.delete_subscription(chat_id)
            return False
        except DeliveryFailed as exc:
            if exc.retry:
                await self.store.release_digest(chat_id, day, claim)  # the next run goes on where this one stopped
                return False
            metrics.DIGESTS.labels(result="failed").inc()
            metrics.record(metrics.Event.DIGEST_FAILED)
            log.warning("the digest for chat %s could not be sent: %s", chat_id, exc)
        await self._mark_done(chat_id, day)
        await self.store.reschedule(chat_id, following.timestamp())
        return delivered

    async def _mark_done(self, chat_id: int, day: str) -> None:
        """Record a digest as sent, trying again while Redis is away (the claim is renewed meanwhile):
        unrecorded, it would be sent again once the claim runs out."""
        for attempt in range(DONE_TRIES):
            if await self.store.digest_done(chat_id, day):
                return
            if attempt < DONE_TRIES - 1:
                await asyncio.sleep(CLAIM_SECONDS / 6)
        log.error("chat %s: its digest went out but Redis did not record it: it may be sent again", chat_id)

    async def _deliver(self, chat_id: int, day: str, messages: list[str], first: int, send: Send) -> int:
        """Send the digest's messages from `first` on; returns the chat id used.

        A digest of several messages keeps its progress in Redis, so after a failure part-way the
        next run sends only what is missing (never the whole digest again). A group that became a
        supergroup takes its subscription along.
        """
        several = len(messages) > 1
        if several and first == 0:
            await self.store.put_digest_outbox(chat_id, day, messages, 0)
        moved = False
        i = first
        while i < len(messages):
            try:
                await send(chat_id, messages[i])
            except DeliveryFailed as exc:
                if i:
                    log.warning("chat %s: digest stopped after %d of %d messages: %s", chat_id, i, len(messages), exc)
                raise
            except ChatMoved as exc:
                if moved:
                    raise DeliveryFailed(f"chat {chat_id} moved twice", retry=False) from exc
                moved = True
                await self.store.move_chat(chat_id, exc.new_chat_id)
                await self.store.digest_done(chat_id, day)
                chat_id = exc.new_chat_id
                if several:
                    await self.store.put_digest_outbox(chat_id, day, messages, i)
                continue
            i += 1
            if several:
                await self.store.put_digest_outbox(chat_id, day, messages, i)
        if several:
            await self.store.drop_digest_outbox(chat_id, day)
        return chat_id
