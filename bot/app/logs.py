"""Logging set-up: lines on stderr (LOG_FORMAT text or json), tagged with the update being handled,
and no secret ever printed.

The update's ids come from a context variable the handlers set (bot.handlers.observe); the app wires
it in with `tag_records`, so this module (which the command line imports) never imports telegram.
Each update is handled in a task of its own, and a task started from it copies its context: every
record made while an update is handled, in any module, also in such tasks, carries its ids.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from bot.config import Settings

UpdateIds = tuple[int, int | None]  # (update id, chat id): what a log line says of its update

# Bot API URLs carry the token (…/bot123456:ABC…/sendMessage); keys may show up in error texts.
_SECRETS = [
    re.compile(r"bot\d{3,}:[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
]


class RedactingFilter(logging.Filter):
    """Replaces the bot token, the API key and anything token-shaped in every log record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # Longest first: the whole token is masked before the half of it after the colon.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return text with the secrets masked."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        for pattern in _SECRETS:
            text = pattern.sub("bot***" if pattern is _SECRETS[0] else "***", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, masked, so arguments cannot smuggle a secret past the filter."""
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def secrets_of(settings: Settings | None) -> list[str]:
    """The values no output may show: the bot token (and its part after the colon), the API key, the
    webhook secret, and the passwords in REDIS_URL and TELEGRAM_BASE_URL."""
    if settings is None:
        return []
    secrets = [
        s.get_secret_value()
        for s in (settings.telegram_bot_token, settings.openai_api_key, settings.webhook_secret)
        if s is not None
    ]
    if settings.telegram_bot_token is not None:
        _, colon, rest = settings.telegram_bot_token.get_secret_value().partition(":")
        if colon:
            secrets.append(rest)
    for url in (settings.redis_url, settings.telegram_base_url):
        if url:
            secrets.extend(url_secrets(url))
    return secrets


_QUERY_PASSWORDS = {"password", "pass"}


def url_secrets(url: str) -> list[str]:
    """The password of a URL's userinfo and any password in its query string (parsed leniently)."""
    netloc = url.partition("://")[2].partition("/")[0].partition("?")[0]
    found = []
    if "@" in netloc:
        found.append(netloc.rsplit("@", 1)[0].partition(":")[2])
    query = url.partition("?")[2].partition("#")[0]
    found += [value for key, value in parse_qsl(query) if key.lower() in _QUERY_PASSWORDS]
    return [value for value in found if value]


def redact(text: str, settings: Settings | None = None) -> str:
    """Text with the settings' secrets and anything token-shaped masked (for lines printed outside logging)."""
    return RedactingFilter(secrets_of(settings)).redact(text)


_source: ContextVar[UpdateIds | None] | None = None
_make_record = logging.getLogRecordFactory()


def _tagged_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    ids = _source.get() if _source is not None else None
    if ids is not None:  # only then: a record outside an update stays as logging made it
        record.update_id, record.chat_id = ids
    return record


def tag_records(source: ContextVar[UpdateIds | None]) -> None:
    """Give every log record made while an update is handled its `update_id` and `chat_id`, read from `source`."""
    global _make_record, _source
    _source = source
    current = logging.getLogRecordFactory()
    if current is not _tagged_record:  # once, whoever else installed a factory before
        _make_record = current
        logging.setLogRecordFactory(_tagged_record)


def _ids(record: logging.LogRecord) -> tuple[int | None, int | None]:
    return getattr(record, "update_id", None), getattr(record, "chat_id", None)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [update=… chat=…]` (the bracket only while an update is handled)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The line before any traceback, with the update's ids when known."""
        update_id, chat_id = _ids(record)
        line = super().formatMessage(record)
        if update_id is None:
            return line
        return f"{line} [update={update_id}" + (f" chat={chat_id}]" if chat_id is not None else "]")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, update_id, chat_id (and exc_info, stack_info).

    It formats what the handler's RedactingFilter left: the message already rendered and masked, the
    traceback already masked in `exc_text`.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        update_id, chat_id = _ids(record)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "update_id": update_id,
            "chat_id": chat_id,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: Settings, *, level: str | None = None) -> None:
    """Log to stderr at LOG_LEVEL in LOG_FORMAT; the HTTP clients' request lines (which hold the token) are silenced."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(secrets_of(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or settings.log_level)
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "apscheduler", "telegram.ext.ExtBot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
