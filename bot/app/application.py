"""Builds the python-telegram-bot Application: the one place where the bot is wired together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat, Update
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import Application, ApplicationBuilder

from bot.app import metrics
from bot.app.logs import tag_records
from bot.app.ports import bind, cannot_listen
from bot.app.ratelimit import SharedRateLimiter
from bot.app.services import Services
from bot.config import Settings, safe_url
from bot.errors import ConfigError, NabaError
from bot.handlers import observe, register, schedule
from bot.handlers.context import CONTEXT_TYPES
from bot.models import Lang
from bot.render.catalogue import t
from bot.store import Store

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "lang", "brief", "who", "subscribe", "unsubscribe", "digest", "forget")
GROUP_COMMANDS = ("brief", "who", "lang", "subscribe", "unsubscribe", "digest", "help")
# Updates are handled concurrently so one slow model call never holds up other chats.
CONCURRENT_UPDATES = 64


def file_url(base_url: str) -> str:
    """The file endpoint that goes with a Bot API base URL (…/bot → …/file/bot)."""
    return base_url[: -len("bot")] + "file/bot" if base_url.endswith("/bot") else base_url.rstrip("/") + "/file/bot"


def command_list(lang: Lang, names: tuple[str, ...]) -> list[BotCommand]:
    """Commands with their descriptions in one language, for Telegram's command menu."""
    return [BotCommand(name, t(lang, f"command_{name}")) for name in names]


def build_application(settings: Settings) -> Application:
    """The Application with its rate limiter, handlers and lifecycle hooks (services opened in post_init)."""
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set (ask @BotFather for one)")

    server: metrics.MetricsServer | None = None
    limiter = SharedRateLimiter()  # Telegram's limits, shared with every replica once the store is open

    async def post_init(application: Application) -> None:
        nonlocal server
        tag_records(observe.CURRENT)
        services = application.bot_data.services = await Services.open(settings)
        limiter.attach(services.store, application.bot.id)
        # The model SDK and tiktoken load lazily; here, off the event loop, not at the first article.
        await asyncio.to_thread(services.warm_up)
        if settings.metrics_port is not None:
            server = metrics.MetricsServer(settings, application)
            try:
                server.start()
            except OSError as exc:
                server = None
                raise StartupError(metrics.listen_problem(exc, settings)) from None
        await set_commands(application, settings.admin_user_ids)
        # Once: what an older version stored gets listed under its owners, so /forget finds it too.
        application.create_task(services.store.index_legacy(), name="index-legacy-data")
        schedule(application)
        if application.job_queue is not None:
            application.job_queue.run_repeating(
                metrics.flush_job, interval=metrics.FLUSH_SECONDS, first=metrics.FLUSH_SECONDS, name="stats"
            )
        log.info("Naba is up as @%s", application.bot.username)

    async def post_shutdown(application: Application) -> None:
        nonlocal server
        if server is not None:
            await server.stop()
            server = None
        try:
            services = application.bot_data.services
        except RuntimeError:
            return  # the start failed before post_init opened them
        await metrics.flush_stats(services.store)  # the last seconds' counts (the job queue has stopped)
        await services.close()

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(file_url(settings.telegram_base_url))
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(limiter)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register(application)
    return application


