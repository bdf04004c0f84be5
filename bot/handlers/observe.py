"""The first look at every update (group -3, before any other handler): drop it if a replica has
taken it already, count it, note its user as active today, and name it in every log line written
while it is handled.

In webhook mode Telegram posts an update again when it did not get a quick 200, and a load balancer
may retry a request on another replica: the first replica to see an update id marks it in Redis (SET
NX, for UPDATE_SEEN_SECONDS) and any later copy, on any replica, is dropped, so nobody gets two
replies. (At most once, then: were a replica to die between taking an update and answering it, the
copy is dropped too; but Telegram, which had its 200, would not have posted it again anyway.) Long
polling has one consumer and no copies: a restart's re-delivered updates are handled, as before.

The names are a context variable: python-telegram-bot handles one update, all its handler groups,
in one task (a task of its own with concurrent updates), and a task started from there copies the
context; so the value set here is seen by the later groups and by what they spawn, and never by
another update's task.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.handlers.context import Context
from bot.metrics import LAST_UPDATE, REPEATED_UPDATES, UPDATES, record_user

# (update id, chat id) of the update being handled; None outside one. bot.app.logs reads it.
CURRENT: ContextVar[tuple[int, int | None] | None] = ContextVar("naba_update", default=None)

# Bot API update types (what allowed_updates may name); anything newer is counted as "other".
KINDS = tuple(str(kind) for kind in Update.ALL_TYPES)
# How long an update id is remembered: longer than Telegram's and a load balancer's retries take.
UPDATE_SEEN_SECONDS = 600


def kind_of(update: Update) -> str:
    """The update's type as Telegram names it (message, edited_message, callback_query…), or "other"."""
    return next((kind for kind in KINDS if getattr(update, kind, None) is not None), "other")


async def on_update(update: Update, context: Context) -> None:
    """Drop a repeated update; else count it by kind, note its user as active today and set the log context."""
    chat = update.effective_chat
    CURRENT.set((update.update_id, chat.id if chat else None))
    services = context.bot_data.services
    webhook = services.settings.webhook_url is not None
    if webhook and not await services.store.first_sight(context.bot.id, update.update_id, UPDATE_SEEN_SECONDS):
        REPEATED_UPDATES.inc()
        raise ApplicationHandlerStop
    UPDATES.labels(kind=kind_of(update)).inc()
    LAST_UPDATE.set(time.time())
    user = update.effective_user
    if user is not None and not user.is_bot and services.policy.may_use(user.id):  # refused ones are not users
        record_user(user.id, services.settings.pseudonym_secret)
