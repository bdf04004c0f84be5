"""Buttons under a brief: switch its language, ask a question about it."""

from __future__ import annotations

import contextlib
import logging

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Lang
from bot.render.brief import render_brief
from bot.render.catalogue import t

log = logging.getLogger(__name__)


async def on_language_button(update: Update, context: Context) -> None:
    """Show the brief in the other language, from the cached bilingual analysis (no model call)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or not query.data:
        return
    _, lang, *ids = query.data.split(":")
    new_lang: Lang = "en" if lang == "en" else "ar"
    message = query.message
    services = context.bot_data.services
    found = await services.intake.for_message(message.chat_id, message.message_id)
    if found is None:
        await query.answer(t(new_lang, "thread_too_old"), show_alert=True)
        return
    await query.answer()
    article, analysis = found
    rendered = render_brief(analysis, article, new_lang)
    chat_id = message.chat_id
    # The brief's messages: the ones named in the button's data, then the one carrying the button.
    old_ids = [*(int(i) for i in ids if i.isdigit()), message.message_id]
    keep = old_ids[: len(rendered)]
    for i, (message_id, part) in enumerate(zip(keep, rendered, strict=False)):
        last = i == len(rendered) - 1
        markup = io.brief_keyboard(new_lang, keep[:i]) if last else None
        await io.edit_by_id(context, chat_id, message_id, part, markup)
    extra = await io.send(
        context,
        chat_id,
        rendered[len(keep) :],
        keyboard=lambda earlier: io.brief_keyboard(new_lang, earlier),
        earlier=keep,
    )
    for surplus in old_ids[len(rendered) :]:
        with contextlib.suppress(BadRequest):
            await context.bot.delete_message(chat_id, surplus)
    await services.intake.store.link_messages(chat_id, [*keep, *(m.message_id for m in extra)], article.id)


async def on_ask_button(update: Update, context: Context) -> None:
    """Invite a question: in a private chat a message the client opens a reply to; in a group, a hint."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    message = query.message
    lang = await io.language(update, context)
    if message.chat.type != ChatType.PRIVATE:
        # A forced reply in a group would open for everyone: tell only the one who pressed.
        await query.answer(t(lang, "ask_prompt"), show_alert=True)
        return
    await query.answer()
    services = context.bot_data.services
    article_id = await services.intake.store.article_of_message(message.chat_id, message.message_id)
    prompt = await io.ask_prompt(context, message.chat_id, message.message_id, lang)
    if article_id:
        await services.intake.store.link_messages(message.chat_id, [prompt.message_id], article_id)
