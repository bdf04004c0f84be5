"""The first look at every update (group -3, before any other handler): count it, note its user as
active today, and name it in every log line written while it is handled.

The names are a context variable: python-telegram-bot handles one update, all its handler groups,
in one task (a task of its own with concurrent updates), and a task started from there copies the
context; so the value set here is seen by the later groups and by what they spawn, and never by
another update's task.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from telegram import Update

from bot.handlers.context import Context
from bot.metrics import LAST_UPDATE, UPDATES, record_user

# (update id, chat id) of the update being handled; None outside one. bot.app.logs reads it.
CURRENT: ContextVar[tuple[int, int | None] | None] = ContextVar("naba_update", default=None)

# Bot API update types (what allowed_updates may name); anything newer is counted as "other".
KINDS = tuple(str(kind) for kind in Update.ALL_TYPES)


def kind_of(update: Update) -> str:
    """The update's type as Telegram names it (message, edited_message, callback_query…), or "other"."""
    return next((kind for kind in KINDS if getattr(update, kind, None) is not None), "other")


async def on_update(update: Update, context: Context) -> None:
    """Count the update by kind, note its user as active today and set the log context (never stops others)."""
    chat = update.effective_chat
    CURRENT.set((update.update_id, chat.id if chat else None))
    UPDATES.labels(kind=kind_of(update)).inc()
    LAST_UPDATE.set(time.time())
    user = update.effective_user
    services = context.bot_data.services
    if user is not None and not user.is_bot and services.policy.may_use(user.id):  # refused ones are not users
        record_user(user.id, services.settings.pseudonym_secret)
