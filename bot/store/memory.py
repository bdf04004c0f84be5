"""Who said what, across articles (/who): actors and their verified quotes, per scope, in Redis.

A scope is a chat (what it sent) or "channels" (the approved channels' posts, which every chat sees).
Keys of a scope share the hash tag `{mem:<scope>}`, so one scope's operations stay in one Cluster slot:
- `naba:{mem:S}:names`: hash, actor id -> the actor as the latest article names it (name, English
  name, type, when); the lookup reads it to match a name (a week's actors: small).
- `naba:{mem:S}:roles`: hash, actor id -> the role the latest article that gave one gives.
- `naba:{mem:S}:q:<actor id>`: sorted set of the actor's quotes (article id and words), scored by
  time: a page is O(log n + page) (ZREVRANGEBYSCORE with LIMIT); `…:s:<actor id>` is the hash of how
  each is shown (source, link, translation).
- `naba:{mem:S}:a:<actor id>`: sorted set of the articles that named the actor (for "also in N articles").
Every key has MEMORY_DAYS as TTL, refreshed by each write, and entries older than that are trimmed.
A chat's keys are listed in its /forget index (bot.store.owners); the channels' scope belongs to no
chat and expires. The actor id is a digest of the actor's name key (bot.memory.names.name_key), so
spelling variants of one name share it and two people who share a surname do not.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import BaseModel

from bot.store import keys
from bot.store.base import queue_delete
from bot.store.owners import KEY, OwnerData, expire_at_least, own

CHANNELS = "channels"


class Remembered(BaseModel):
    """An actor as the latest article gives it."""

    name: str
    name_en: str = ""
    type: str = "person"
    role_ar: str = ""
    role_en: str = ""
    at: float = 0.0


class Said(BaseModel):
    """One verified quote of an actor, with where and when it was published."""

    article_id: str
    text: str
    speaker: str
    speaker_en: str = ""
    translation: str = ""
    source: str = ""  # the channel's (or person's) name
    url: str | None = None  # the original post, when Telegram gives a link
    at: float = 0.0


_SEP = "\x1e"


def _member(said: Said) -> str:
    return f"{said.article_id}\x1f{said.text}"


def chat_scope(chat_id: int) -> str:
    """The scope of a chat's own articles."""
    return str(chat_id)


