"""The per-owner index behind /forget: what a chat (or a user) caused to be stored, listed under it.

Every write that stores something because of a chat adds an entry to that chat's index,
`keys.owner(chat_id)`, in the same pipeline (a private chat's id is its user's, so a user's index
is their private chat's). /forget reads one index and deletes what it lists: its cost is what the
owner owns, and it never scans the keyspace (a SCAN would be slow, and on a Cluster it sees one node).

The index is a sorted set; an entry's score is when what it names may be gone (Unix time):
- `k:<key>`: a key of the owner's (a message link, a thread, a digest marker, a split post's part);
  deleted whole.
- `a:<fingerprint>`: the owner sent that article. /forget drops the owner's claim in
  `keys.article_senders`, and deletes the article and its analyses (in every namespace, listed in
  `keys.article_analyses`) when no other chat, and no channel, holds a live claim on it.
- `t:<thread key>`: a group's thread in which the owner asked: only the owner's turns are removed.

TTL decision. Keys named by the chat id alone (its language, subscription and `subs:due` entry,
latest article, list of articles) are not listed: /forget deletes them by name. Everything listed
has a TTL, so the index needs no more than the longest of them: on each write it is kept at least
as long as the entry just added, and entries whose key is long expired are pruned (so an active
user's index stays as small as what is alive). A subscription has no TTL, yet it needs no index
entry and the index need not persist with it. An article claim and a thread's turn can outlive the
owner's own keys (another sender keeps the article, other askers the thread, alive), but only by
one TTL: claims end by score (`article_senders` is pruned on every write) and a thread drops turns
older than its TTL (see ChatData.add_turn). So those entries are kept for twice the TTL.

Not atomic across keys (they live in different Cluster slots; no MULTI across slots): an index
entry is written before what it lists, so nothing stored is unlisted. A chat that sends an article
in the very moment its last other sender forgets it may lose that article (its next question says
the article is too old; sending it again briefs it again): the price of not locking a hot path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from bot.store import keys
from bot.store.base import StoreBase, queue_delete
from bot.store.client import DOWN

PRUNE_MARGIN = 600  # an entry outlives its key by this much: the replicas' clocks may differ a little
KEY, ARTICLE, TURNS = "k:", "a:", "t:"
CHANNEL = "channel"  # the article_senders member of an article a channel posted

# Removes one user's turns from a thread (a list of Turn JSON); one key, so one slot.
_DROP_TURNS = """
local uid = tonumber(ARGV[1])
local removed = 0
for _, item in ipairs(redis.call('lrange', KEYS[1], 0, -1)) do
  local ok, turn = pcall(cjson.decode, item)
  if ok and type(turn) == 'table' and turn.user_id == uid then
    removed = removed + redis.call('lrem', KEYS[1], 0, item)
  end
end
return removed
"""


def expire_at_least(pipe: Any, key: str, seconds: int) -> None:
    """Queue: keep `key` at least `seconds` from now (a longer TTL it has stays)."""
    pipe.expire(key, seconds, nx=True)
    pipe.expire(key, seconds, gt=True)


def own(pipe: Any, owner_id: int, entries: Mapping[str, float], now: float | None = None) -> None:
    """Queue: list `entries` (entry -> seconds what it names may live) in an owner's index."""
    if not entries:
        return
    now = time.time() if now is None else now
    index = keys.owner(owner_id)
    pipe.zadd(index, {entry: now + seconds for entry, seconds in entries.items()}, gt=True)  # GT adds new ones too
    pipe.zremrangebyscore(index, "-inf", now - PRUNE_MARGIN)
    expire_at_least(pipe, index, int(max(entries.values())) + PRUNE_MARGIN)


def claim_article(pipe: Any, article_id: str, sender: str, seconds: int, now: float | None = None) -> None:
    """Queue: note that `sender` (a chat id, or CHANNEL) holds an article for `seconds` from now."""
    now = time.time() if now is None else now
    senders = keys.article_senders(article_id)
    pipe.zadd(senders, {sender: now + seconds}, gt=True)
    pipe.zremrangebyscore(senders, "-inf", now)  # ended claims: their chats' ids are not kept
    expire_at_least(pipe, senders, seconds)