async def set_commands(application: Application, admins: list[int] | None = None) -> None:
    """Register the command menu in English (default) and Arabic, for private chats and groups; the
    admins' private chats also list /stats (nobody else sees it)."""
    bot = application.bot
    for lang in ("en", "ar"):
        code = None if lang == "en" else "ar"
        await bot.set_my_commands(command_list(lang, COMMANDS), language_code=code)
        await bot.set_my_commands(
            command_list(lang, GROUP_COMMANDS),
            scope=BotCommandScopeAllGroupChats(),
            language_code=code,
        )
        for admin in admins or []:
            with contextlib.suppress(TelegramError):  # an admin who never started the bot: no chat yet
                await bot.set_my_commands(
                    command_list(lang, (*COMMANDS, "stats")), scope=BotCommandScopeChat(admin), language_code=code
                )


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of the webhook server: where it listens, its path, the public URL and the secret token."""
    if settings.webhook_url is None or settings.webhook_secret is None:
        raise ConfigError("WEBHOOK_URL and WEBHOOK_SECRET are both needed for webhook mode")
    url = str(settings.webhook_url)
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(url).path.lstrip("/"),
        "webhook_url": url,
        "secret_token": settings.webhook_secret.get_secret_value(),
        "allowed_updates": Update.ALL_TYPES,
    }


class StartupError(NabaError):
    """The bot cannot start; the message names the problem and what to do, in one line."""

    key = "error_config"


def run_bot(settings: Settings) -> None:
    """Run until interrupted: a webhook server when WEBHOOK_URL is set, else long polling.

    Redis (when REDIS_URL is set) and the token are checked first, on the loop the Application then
    runs on: a failure is one StartupError line instead of python-telegram-bot's retry-loop traceback.
    """
    application = build_application(settings)
    # run_polling/run_webhook run on the current event loop and close it when they end.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(preflight(application, settings))
    except BaseException:
        loop.close()
        raise
    try:
        if settings.webhook_url is None:
            log.info("starting with long polling")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
            return
        options = webhook_options(settings)
        log.info("starting the webhook server on %s:%d/%s", options["listen"], options["port"], options["url_path"])
        application.run_webhook(**options)
    except TelegramError as exc:
        raise StartupError(bot_api_problem(exc, settings)) from None
    except OSError as exc:
        raise StartupError(listen_problem(exc, settings)) from None


def listen_problem(exc: OSError, settings: Settings) -> str:
    """One line for a webhook server that cannot listen."""
    return cannot_listen(exc, "webhook", settings.webhook_listen, settings.webhook_port, "WEBHOOK")


async def preflight(application: Application, settings: Settings) -> None:
    """Check what the bot cannot run without; the Application is initialised here (getMe), not again later."""
    if settings.webhook_url is not None:
        check_port(settings)
    if problem := metrics.port_problem(settings):
        raise StartupError(problem)
    if settings.redis_url:
        await check_redis(settings)
    try:
        await application.initialize()
    except TelegramError as exc:
        raise StartupError(bot_api_problem(exc, settings)) from None


def check_port(settings: Settings) -> None:
    """Fail at start when the webhook server could not listen (run_webhook would fail only after getMe)."""
    try:
        bind(settings.webhook_listen, settings.webhook_port).close()
    except OSError as exc:
        raise StartupError(listen_problem(exc, settings)) from None


async def check_redis(settings: Settings) -> None:
    """Fail at start when REDIS_URL is set and does not answer (once running, the bot rides out outages)."""
    quiet = logging.getLogger("bot.store")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the store's own "working without the cache" warning would be a 2nd line
    try:
        store = await Store.open(settings)
        try:
            answers = store.redis.available
        finally:
            await store.close()
    except ValueError:
        raise StartupError(
            f"REDIS_URL {safe_url(settings.redis_url or '')} is malformed: use e.g. redis://localhost:6379/0"
        ) from None
    finally:
        quiet.setLevel(level)
    if not answers:
        raise StartupError(
            f"Redis at {safe_url(settings.redis_url or '')} does not answer: start it, or fix REDIS_URL "
            "(host, port, password), or leave REDIS_URL empty for the embedded Valkey"
        )


def bot_api_problem(exc: TelegramError, settings: Settings) -> str:
    """One line for a Bot API failure at start; never an exception's text (httpx's can hold the token)."""
    where = f"the Bot API at {safe_url(settings.telegram_base_url)}"
    if isinstance(exc, InvalidToken):
        return (
            f"{where} rejected TELEGRAM_BOT_TOKEN: copy the token @BotFather gave you (/mybots → API Token) "
            "into .env again"
        )
    if isinstance(exc, TimedOut):
        return f"{where} did not answer in time: check the network (or a proxy), or TELEGRAM_BASE_URL"
    if isinstance(exc, NetworkError):
        cause = type(exc.__cause__ or exc).__name__
        return f"{where} cannot be reached ({cause}): check the network (or a proxy), or TELEGRAM_BASE_URL"
    return f"{where} refused to start the bot ({exc.message})"
