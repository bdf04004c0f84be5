"""/start, /help, /lang, /forget; access control; the error handler."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import metrics
from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Lang
from bot.policy.report import stats_report
from bot.render.catalogue import t
from bot.render.chart import tokens_chart
from bot.render.replies import notice
from bot.render.stats import render_stats

log = logging.getLogger(__name__)


async def on_start(update: Update, context: Context) -> None:
    """Greet and explain in one message."""
    if update.effective_message:
        await io.Reply(context, update.effective_message, await io.language(update, context)).notice("start")


async def on_help(update: Update, context: Context) -> None:
    """What the bot does, with an example."""
    if update.effective_message:
        await io.Reply(context, update.effective_message, await io.language(update, context)).notice("help")


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have: point to /help."""
    if update.effective_message:
        await io.Reply(context, update.effective_message, await io.language(update, context)).notice("unknown_command")


async def on_lang(update: Update, context: Context) -> None:
    """/lang ar|en: choose the reply language."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    choice = (context.args[0].lower() if context.args else "").strip()
    aliases: dict[str, Lang] = {
        "ar": "ar",
        "arabic": "ar",
        "عربي": "ar",
        "العربية": "ar",
        "en": "en",
        "english": "en",
        "انجليزي": "en",
    }
    lang = aliases.get(choice)
    if lang is None:
        await io.Reply(context, message, await io.language(update, context)).notice("lang_usage")
        return
    if not await io.may_manage(update, context):
        await io.Reply(context, message, await io.language(update, context)).notice("admins_only_group")
        return
    # In a group the choice is the group's (its admins'); in a private chat, the user's.
    private = message.chat.type == ChatType.PRIVATE
    await context.bot_data.services.store.set_language(user.id if private else message.chat_id, lang)
    await io.Reply(context, message, lang).notice("lang_set")


async def on_forget(update: Update, context: Context) -> None:
    """/forget: delete the user's language, conversations, chat history and subscription."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    lang = await io.language(update, context)
    if not await io.may_manage(update, context):
        await io.Reply(context, message, lang).notice("admins_only_group")
        return
    forgotten = await context.bot_data.services.store.forget_chat(message.chat_id, user.id)
    context.bot_data.services.digests.forget(message.chat_id)
    await io.Reply(context, message, lang).notice("forgotten" if forgotten else "forget_failed")


async def on_stats(update: Update, context: Context) -> None:
    """/stats (admins only; anyone else gets the unknown-command reply): the figures, and a chart of tokens."""
    message, user = update.effective_message, update.effective_user
    services = context.bot_data.services
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        return  # never the bot's figures in a group (and, as for any command it does not have, no reply)
    if not services.policy.is_admin(user.id if user else None):
        await on_unknown_command(update, context)
        return
    lang = await io.language(update, context)
    report = await stats_report(services.settings, services.store)
    await io.send(context, message.chat_id, render_stats(report, lang), reply_to=message.message_id)
    chart = await asyncio.to_thread(tokens_chart, report, lang)  # matplotlib takes a while: not on the loop
    if chart is not None:
        await context.bot.send_photo(message.chat_id, chart, caption=t(lang, "stats_chart_caption"))


async def check_allowed(update: Update, context: Context) -> None:
    """With ALLOWED_USER_IDS set, everyone else gets one short refusal and nothing else happens."""
    user, message, chat = update.effective_user, update.effective_message, update.effective_chat
    if update.channel_post or update.edited_channel_post:
        return  # channels are approved on their own terms (see on_channel_post)
    if (
        message is not None
        and chat is not None
        and message.sender_chat is not None
        and message.sender_chat.id == chat.id
    ):
        return  # a group's anonymous admin: the group is in (the bot leaves groups strangers add it to)
    if context.bot_data.services.policy.may_use(user.id if user else None):
        return
    lang = await io.language(update, context)
    if update.callback_query is not None:  # a button: answered with the refusal, nothing in the chat
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(t(lang, "not_allowed"))
    elif (
        update.message
        and update.effective_chat
        and update.effective_chat.type == "private"
        and await context.bot_data.services.policy.tell_refused(user.id if user else None)
    ):
        await io.send(context, update.effective_chat.id, notice(lang, "not_allowed"))
    raise ApplicationHandlerStop


async def on_edit(update: Update, context: Context) -> None:
    """An edited message or command: it was handled when it was sent; nothing more happens."""
    raise ApplicationHandlerStop


async def on_error(update: object, context: Context) -> None:
    """Log the error once with its traceback and the update id; tell the user briefly (once); go on."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    metrics.record_error(f"unexpected:{type(context.error).__name__}")
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type == "channel":
        return  # nobody to tell (and never post an apology into a channel)
    if update.callback_query is not None:  # a button: answered (if it was not yet), never a message in the chat
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
        return
    if io.user_told(context.error):
        return
    try:
        lang = await io.language(update, context)
        await io.send(context, update.effective_chat.id, notice(lang, "error_generic"))
    except Exception:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