class OwnerData(StoreBase):
    """Deletes what an owner's index lists (the rest of the store writes the index)."""

    async def forget_owner(self, owner_id: int, names: Iterable[str] = ()) -> bool:
        """Delete what `owner_id`'s index lists, its index, and the keys `names` (named by the owner).

        False when Redis did not answer or refused a deletion: then the index stays, for the next try.
        """
        index = keys.owner(owner_id)
        members = await self.redis.run(lambda r: r.zrange(index, 0, -1), DOWN)
        if members is DOWN:
            return False
        entries = [m.decode() if isinstance(m, bytes) else str(m) for m in members]
        doomed = [e[len(KEY) :] for e in entries if e.startswith(KEY)]
        articles = [e[len(ARTICLE) :] for e in entries if e.startswith(ARTICLE)]
        threads = [e[len(TURNS) :] for e in entries if e.startswith(TURNS)]
        doomed += await self._release_articles(owner_id, articles)
        uid = str(owner_id)

        async def delete(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for thread in threads:
                pipe.eval(_DROP_TURNS, 1, thread, uid)
            for name in [*doomed, *names]:
                queue_delete(pipe, name, command="UNLINK")  # one key a command: no multi-key DEL across slots
            pipe.zrem(keys.subscriptions_due(), uid)  # a chat's place in the digest schedule
            results = await pipe.execute(raise_on_error=False)
            if any(isinstance(result, Exception) for result in results):
                return False  # the index stays: the next /forget finds what is left
            await r.unlink(index)
            return True

        done: bool = await self.redis.run(delete, False)
        return done

    async def _release_articles(self, owner_id: int, articles: list[str]) -> list[str]:
        """Drop the owner's claims on articles; the keys of those nobody else holds now, to delete."""
        if not articles:
            return []
        now = time.time()

        async def release(r: Any) -> Any:
            pipe = r.pipeline(transaction=False)
            for article_id in articles:
                senders = keys.article_senders(article_id)
                pipe.zrem(senders, str(owner_id))
                pipe.zcount(senders, now, "+inf")  # live claims of other chats (or a channel)
                pipe.smembers(keys.article_analyses(article_id))
            return await pipe.execute()

        result = await self.redis.run(release, None)
        if result is None:
            return []
        doomed: list[str] = []
        for i, article_id in enumerate(articles):
            others, namespaces = result[3 * i + 1], result[3 * i + 2]
            if others:
                continue
            doomed += [keys.article(article_id), keys.article_senders(article_id), keys.article_analyses(article_id)]
            doomed += [keys.analysis(ns.decode() if isinstance(ns, bytes) else ns, article_id) for ns in namespaces]
        return doomed


LEGACY_MARK = f"{keys.PREFIX}migrated:owner-index-v1"
LEGACY_MARK_TTL = 400 * 86_400  # longer than anything written before the index existed can live


class LegacyIndex(StoreBase):
    """Indexes, once, what was stored before the per-owner index existed, so /forget finds it too."""

    async def index_legacy(self) -> int:
        """Scan the keyspace once (at start, off the hot path; on a Cluster, every primary node) and list
        the keys written by an older version under their owners; delete the old per-user usage counters,
        whose names held user ids. Returns how many keys it looked at (0 when done before)."""

        async def run(r: Any) -> int:
            if not await r.set(LEGACY_MARK, 1, nx=True, ex=LEGACY_MARK_TTL):
                return 0
            seen = 0
            async for raw in r.scan_iter(match=f"{keys.PREFIX}*", count=1000):
                name = raw.decode() if isinstance(raw, bytes) else str(raw)
                seen += 1
                await self._index_one(r, name)
            return seen

        done: int = await self.redis.run(run, 0)
        return done

    async def _index_one(self, r: Any, name: str) -> None:
        parts = name[len(keys.PREFIX) :].split(":")
        kind = parts[0]
        if kind == "usage":  # naba:usage:{day}[:user:{id}]: replaced by pseudonymous budgets
            await r.unlink(name)
            return
        ttl = await r.ttl(name)
        if ttl <= 0:
            return
        pipe = r.pipeline(transaction=False)
        if kind in ("msg", "thread", "digest") and len(parts) > 2 and _is_int(parts[1]):
            own(pipe, int(parts[1]), {KEY + name: ttl})
        elif kind == "chat" and parts[-1] == "articles" and _is_int(parts[1]):
            chat_id = int(parts[1])
            for member in await r.zrange(name, 0, -1):
                article_id = json.loads(member)[0]
                own(pipe, chat_id, {ARTICLE + article_id: 2 * ttl})
                claim_article(pipe, article_id, str(chat_id), ttl)
        elif kind == "analysis" and len(parts) >= 3:
            namespace, article_id = ":".join(parts[1:-1]), parts[-1]
            pipe.sadd(keys.article_analyses(article_id), namespace)
            expire_at_least(pipe, keys.article_analyses(article_id), ttl)
        await pipe.execute(raise_on_error=False)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
