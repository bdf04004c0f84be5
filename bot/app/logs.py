"""Logging set-up: readable lines on stderr, and no secret ever printed."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl

from bot.config import Settings

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


def configure_logging(settings: Settings, *, level: str | None = None) -> None:
    """Log to stderr at LOG_LEVEL; the HTTP clients' request lines (which hold the token) are silenced."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets_of(settings)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or settings.log_level)
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "apscheduler", "telegram.ext.ExtBot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
