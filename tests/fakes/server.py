"""A small aiohttp server that runs on its own thread and event loop.

The fakes run on a thread so that the code under test (in the test's event loop, or in a
subprocess such as `naba analyze`) talks to them over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Self

from aiohttp import web


class ThreadedServer:
    """Serves an aiohttp application on 127.0.0.1 from a background thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=type(self).__name__)

    def build_app(self) -> web.Application:
        """Return the aiohttp application to serve; subclasses override it."""
        raise NotImplementedError

    @property
    def origin(self) -> str:
        """The server's origin, e.g. ``http://127.0.0.1:40123``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start serving; returns self once the port is bound."""
        self._thread.start()
        self.call(self._start())
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._runner is not None:
            self.call(self._runner.cleanup())
            self._runner = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()

    def call(self, coro: Awaitable[Any], timeout: float = 10) -> Any:
        """Run a coroutine on the server's loop from another thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Schedule a plain callable on the server's loop."""
        self.loop.call_soon_threadsafe(fn)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
