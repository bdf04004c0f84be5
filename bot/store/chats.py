"""Per-chat and per-user data: reply language, which message is about which article, Q&A threads."""

from __future__ import annotations

import json
from typing import Any

from bot.models import Lang, Source, Turn
from bot.store import keys
from bot.store.base import Entry, StoreBase

PREFERENCE_TTL = 400 * 86_400  # a year and a bit, refreshed whenever the user changes it
THREAD_TURNS = 20
ARTICLE_WINDOW = 2 * 86_400  # how long a chat's list of articles reaches back (digests need 24 h)


class ChatData(StoreBase):
    """Conversations and preferences."""

    async def get_language(self, user_id: int) -> Lang | None:
        """The reply language a user chose with /lang."""
        raw = await self.redis.run(lambda r: r.get(keys.language(user_id)), None)
        value = raw.decode() if raw else None
        return value if value in ("ar", "en") else None

    async def set_language(self, user_id: int, lang: Lang) -> None:
        """Remember a user's reply language."""
        await self.redis.run(lambda r: r.set(keys.language(user_id), lang, ex=PREFERENCE_TTL), None)

    async def link_messages(self, chat_id: int, message_ids: list[int], article_id: str) -> None:
        """Remember that these messages (a brief, the post, an answer) are about an article."""

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for message_id in message_ids:
                pipe.set(keys.message_article(chat_id, message_id), article_id, ex=self.ttl)
            pipe.set(keys.chat_last_article(chat_id), article_id, ex=self.ttl)
            return await pipe.execute()

        if message_ids:
            await self.redis.run(write, None)

    async def link_message(self, chat_id: int, message_id: int, article_id: str) -> None:
        """Remember which article one message is (a channel's post), without making it the chat's latest."""
        key = keys.message_article(chat_id, message_id)
        await self.redis.run(lambda r: r.set(key, article_id, ex=self.ttl), None)

    async def link_brief(self, chat_id: int, message_ids: list[int]) -> None:
        """Remember which messages make up one brief (its buttons are on the last one)."""
        if message_ids:
            key, data = keys.brief_messages(chat_id, message_ids[-1]), json.dumps(message_ids)
            await self.redis.run(lambda r: r.set(key, data, ex=self.ttl), None)

    async def brief_messages(self, chat_id: int, message_id: int) -> list[int]:
        """The messages of the brief whose buttons are on `message_id` (just that one when unknown)."""
        raw = await self.redis.run(lambda r: r.get(keys.brief_messages(chat_id, message_id)), None)
        try:
            ids = json.loads(raw) if raw else []
        except ValueError:
            ids = []
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids) or message_id not in ids:
            return [message_id]
        return ids

    async def article_of_message(self, chat_id: int, message_id: int) -> str | None:
        """The article a message is about, if the bot knows."""
        raw = await self.redis.run(lambda r: r.get(keys.message_article(chat_id, message_id)), None)
        return raw.decode() if raw else None

    async def last_article(self, chat_id: int) -> str | None:
        """The latest article of a chat."""
        raw = await self.redis.run(lambda r: r.get(keys.chat_last_article(chat_id)), None)
        return raw.decode() if raw else None

    async def add_chat_article(self, chat_id: int, article_id: str, source: Source, when: float) -> None:
        """Note that a chat sent an article from a source (its digest is made of these)."""
        await self._add_entry(keys.chat_articles(chat_id), article_id, source, when, ARTICLE_WINDOW)

    async def chat_articles(self, chat_id: int, since: float) -> list[Entry]:
        """Articles a chat sent since a time: (article id, source, arrival time)."""
        return await self._entries(keys.chat_articles(chat_id), since)

    async def get_thread(self, chat_id: int, article_id: str) -> list[Turn]:
        """Earlier questions and answers about an article in a chat, oldest first."""
        raw = await self.redis.run(lambda r: r.lrange(keys.thread(chat_id, article_id), 0, -1), [])
        turns = []
        for item in raw:
            try:
                turns.append(Turn.model_validate_json(item))
            except ValueError:
                continue
        return turns

    async def add_turn(self, chat_id: int, article_id: str, turn: Turn) -> None:
        """Append a question and its answer to the thread (the last THREAD_TURNS are kept)."""
        key = keys.thread(chat_id, article_id)
        data = turn.model_dump_json()

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=True)
            pipe.rpush(key, data)
            pipe.ltrim(key, -THREAD_TURNS, -1)
            pipe.expire(key, self.ttl)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def forget_chat(self, chat_id: int, user_id: int) -> None:
        """Delete what is kept about a user and their chat (/forget); articles shared by others stay."""
        patterns = [
            f"{keys.PREFIX}msg:{chat_id}:*",
            f"{keys.PREFIX}thread:{chat_id}:*",
            f"{keys.PREFIX}chat:{chat_id}:*",
            f"{keys.PREFIX}digest:{chat_id}:*",  # a digest being sent part-way (its messages)
            f"{keys.PREFIX}parts:{{{chat_id}}}:*",  # the last minute's messages, kept to join split posts
        ]

        async def delete(r: Any) -> Any:
            names = [keys.language(user_id), keys.subscription(chat_id)]
            for pattern in patterns:
                names.extend([name async for name in r.scan_iter(match=pattern, count=500)])
            pipe = r.pipeline(transaction=False)
            for name in names:
                pipe.delete(name)
            pipe.zrem(keys.subscriptions_due(), str(chat_id))
            return await pipe.execute()

        await self.redis.run(delete, None)
