"""Posts, pasted articles, links and follow-up questions."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatType

from bot.errors import NabaError
from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Brief, Lang, Source
from bot.pipeline.intake import Kind, Ticket, classify, looks_like_question
from bot.render.brief import render_brief
from bot.render.replies import answer_messages

log = logging.getLogger(__name__)

MIN_QUESTION_CHARS = 3  # "a", "?" and the like are not questions worth a model call


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
    text = message.text or message.caption or ""
    intake = context.bot_data.services.intake
    reply = io.Reply(context, message, await io.language(update, context))
    async with reply.settled():
        replied: str | None = None  # the article of the brief (or post) this message replies to
        if message.reply_to_message is not None and message.forward_origin is None:
            replied = await intake.store.article_of_message(message.chat_id, message.reply_to_message.message_id)
        if replied and text.strip() and not message.media_group_id:
            ticket.done()
            await answer(context, message, replied, text, reply.lang, reply=reply)
            return
        if not text.strip() and not message.media_group_id:
            await reply.notice("unsupported")
            return
        joined = await intake.join(message.chat_id, io.part_of(message), ticket, on_wait=reply.working)
        if joined is None:
            return  # a piece of a post that another message leads
        if not joined.text.strip():
            await reply.notice("unsupported")  # an album without a caption: one answer for all its photos
            return
        source = io.source_of(message)
        kind = classify(joined.text, forwarded=message.forward_origin is not None, names=source.names)
        if kind is Kind.QUESTION or (replied and kind is not Kind.LINK and not message.forward_origin):
            article_id = replied or await intake.store.last_article(message.chat_id)
            if article_id is None:
                await reply.notice("no_article_yet")
            elif not replied and not looks_like_question(joined.text):
                await reply.notice("not_a_question")  # "thanks", "ok", "👍": no model call
            elif len(joined.text.strip()) < MIN_QUESTION_CHARS:
                await reply.notice("too_short")
            else:
                await answer(context, message, article_id, joined.text, reply.lang, reply=reply)
            return
        if kind is Kind.TOO_SHORT:
            await reply.notice("too_short")
            return
        await brief(context, reply, joined.text, source, joined.message_ids, link=kind is Kind.LINK)


async def brief(
    context: Context, reply: io.Reply, text: str, source: Source, post_ids: list[int], *, link: bool = False
) -> None:
    """Analyse (or fetch and analyse) and reply with the brief and its buttons (errors: see Reply.settled)."""
    services = context.bot_data.services
    user_id = reply.message.from_user.id if reply.message.from_user else None
    spender = services.policy.payer(user_id)
    intake = services.intake
    article = None if link else intake.prepare(text, source)
    result: Brief | None = await intake.cached(article) if article else None
    if result is None:
        # Show the placeholder while the work goes on, not before it starts.
        async with reply.working_meanwhile():
            if article is None:
                result = await intake.brief_link(text, spender=spender)
            else:
                result = await intake.brief_article(article, spender=spender)
    lang = reply.lang
    sent = await reply.show(render_brief(result.analysis, result.article, lang), keyboard=io.brief_keyboard(lang))
    await intake.remember(reply.message.chat_id, post_ids, [m.message_id for m in sent], result)


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
                message.chat_id, article_id, question, lang, user_id, spender=services.policy.payer(user_id)
            )
    except NabaError as exc:
        await reply.fail(exc)
        return
    sent = await reply.show(answer_messages(result.text, result.quotes, result.answered, lang))
    await services.intake.store.link_messages(
        message.chat_id, [message.message_id] + [m.message_id for m in sent], article_id
    )


async def on_group_reply(update: Update, context: Context) -> None:
    """In a group, a reply to one of the bot's messages is a question about that message's article."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not (message.text or "").strip():
        return
    replied = message.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return  # not talking to the bot
    intake = context.bot_data.services.intake
    article_id = await intake.store.article_of_message(message.chat_id, replied.message_id)
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
    kind = classify(text, forwarded=True, names=source.names)
    async with reply.settled():
        if kind is Kind.TOO_SHORT:
            await reply.notice("too_short")
            return
        await brief(context, reply, text, source, [target.message_id], link=kind is Kind.LINK)


async def on_unsupported(update: Update, context: Context) -> None:
    """A sticker, voice note, photo without caption…: say what the bot can read."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    if message.media_group_id:
        await on_post(update, context)  # a photo of an album: the album gets one answer
        return
    await io.Reply(context, message, await io.language(update, context)).notice("unsupported")
