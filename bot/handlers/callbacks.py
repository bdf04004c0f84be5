"""Buttons under a brief: switch its language, ask a question about it.

Buttons are pressed minutes or days later, after restarts, on messages the bot may no longer edit:
every callback query is answered, quietly when there is nothing to do, and never with a generic
error message in the chat. What a button refers to comes from Redis, never from its data.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError

from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Lang
from bot.render.brief import render_brief
from bot.render.catalogue import t

log = logging.getLogger(__name__)


async def on_language_button(update: Update, context: Context) -> None:
    """Show the brief in the other language, from the cached bilingual analysis (no model call)."""
    query = update.callback_query
    if query is None:
        return
    new_lang: Lang = "en" if (query.data or "").split(":")[1:2] == ["en"] else "ar"
    message = query.message
    services = context.bot_data.services
    found = (
        await services.intake.for_message(message.chat.id, message.message_id) if isinstance(message, Message) else None
    )
    if found is None or not isinstance(message, Message):
        await io.answer_query(query, t(await io.language(update, context), "thread_too_old"))
        return
    await io.answer_query(query)
    article, cached = found
    chat_id = message.chat_id
    also_in = await services.memory.also_in(chat_id, cached.grounded, article.id)
    rendered = render_brief(cached.grounded, article, new_lang, analyser=cached.analyser, also_in=also_in)
    old_ids = await services.intake.brief_message_ids(chat_id, message.message_id)
    keep = old_ids[: len(rendered)]
    who = io.quotes_someone(cached.grounded)
    markup = io.brief_keyboard(new_lang, ask=services.settings.model_configured, who=who)
    try:
        for i, (message_id, part) in enumerate(zip(keep, rendered, strict=False)):
            await io.edit_by_id(context, chat_id, message_id, part, markup if i == len(rendered) - 1 else None)
        extra = await io.send(context, chat_id, rendered[len(keep) :], keyboard=markup)
    except BadRequest as exc:  # too old to edit, deleted, or the chat is gone: leave the brief as it is
        log.info("could not switch the brief in chat %s: %s", chat_id, exc)
        return
    for surplus in old_ids[len(rendered) :]:
        with contextlib.suppress(TelegramError):
            await context.bot.delete_message(chat_id, surplus)
    ids = [*keep, *(m.message_id for m in extra)]
    await services.intake.relink_brief(chat_id, ids, article.id)


async def on_ask_button(update: Update, context: Context) -> None:
    """Invite a question: in a private chat a message the client opens a reply to; in a group, a hint."""
    query = update.callback_query
    if query is None:
        return
    message = query.message
    lang = await io.language(update, context)
    services = context.bot_data.services
    article_id = (
        await services.intake.article_of(message.chat.id, message.message_id) if isinstance(message, Message) else None
    )
    if article_id is None or not isinstance(message, Message):
        await io.answer_query(query, t(lang, "thread_too_old"))
        return
    if message.chat.type != ChatType.PRIVATE:
        # A forced reply in a group would open for everyone: tell only the one who pressed.
        await io.answer_query(query, t(lang, "ask_prompt"), alert=True)
        return
    await io.answer_query(query)
    prompt = await io.ask_prompt(context, message.chat_id, message.message_id, lang)
    await services.intake.link(message.chat_id, [prompt.message_id], article_id)


async def on_other_button(update: Update, context: Context) -> None:
    """A button this version does not know (an old or tampered one): answered, nothing else."""
    if update.callback_query is not None:
        await io.answer_query(update.callback_query)
