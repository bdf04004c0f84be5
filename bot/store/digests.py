"""Digest data: subscriptions (no TTL), the schedule, once-a-day claims, channel posts.

A subscription and its schedule entry are named by the chat id alone, so /forget deletes them by
name; the day's markers are listed in the chat's index (bot.store.owners).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.models import Source, Subscription
from bot.store import keys
from bot.store.base import Entry, entry_member, parse_entry, queue_delete
from bot.store.client import DOWN, RELEASE
from bot.store.owners import CHANNEL, KEY, OwnerData, claim_article, own

CLAIM_SECONDS = 30  # a replica that dies while sending frees the digest for another after this (renewed meanwhile)
SENT, BUSY = "sent", "busy"
# A claim: this replica's token, or SENT (the day's digest went out), or BUSY (another replica has it).
Claim = str
# Extends a claim only if it is still the caller's (an expired one may be another replica's now);
# 2 when the digest is marked sent (nothing left to hold), 0 when the claim is gone.
_RENEW = """
local held = redis.call('get', KEYS[1])
if held == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
if held == 'sent' then return 2 end
return 0
"""
SENT_SECONDS = 3 * 86_400
CHANNEL_WINDOW = 2 * 86_400


class DigestData(OwnerData):
    """Subscriptions and digest bookkeeping."""

    async def put_subscription(self, subscription: Subscription, due: float) -> None:
        """Save a subscription and when its next digest is due (Unix time)."""
        chat_id = subscription.chat_id
        data = subscription.model_dump_json()

        async def write(r: Any) -> Any:
            # Not a MULTI: the two keys may live in different Cluster slots. Set first, index second.
            pipe = r.pipeline(transaction=False)
            pipe.set(keys.subscription(chat_id), data)
            pipe.zadd(keys.subscriptions_due(), {str(chat_id): due})
            return await pipe.execute()

        await self.redis.run(write, None)

    async def get_subscription(self, chat_id: int) -> Subscription | None:
        """A chat's subscription, if any."""
        return await self._get(keys.subscription(chat_id), Subscription)

    async def delete_subscription(self, chat_id: int) -> bool:
        """Remove a subscription; True if there was one."""

        async def delete(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            queue_delete(pipe, keys.subscription(chat_id))
            pipe.zrem(keys.subscriptions_due(), str(chat_id))
            return await pipe.execute()

        result = await self.redis.run(delete, None)
        return bool(result and result[0])

    async def due_subscriptions(self, now: float, limit: int = 1000) -> list[tuple[int, float]]:
        """Chats whose digest is due at or before `now`, with the time it was due."""
        raw = await self.redis.run(
            lambda r: r.zrangebyscore(keys.subscriptions_due(), "-inf", now, start=0, num=limit, withscores=True), []
        )
        return [(int(member), float(score)) for member, score in raw]

    async def reschedule(self, chat_id: int, due: float) -> None:
        """Move a subscription's next digest (only if the subscription still exists)."""
        await self.redis.run(lambda r: r.zadd(keys.subscriptions_due(), {str(chat_id): due}, xx=True), None)

    async def claim_digest(self, chat_id: int, day: str) -> Claim:
        """Take the right to send a chat's digest for a local day, for CLAIM_SECONDS (renew_digest keeps it).

        Returns a token when this replica has it; SENT when the day's digest went out already; BUSY
        while another replica holds it (its claim runs out within CLAIM_SECONDS if it dies).
        """
        key, token = keys.digest_sent(chat_id, day), f"sending:{uuid.uuid4().hex}"

        async def claim(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {KEY + key: SENT_SECONDS})  # digest_done keeps the marker that long
            pipe.set(key, token, nx=True, ex=CLAIM_SECONDS, get=True)  # the value it had, if any
            return (await pipe.execute())[-1]

        held = await self.redis.run(claim, DOWN)
        if held is DOWN:
            return BUSY  # no Redis: no digest is sent twice, so none is sent until it is back
        if held is None:
            return token
        return SENT if (held.decode() if isinstance(held, bytes) else str(held)) == "sent" else BUSY

    async def renew_digest(self, chat_id: int, day: str, token: str) -> bool | None:
        """Keep a claim for another CLAIM_SECONDS while its digest is being sent: True when renewed (or
        the digest is marked sent), False when it is lost (it ran out: another replica may hold it
        now), None when Redis is away."""
        key = keys.digest_sent(chat_id, day)
        result = await self.redis.run(lambda r: r.eval(_RENEW, 1, key, token, CLAIM_SECONDS), None)
        return None if result is None else bool(result)

    async def digest_done(self, chat_id: int, day: str) -> bool:
        """Mark a day's digest as sent (kept a few days, so a restart never sends it again); False when
        Redis did not take it."""
        key = keys.digest_sent(chat_id, day)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {KEY + key: SENT_SECONDS})
            pipe.set(key, "sent", ex=SENT_SECONDS)
            return await pipe.execute()

        return await self.redis.run(write, None) is not None

    async def release_digest(self, chat_id: int, day: str, token: str) -> None:
        """Give a claim back after a failure that a later try may not have (only if it is still ours)."""
        key = keys.digest_sent(chat_id, day)
        await self.redis.run(lambda r: r.eval(RELEASE, 1, key, token), None)

    async def digest_outbox(self, chat_id: int, day: str) -> tuple[list[str], int] | None:
        """A digest sent part-way: its messages and how many of them were sent."""
        raw = await self.redis.run(lambda r: r.get(keys.digest_outbox(chat_id, day)), None)
        try:
            data = json.loads(raw) if raw else None
            return (list(data["messages"]), int(data["sent"])) if data else None
        except (ValueError, KeyError, TypeError):
            return None

    async def put_digest_outbox(self, chat_id: int, day: str, messages: list[str], sent: int) -> None:
        """Note a digest's messages and its progress (kept as long as the day's claim could be retried)."""
        key = keys.digest_outbox(chat_id, day)
        data = json.dumps({"messages": messages, "sent": sent}, ensure_ascii=False)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {KEY + key: SENT_SECONDS})
            pipe.set(key, data, ex=SENT_SECONDS)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def drop_digest_outbox(self, chat_id: int, day: str) -> None:
        """The digest went out whole."""
        await self.redis.run(lambda r: r.delete(keys.digest_outbox(chat_id, day)), None)

    async def add_channel_article(self, article_id: str, source: Source, when: float) -> None:
        """Remember a post of a channel the bot is in (channel posts go into every digest).

        The channel claims the article for CHANNEL_WINDOW: a reader's /forget leaves it alone meanwhile.
        """
        key, member = keys.channel_articles(), entry_member(article_id, source)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            claim_article(pipe, article_id, CHANNEL, CHANNEL_WINDOW)
            pipe.zadd(key, {member: when})
            pipe.zremrangebyscore(key, "-inf", when - CHANNEL_WINDOW)
            pipe.expire(key, CHANNEL_WINDOW)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def remove_channel_article(self, article_id: str, source: Source) -> None:
        """Forget one version of a channel post (the channel edited it)."""
        member = entry_member(article_id, source)
        await self.redis.run(lambda r: r.zrem(keys.channel_articles(), member), None)

    async def drop_channel_posts(self, chat_id: int) -> list[str]:
        """Forget the posts of a channel the bot left (they no longer feed digests); their article ids."""
        key = keys.channel_articles()
        raw = await self.redis.run(lambda r: r.zrange(key, 0, -1, withscores=True), [])
        entries = [(member, parse_entry(member, score)) for member, score in raw]
        members = [member for member, entry in entries if entry[1].chat_id == chat_id]
        if members:
            await self.redis.run(lambda r: r.zrem(key, *members), None)
        return [entry[0] for _, entry in entries if entry[1].chat_id == chat_id]

    async def channel_articles(self, since: float) -> list[Entry]:
        """Channel posts since a time: (article id, channel, arrival time)."""
        return await self._entries(keys.channel_articles(), since)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its subscription follows it."""
        subscription = await self.get_subscription(old_chat_id)
        if subscription is None:
            return
        score = await self.redis.run(lambda r: r.zscore(keys.subscriptions_due(), str(old_chat_id)), None)
        await self.delete_subscription(old_chat_id)
        moved = subscription.model_copy(update={"chat_id": new_chat_id})
        await self.put_subscription(moved, float(score) if score is not None else 0.0)
