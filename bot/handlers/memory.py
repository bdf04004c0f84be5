"""/who NAME, its "more" and "did you mean" buttons, and the brief's "who said what" button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.handlers import io
from bot.handlers.context import Context
from bot.memory.service import Actor, WhoPage
from bot.models import Lang
from bot.render.brief import clean
from bot.render.catalogue import t
from bot.render.memory import said_elsewhere_messages, who_messages
from bot.render.replies import notice

CALLBACK_WHO = "who"  # who:<actor id>:<offset>


def _name(actor: Actor, lang: Lang) -> str:
    who = actor.who
    return clean(who.name_en or who.name) if lang == "en" else clean(who.name)


def choices_keyboard(actors: list[Actor], lang: Lang) -> InlineKeyboardMarkup:
    """One button per name to choose from (the actor id and page in the data: the lookup is the chat's own)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_name(a, lang)[:60], callback_data=f"{CALLBACK_WHO}:{a.id}:0")] for a in actors]
    )


def more_keyboard(page: WhoPage, lang: Lang) -> InlineKeyboardMarkup | None:
    """The "more" button under a page that has older quotes."""
    if not page.more:
        return None
    data = f"{CALLBACK_WHO}:{page.actor.id}:{page.offset + len(page.quotes)}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "who_more"), callback_data=data)]])


async def on_who(update: Update, context: Context) -> None:
    """/who NAME: the person's or organisation's role and their quotes of the last MEMORY_DAYS, newest first."""
    message = update.effective_message
    if message is None:
        return
    lang = await io.language(update, context)
    reply = io.Reply(context, message, lang)
    name = " ".join(context.args or []).strip()[:80]
    if not name:
        await reply.notice("who_usage")
        return
    services = context.bot_data.services
    answer = await services.memory.who(message.chat_id, name)
    days = f"{services.settings.memory_days:g}"
    if answer.page is not None:
        await reply.show(who_messages(answer.page, lang), keyboard=more_keyboard(answer.page, lang))
    elif answer.choices:
        key = "who_suggest" if answer.suggestions else "who_choose"
        keyboard = choices_keyboard(answer.choices, lang)
        await reply.show(notice(lang, key, name=name, days=days), keyboard=keyboard)
    else:
        await reply.notice("who_unknown", name=name, days=days)


async def on_who_button(update: Update, context: Context) -> None:
    """A name chosen, or "more": the page, as a new message (the earlier page stays readable)."""
    query = update.callback_query
    if query is None:
        return
    if not isinstance(query.message, Message):  # too old for Telegram to show it: answered, nothing else
        await io.answer_query(query)
        return
    parts = (query.data or "").split(":")
    offset = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else 0
    lang = await io.language(update, context)
    page = await context.bot_data.services.memory.page(
        query.message.chat_id, parts[1] if len(parts) > 1 else "", offset
    )
    await io.answer_query(query, None if page is not None else t(lang, "who_gone"))
    if page is not None:
        await io.send(context, query.message.chat_id, who_messages(page, lang), keyboard=more_keyboard(page, lang))


async def on_said_button(update: Update, context: Context) -> None:
    """Under a brief: what its speakers said in the chat's other recent articles (no model call)."""
    query = update.callback_query
    if query is None:
        return
    if not isinstance(query.message, Message):
        await io.answer_query(query)
        return
    message = query.message
    services = context.bot_data.services
    lang = await io.language(update, context)
    found = await services.intake.for_message(message.chat_id, message.message_id)
    if found is None:
        await io.answer_query(query, t(lang, "thread_too_old"))
        return
    await io.answer_query(query)
    article, cached = found
    speakers = await services.memory.said_elsewhere(message.chat_id, cached.grounded, article.id)
    await io.send(context, message.chat_id, said_elsewhere_messages(speakers, lang), reply_to=message.message_id)
