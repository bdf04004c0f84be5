"""What the bot learned about a model endpoint (see bot.llm.structured.Profile), shared by the replicas."""

from __future__ import annotations

import hashlib

from bot.store import keys
from bot.store.base import StoreBase

ENDPOINT_TTL = 7 * 86_400  # a server upgraded to JSON schema is found out within a week


def endpoint_id(base_url: str | None, model: str) -> str:
    """A short, stable name for one base URL and model (the URL may hold a key: only its hash is kept)."""
    return hashlib.sha256(f"{base_url or 'openai'}|{model}".encode()).hexdigest()[:16]


class EndpointData(StoreBase):
    """Endpoint profiles: one small JSON value per base URL and model."""

    async def endpoint_profile(self, endpoint: str) -> str | None:
        """The remembered profile of an endpoint (JSON), if any."""
        raw = await self.redis.run(lambda r: r.get(keys.endpoint(endpoint)), None)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def remember_endpoint(self, endpoint: str, profile: str) -> None:
        """Remember what an endpoint accepts, for ENDPOINT_TTL."""
        await self.redis.run(lambda r: r.set(keys.endpoint(endpoint), profile, ex=ENDPOINT_TTL), None)
