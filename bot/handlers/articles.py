"""Posts, pasted articles, links and follow-up questions."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType

from bot.errors import NabaError
from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Lang, Source
from bot.pipeline.intake import Ticket
from bot.pipeline.routing import classify, decide
from bot.render.brief import render_brief
from bot.render.replies import answer_messages

log = logging.getLogger(__name__)


async def on_post(update: Update, context: Context) -> None:
    """A message in a private chat: brief an article or a link, or answer a question."""
    message = update.effective_message
    if message is None:
        return
    # Taken before the first await: the messages of a chat are noted in the order they arrived.
    ticket = context.bot_data.services.intake.arrivals.ticket(message.chat_id)
    try:
        await _post(update, context, message, ticket)
    finally:
        ticket.done()


async def _post(update: Update, context: Context, message: Message, ticket: Ticket) -> None:
    intake = context.bot_data.services.intake
    reply = io.Reply(context, message, await io.language(update, context))
    source = io.source_of(message)
    async with reply.settled():
        reply_to = message.reply_to_message.message_id if message.reply_to_message is not None else None
        route = await intake.route(
            message.chat_id,
            io.part_of(message),
            forwarded=message.forward_origin is not None,
            reply_to=reply_to,
            names=source.names,
            ticket=ticket,
            on_wait=reply.working,
        )
        if route.action == "notice":
            await reply.notice(route.key)
        elif route.action == "answer":
            await answer(context, message, route.article_id, route.text, reply.lang, reply=reply)
        elif route.action == "brief":
            await brief(context, reply, route.text, source, route.message_ids, link=route.link)


async def brief(
    context: Context, reply: io.Reply, text: str, source: Source, post_ids: list[int], *, link: bool = False
) -> None:
    """Reply with the brief of a post or link and its buttons (errors: see Reply.settled)."""
    services = context.bot_data.services
    result = await services.intake.brief(
        text, source, link=link, spender=services.policy.payer(io.payer_of(reply.message)), on_work=reply.working
    )
    lang = reply.lang
    chat_id = reply.message.chat_id
    also_in = await services.memory.also_in(chat_id, result.analysis, result.article.id)
    rendered = render_brief(
        result.analysis, result.article, lang, analyser=result.analyser, standin=result.standin, also_in=also_in
    )
    keyboard = io.brief_keyboard(lang, ask=services.settings.model_configured, who=io.quotes_someone(result.analysis))
    sent = await reply.show(rendered, keyboard=keyboard)
    await services.intake.remember(reply.message.chat_id, post_ids, [m.message_id for m in sent], result)


async def answer(
    context: Context, message: Message, article_id: str, question: str, lang: Lang, *, reply: io.Reply | None = None
) -> None:
    """Answer a follow-up question about an article, from the article only (in place of `reply`'s placeholder)."""
    services = context.bot_data.services
    reply = reply or io.Reply(context, message, lang)
    user_id = message.from_user.id if message.from_user else None
    try:
        async with io.typing(context, message.chat_id):
            result = await services.qa.ask(
                message.chat_id,
                article_id,
                question,
                lang,
                user_id,
                spender=services.policy.payer(io.payer_of(message)),
            )
    except NabaError as exc:
        await reply.fail(exc)
        return
    sent = await reply.show(answer_messages(result.text, result.quotes, result.answered, lang))
    await services.intake.link(message.chat_id, [message.message_id] + [m.message_id for m in sent], article_id)


async def on_group_reply(update: Update, context: Context) -> None:
    """In a group, a reply to one of the bot's messages is a question about that message's article."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not (message.text or "").strip():
        return
    replied = message.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return  # not talking to the bot
    article_id = await context.bot_data.services.intake.article_of(message.chat_id, replied.message_id)
    if article_id is None:
        return
    await answer(context, message, article_id, message.text or "", await io.language(update, context))


async def on_brief_command(update: Update, context: Context) -> None:
    """/brief as a reply to a post: the brief of that post (private chats and groups)."""
    message = update.effective_message
    if message is None:
        return
    lang = await io.language(update, context)
    reply = io.Reply(context, message, lang)
    target = message.reply_to_message
    text = (target.text or target.caption or "") if target else ""
    if target is None or not text.strip():
        await reply.notice("brief_usage")
        return
    source = io.source_of(target)
    route = decide(
        classify(text, forwarded=True, names=source.names),
        text,
        forwarded=True,
        replied=None,
        latest=None,
        message_ids=[target.message_id],
    )
    async with reply.settled():
        if route.action == "notice":
            await reply.notice(route.key)
        else:
            await brief(context, reply, text, source, route.message_ids, link=route.link)


async def on_unsupported(update: Update, context: Context) -> None:
    """A sticker, voice note, photo without caption…: say what the bot can read."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    if message.media_group_id:
        await on_post(update, context)  # a photo of an album: the album gets one answer
        return
    await io.Reply(context, message, await io.language(update, context)).notice("unsupported")
