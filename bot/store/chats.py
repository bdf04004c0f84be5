"""Per-chat and per-user data: reply language, which message is about which article, Q&A threads.

Each write also lists what it stores in the owner's index (bot.store.owners), which /forget reads.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bot.models import Lang, Source, Turn
from bot.store import keys
from bot.store.base import Entry, entry_member
from bot.store.owners import ARTICLE, KEY, TURNS, OwnerData, claim_article, own

PREFERENCE_TTL = 400 * 86_400  # a year and a bit, refreshed whenever the user changes it
THREAD_TURNS = 20
ARTICLE_WINDOW = 2 * 86_400  # how long a chat's list of articles reaches back (digests need 24 h)

# Appends a turn, keeps the last N, and drops turns older than the thread's TTL: a group's thread
# lives as long as anyone asks, but an asker's turn no longer than their index entry (see owners).
_ADD_TURN = """
redis.call('rpush', KEYS[1], ARGV[1])
redis.call('ltrim', KEYS[1], -tonumber(ARGV[2]), -1)
local oldest = tonumber(ARGV[3])
while true do
  local head = redis.call('lindex', KEYS[1], 0)
  if not head then break end
  local ok, turn = pcall(cjson.decode, head)
  if ok and type(turn) == 'table' and type(turn.at) == 'number' and turn.at >= oldest then break end
  redis.call('lpop', KEYS[1])
end
return redis.call('expire', KEYS[1], ARGV[4])
"""


class ChatData(OwnerData):
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

        names = [keys.message_article(chat_id, message_id) for message_id in message_ids]

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {KEY + name: self.ttl for name in names})
            for name in names:
                pipe.set(name, article_id, ex=self.ttl)
            pipe.set(keys.chat_last_article(chat_id), article_id, ex=self.ttl)
            return await pipe.execute()

        if message_ids:
            await self.redis.run(write, None)

    async def link_message(self, chat_id: int, message_id: int, article_id: str) -> None:
        """Remember which article one message is (a channel's post), without making it the chat's latest."""
        key = keys.message_article(chat_id, message_id)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {KEY + key: self.ttl})
            pipe.set(key, article_id, ex=self.ttl)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def link_brief(self, chat_id: int, message_ids: list[int]) -> None:
        """Remember which messages make up one brief (its buttons are on the last one)."""
        if message_ids:
            key, data = keys.brief_messages(chat_id, message_ids[-1]), json.dumps(message_ids)

            async def write(r: Any) -> Any:
                pipe = r.pipeline(transaction=False)
                own(pipe, chat_id, {KEY + key: self.ttl})
                pipe.set(key, data, ex=self.ttl)
                return await pipe.execute()

            await self.redis.run(write, None)

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
        """Note that a chat sent an article from a source (its digest is made of these).

        The chat also claims the article (for CACHE_TTL_DAYS): /forget deletes it only when no one
        else holds a claim.
        """
        key, member = keys.chat_articles(chat_id), entry_member(article_id, source)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {ARTICLE + article_id: 2 * self.ttl})  # see owners: a claim may outlive the chat's keys
            claim_article(pipe, article_id, str(chat_id), self.ttl)
            pipe.zadd(key, {member: when})
            pipe.zremrangebyscore(key, "-inf", when - ARTICLE_WINDOW)
            pipe.expire(key, ARTICLE_WINDOW)
            return await pipe.execute()

        await self.redis.run(write, None)

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
        """Append a question and its answer to the thread (the last THREAD_TURNS of the last TTL are kept).

        A turn asked by someone other than the chat (a group member) is also listed in the asker's
        own index, so their /forget removes their turns and leaves the others'.
        """
        key, now = keys.thread(chat_id, article_id), time.time()
        data = (turn if turn.at is not None else turn.model_copy(update={"at": now})).model_dump_json()

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            own(pipe, chat_id, {KEY + key: self.ttl}, now)
            if turn.user_id is not None and turn.user_id != chat_id:
                own(pipe, turn.user_id, {TURNS + key: 2 * self.ttl}, now)
            pipe.eval(_ADD_TURN, 1, key, data, THREAD_TURNS, now - self.ttl, self.ttl)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def forget_chat(self, chat_id: int, user_id: int) -> bool:
        """Delete everything stored because of a chat (/forget), through its index; never a scan.

        In a private chat (`chat_id == user_id`) that is all of the user's: their language, threads,
        message links, list of articles, subscription, digests in progress, split posts' parts, the
        articles only they sent (with every analysis), and their turns in groups' threads. In a
        group (the handler lets only an admin do it) it is the group's: the same, with all of its
        threads; `user_id`'s own data elsewhere stays (they forget it in their private chat). False
        when Redis could not delete it all (the user is told to try again).
        """
        names = [
            keys.language(chat_id),
            keys.subscription(chat_id),
            keys.chat_last_article(chat_id),
            keys.chat_articles(chat_id),
        ]
        return await self.forget_owner(chat_id, names)
