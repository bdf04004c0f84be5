"""Recent messages of a chat, kept for a minute so that a post Telegram split can be put back together.

Two shapes of split post exist: an album (every message carries the same media_group_id) and a long
text cut at Telegram's length limit (a full message followed, at the next message id, by its sequel).
All keys of one chat share the hash tag `{chat_id}`, so the transactions below stay in one Cluster slot;
the chat's index (bot.store.owners) has that tag too, so each transaction lists what it writes there.
"""

from __future__ import annotations

import json
from typing import Any

from bot.store import keys
from bot.store.base import queue_delete
from bot.store.owners import KEY, OwnerData, own

PARTS_TTL = 60
CLOSED = b"closed"


class PartsData(OwnerData):
    """Album parts and the chain of a long post's parts."""

    async def push_album_part(self, chat_id: int, media_group: str, part: dict[str, Any]) -> int | None:
        """Add one message of an album; returns how many are waiting (None without Redis)."""
        key = keys.album_parts(chat_id, media_group)

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=True)
            pipe.rpush(key, json.dumps(part, ensure_ascii=False))
            pipe.expire(key, PARTS_TTL)
            own(pipe, chat_id, {KEY + key: PARTS_TTL})
            return (await pipe.execute())[0]

        result = await self.redis.run(write, None)
        return int(result) if result is not None else None

    async def count_album_parts(self, chat_id: int, media_group: str) -> int:
        """How many messages of an album are waiting."""
        return int(await self.redis.run(lambda r: r.llen(keys.album_parts(chat_id, media_group)), 0))

    async def take_album_parts(self, chat_id: int, media_group: str) -> list[dict[str, Any]]:
        """Remove and return the waiting messages of an album."""
        key = keys.album_parts(chat_id, media_group)

        async def take(r: Any) -> Any:
            pipe = r.pipeline(transaction=True)
            pipe.lrange(key, 0, -1)
            queue_delete(pipe, key)
            return (await pipe.execute())[0]

        return [json.loads(item) for item in await self.redis.run(take, [])]

    async def register_part(
        self, chat_id: int, message_id: int, part: dict[str, Any]
    ) -> tuple[bool, list[dict[str, Any] | None]]:
        """Note a message; returns whether Redis has it, and the two messages before it (None: not noted)."""

        async def write(r: Any) -> Any:
            pipe = r.pipeline(transaction=True)
            pipe.set(keys.part(chat_id, message_id), json.dumps(part, ensure_ascii=False), ex=PARTS_TTL)
            pipe.get(keys.part(chat_id, message_id - 1))
            pipe.get(keys.part(chat_id, message_id - 2))
            own(pipe, chat_id, {KEY + keys.part(chat_id, message_id): PARTS_TTL})
            return (await pipe.execute())[:3]

        result = await self.redis.run(write, None)
        if result is None:
            return False, [None, None]
        return True, [json.loads(raw) if raw else None for raw in result[1:]]

    async def part_at(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The noted message at an id, if any."""
        raw = await self.redis.run(lambda r: r.get(keys.part(chat_id, message_id)), None)
        return json.loads(raw) if raw else None

    async def claim_sequel(self, chat_id: int, previous_id: int, message_id: int) -> bool:
        """A sequel asks the message before it to take it; False when that post is closed already."""
        key = keys.part_next(chat_id, previous_id)

        async def claim(r: Any) -> Any:
            pipe = r.pipeline(transaction=True)
            pipe.set(key, str(message_id), nx=True, ex=PARTS_TTL)
            own(pipe, chat_id, {KEY + key: PARTS_TTL})
            return (await pipe.execute())[0]

        return bool(await self.redis.run(claim, False))

    async def waiting_sequel(self, chat_id: int, previous_id: int, *, close: bool) -> dict[str, Any] | None:
        """The sequel that claimed `previous_id`, if any; with `close`, no sequel may claim it later."""
        key = keys.part_next(chat_id, previous_id)

        async def read(r: Any) -> Any:
            pipe = r.pipeline(transaction=True)
            if close:
                pipe.set(key, CLOSED, nx=True, ex=PARTS_TTL)
                own(pipe, chat_id, {KEY + key: PARTS_TTL})
            pipe.get(key)
            return (await pipe.execute())[-1]

        claimed = await self.redis.run(read, None)
        if claimed is None or not claimed.isdigit():
            return None
        return await self.part_at(chat_id, int(claimed))
