"""Which channels an admin added the bot to (their posts feed the digests)."""

from __future__ import annotations

from bot.store import keys
from bot.store.base import StoreBase


class AccessData(StoreBase):
    """Channels approved by an admin's adding the bot (no TTL: as long as the bot is a member)."""

    async def approve_channel(self, chat_id: int) -> None:
        """Note that an admin added the bot to this channel."""
        await self.redis.run(lambda r: r.sadd(keys.approved_channels(), str(chat_id)), None)

    async def unapprove_channel(self, chat_id: int) -> None:
        """The bot left (or was removed from) the channel: its approval ends."""
        await self.redis.run(lambda r: r.srem(keys.approved_channels(), str(chat_id)), None)

    async def channel_approved(self, chat_id: int) -> bool:
        """True when an admin added the bot to this channel (False also when Redis does not answer)."""
        return bool(await self.redis.run(lambda r: r.sismember(keys.approved_channels(), str(chat_id)), False))
