"""The metrics server (`METRICS_PORT`): `/metrics` for Prometheus and `/healthz` for a load balancer
or an orchestrator, on the Application's own event loop; and the flush of /stats' daily tally.

The server is tornado's, as python-telegram-bot's webhook server is (tornado runs on asyncio), so it
needs no thread of its own and works alike in polling and in webhook mode.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from tornado.httpserver import HTTPServer

from bot.app.ports import bind, cannot_listen
from bot.metrics import REGISTRY
from bot.policy.report import flush as flush_stats  # the tally to Redis (kept while Redis is down)

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.config import Settings
    from bot.handlers.context import Context
    from bot.store import Store

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0  # how often the day's tally goes to Redis (what a crash can lose of /stats)
PING_CACHE_SECONDS = 1.0  # a burst of health checks costs one Redis round trip


class Health:
    """What `/healthz` answers: None when healthy, else the problems in one line.

    Healthy means both:
    - Redis answers a PING now (cached for a second). The bot does answer without Redis (DESIGN §6),
      but without its cache, budgets and dedup: a replica in that state should be looked at.
    - The bot is receiving updates, as far as this process can honestly tell: the Application is
      running and so is its Updater, i.e. the long-polling loop is alive (polling mode) or the
      webhook server is listening (webhook mode). It cannot tell whether Telegram delivers: a quiet
      bot gets no updates and is not ill, and python-telegram-bot retries a failing getUpdates
      without stopping the loop. Alert on `naba_last_update_timestamp` for silence instead.
    """

    def __init__(self, application: Application, *, webhook: bool) -> None:
        self.application = application
        self.webhook = webhook
        self._redis_ok = False
        self._checked_at = -PING_CACHE_SECONDS
        self._lock = asyncio.Lock()

    async def problem(self) -> str | None:
        """The reasons the bot is not healthy, joined by "; " (None when it is)."""
        problems = [p for p in (self.telegram_problem(), await self.redis_problem()) if p]
        return "; ".join(problems) or None

    def telegram_problem(self) -> str | None:
        """Why the bot is not receiving updates, or None."""
        if not self.application.running:
            return "telegram: application not running"
        updater = self.application.updater
        if updater is None or not updater.running:
            return "telegram: webhook server down" if self.webhook else "telegram: not polling"
        return None

    async def redis_problem(self) -> str | None:
        """ "redis: not answering" when a PING fails (or the services are not open), else None."""
        async with self._lock:  # concurrent checks wait for one PING instead of sending their own
            if time.monotonic() - self._checked_at >= PING_CACHE_SECONDS:
                self._redis_ok = await self._ping()
                self._checked_at = time.monotonic()
        return None if self._redis_ok else "redis: not answering"

    async def _ping(self) -> bool:
        try:
            store: Store = self.application.bot_data.services.store
        except RuntimeError:
            return False  # services not open (yet, or any more)
        return await store.redis.ping()


class _MetricsHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest(REGISTRY))


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        problem = await self.health.problem()
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        if problem:
            self.set_status(503)
        self.write((problem or "ok") + "\n")


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # A scrape every few seconds is not worth an INFO line; failures are.
    status = handler.get_status()
    level = logging.DEBUG if status < 500 or handler.request.path == "/healthz" else logging.WARNING
    log.log(level, "%s %s %d", handler.request.method, handler.request.path, status)


class MetricsServer:
    """`/metrics` and `/healthz` on METRICS_LISTEN:METRICS_PORT, started and stopped with the Application."""

    def __init__(self, settings: Settings, application: Application) -> None:
        self.listen, self.port = settings.metrics_listen, settings.metrics_port
        self.health = Health(application, webhook=settings.webhook_url is not None)
        routes: list[Any] = [
            (r"/metrics", _MetricsHandler),
            (r"/healthz", _HealthHandler, {"health": self.health}),
        ]
        self._server = HTTPServer(tornado.web.Application(routes, log_function=_log_request))
        self._listening = False

    def start(self) -> None:
        """Listen now, on the running event loop; OSError when the address cannot be bound."""
        self._server.add_sockets([bind(self.listen, self.port or 0)])
        self._listening = True
        log.info("metrics on http://%s:%s/metrics and /healthz", self.listen, self.port)

    async def stop(self) -> None:
        """Stop listening and close the open connections (a scrape in progress is cut)."""
        if self._listening:
            self._listening = False
            self._server.stop()
            await self._server.close_all_connections()


def listen_problem(exc: OSError, settings: Settings) -> str:
    """One line for a metrics server that cannot listen."""
    return cannot_listen(exc, "metrics", settings.metrics_listen, settings.metrics_port or 0, "METRICS")


def port_problem(settings: Settings) -> str | None:
    """Why the metrics server could not listen, checked before the bot starts; None when it can (or is off)."""
    if settings.metrics_port is None:
        return None
    if settings.webhook_url is not None and settings.metrics_port == settings.webhook_port:
        return f"METRICS_PORT and WEBHOOK_PORT are both {settings.metrics_port}: give the metrics server its own port"
    try:
        bind(settings.metrics_listen, settings.metrics_port).close()
    except OSError as exc:
        return listen_problem(exc, settings)
    return None


async def flush_job(context: Context) -> None:
    """The repeating job that flushes the tally (every FLUSH_SECONDS)."""
    await flush_stats(context.bot_data.services.store)