class MemoryData(OwnerData):
    """Reads and writes the memory of who said what (see the module docstring)."""

    memory_ttl: int = 7 * 86400

    async def remember(
        self,
        scope: str,
        article_id: str,
        actors: dict[str, Remembered],
        quotes: dict[str, list[Said]],
        *,
        owner: int | None = None,
        now: float | None = None,
    ) -> None:
        """Record an article's actors (actor id -> how it names them) and their quotes in a scope.

        The same article recorded again adds nothing twice (members are the same; the first time stays).
        """
        if not actors:
            return
        now = time.time() if now is None else now
        ttl, oldest = self.memory_ttl, now - self.memory_ttl

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            names = keys.memory_actors(scope)
            if owner is not None:  # listed first: nothing stored goes unlisted (see bot.store.owners)
                keys_of = [names, keys.memory_roles(scope)] + [keys.memory_articles(scope, a) for a in actors]
                keys_of += [k for a in quotes for k in (keys.memory_quotes(scope, a), keys.memory_said(scope, a))]
                keys_of.append(keys.memory_article(scope, article_id))
                own(pipe, owner, {KEY + key: ttl for key in keys_of}, now)
            pipe.hset(names, mapping={a: who.model_dump_json() for a, who in actors.items()})
            pipe.expire(names, ttl)
            roles = {
                a: json.dumps([who.role_ar, who.role_en]) for a, who in actors.items() if who.role_ar or who.role_en
            }
            if roles:  # an article that gives no role leaves the last one given
                pipe.hset(keys.memory_roles(scope), mapping=roles)
                pipe.expire(keys.memory_roles(scope), ttl)
            for actor in actors:
                key = keys.memory_articles(scope, actor)
                pipe.zadd(key, {article_id: now}, nx=True)
                pipe.zremrangebyscore(key, "-inf", oldest)
                expire_at_least(pipe, key, ttl)
            for actor, said in quotes.items():
                # One member per article and quote: the same words of the same article, forwarded again
                # or from another channel, are one entry (the first source it came with stays).
                key, shown = keys.memory_quotes(scope, actor), keys.memory_said(scope, actor)
                pipe.zadd(key, {_member(s): s.at or now for s in said}, nx=True)
                pipe.zremrangebyscore(key, "-inf", oldest)
                expire_at_least(pipe, key, ttl)
                for s in said:
                    pipe.hsetnx(shown, _member(s), s.model_copy(update={"at": 0.0}).model_dump_json())
                expire_at_least(pipe, shown, ttl)
            added = [f"a:{a}" for a in actors] + [
                f"q:{a}{_SEP}{_member(s)}" for a, said in quotes.items() for s in said
            ]
            pipe.sadd(keys.memory_article(scope, article_id), *added)
            pipe.expire(keys.memory_article(scope, article_id), ttl)
            return await pipe.execute()

        await self.redis.run(write, None)

    async def forget_memory_article(self, scope: str, article_id: str) -> None:
        """Take one article's quotes and mentions out of a memory (an edited channel post's old version,
        or the posts of a channel the bot left)."""
        listed = keys.memory_article(scope, article_id)
        members = await self.redis.run(lambda r: r.smembers(listed), set())
        if not members:
            return

        async def drop(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for raw in members:
                entry = raw.decode() if isinstance(raw, bytes) else str(raw)
                kind, _, rest = entry.partition(":")
                if kind == "a":
                    pipe.zrem(keys.memory_articles(scope, rest), article_id)
                elif kind == "q":
                    actor, _, member = rest.partition(_SEP)
                    pipe.zrem(keys.memory_quotes(scope, actor), member)
                    pipe.hdel(keys.memory_said(scope, actor), member)
            queue_delete(pipe, listed, command="UNLINK")
            return await pipe.execute()

        await self.redis.run(drop, None)

    async def known_actors(self, scope: str) -> dict[str, Remembered]:
        """Every actor a scope remembers, by actor id (entries older than MEMORY_DAYS are left out)."""

        async def read(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            pipe.hgetall(keys.memory_actors(scope))
            pipe.hgetall(keys.memory_roles(scope))
            return await pipe.execute()

        raw, roles = await self.redis.run(read, ({}, {}))
        oldest = time.time() - self.memory_ttl
        out: dict[str, Remembered] = {}
        for actor, value in raw.items():
            try:
                who = Remembered.model_validate_json(value)
                role_ar, role_en = json.loads(roles[actor]) if actor in roles else (who.role_ar, who.role_en)
            except ValueError:
                continue
            if who.at >= oldest:
                name = actor.decode() if isinstance(actor, bytes) else str(actor)
                out[name] = who.model_copy(update={"role_ar": role_ar, "role_en": role_en})
        return out

    async def quotes_of(self, scope: str, actor: str, *, offset: int, count: int) -> tuple[list[Said], int]:
        """A page of an actor's quotes in a scope, newest first, and how many there are in all."""
        key, oldest = keys.memory_quotes(scope, actor), time.time() - self.memory_ttl
        shown = keys.memory_said(scope, actor)

        async def read(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            pipe.zrevrangebyscore(key, "+inf", oldest, start=offset, num=count, withscores=True)
            pipe.zcount(key, oldest, "+inf")
            page, total = await pipe.execute()
            values = await r.hmget(shown, [member for member, _ in page]) if page else []
            return page, total, values

        result = await self.redis.run(read, None)
        if result is None:
            return [], 0
        page, total, values = result
        said = []
        for (_, score), value in zip(page, values, strict=True):
            if value is None:
                continue
            try:
                said.append(Said.model_validate_json(value).model_copy(update={"at": float(score)}))
            except ValueError:
                continue
        return said, int(total)

    async def quote_count(self, scope: str, actor: str) -> int:
        """How many quotes of the last MEMORY_DAYS a scope holds for an actor."""
        oldest = time.time() - self.memory_ttl
        return int(await self.redis.run(lambda r: r.zcount(keys.memory_quotes(scope, actor), oldest, "+inf"), 0))

    async def article_counts(self, scope: str, actors: list[str]) -> dict[str, set[str]]:
        """The articles (ids) of the last MEMORY_DAYS that named each actor, in a scope."""
        if not actors:
            return {}
        oldest = time.time() - self.memory_ttl

        async def read(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for actor in actors:
                pipe.zrangebyscore(keys.memory_articles(scope, actor), oldest, "+inf")
            return await pipe.execute()

        result = await self.redis.run(read, None)
        if result is None:
            return {}
        return {
            actor: {m.decode() if isinstance(m, bytes) else str(m) for m in members}
            for actor, members in zip(actors, result, strict=True)
        }
