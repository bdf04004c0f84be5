"""Typed callback context: handlers reach the services as `context.bot_data.services`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

if TYPE_CHECKING:
    from bot.app.services import Services


class BotData:
    """Application-wide data: the services, opened in post_init."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The opened services (the application's post_init sets them)."""
        if self._services is None:
            raise RuntimeError("services are not open yet")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES: ContextTypes[Context, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(bot_data=BotData)
