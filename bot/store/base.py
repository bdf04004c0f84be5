"""What every part of the store shares: the connection, the TTL, typed reads and writes."""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.models import Source
from bot.store.client import Redis

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
# (article id, where it came from, when it arrived): members of the sorted sets digests read.
Entry = tuple[str, Source, float]


def queue_delete(pipe: Any, key: str, *, command: str = "DEL") -> None:
    """Queue the deletion of one key in a pipeline, on a single server and on a Cluster alike.

    (redis-py's cluster pipeline does not queue `delete`/`unlink`: it runs them at once, split by
    slot, as a coroutine the pipeline never awaits. A raw command is queued like any other.)
    """
    pipe.execute_command(command, key)


def parse(raw: bytes | str | None, model: type[M], where: str = "") -> M | None:
    """A stored JSON value validated as `model`; None when missing or unreadable."""
    if raw is None:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        log.warning("ignoring an unreadable value%s", f" at {where}" if where else "")
        return None


def entry_member(article_id: str, source: Source) -> str:
    """A sorted-set member naming an article and where it came from (one article, several sources)."""
    fields: list[object] = [article_id, source.kind, source.name, source.url]
    if source.chat_id is not None:
        fields.append(source.chat_id)  # a channel's post: which channel, so it can be dropped if the bot leaves
    return json.dumps(fields, ensure_ascii=False)


def parse_entry(member: bytes | str, score: float) -> Entry:
    """The article id, source and time of a sorted-set member."""
    article_id, kind, name, url, *chat = json.loads(member)
    return article_id, Source(kind=kind, name=name, url=url, chat_id=chat[0] if chat else None), float(score)


class StoreBase:
    """The Redis connection and the default TTL, with helpers the store's parts build on."""

    def __init__(self, redis: Redis, *, ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl

    async def _get(self, key: str, model: type[M]) -> M | None:
        return parse(await self.redis.run(lambda r: r.get(key), None), model, key)

    async def _set(self, key: str, value: BaseModel, ttl: int | None = None) -> None:
        data = value.model_dump_json()
        await self.redis.run(lambda r: r.set(key, data, ex=ttl or self.ttl), None)

    async def _entries(self, key: str, since: float) -> list[Entry]:
        """The articles of a time-ordered set since a time."""
        raw = await self.redis.run(lambda r: r.zrangebyscore(key, since, "+inf", withscores=True), [])
        return [parse_entry(member, score) for member, score in raw]
