"""/subscribe, /unsubscribe, /digest, channel posts, and the JobQueue tick that sends due digests."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.digest.compose import Story
from bot.digest.schedule import ScheduleError, local_day
from bot.errors import ChatMoved, ChatUnreachable, DeliveryFailed, NabaError
from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Source, Subscription
from bot.render.digest import render_digest

log = logging.getLogger(__name__)

TICK_SECONDS = 20  # how often due digests are looked for: a digest leaves within this of its minute


async def _may_manage(update: Update, context: Context) -> bool:
    """In groups only admins (or the group itself, posting anonymously) manage the digest."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def on_subscribe(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [Area/City]: start or change the daily digest; alone, show the current one."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    lang = await io.language(update, context)
    reply = io.Reply(context, message, lang)
    if not await _may_manage(update, context):
        await reply.notice("admins_only")
        return
    try:
        subscription, changed = await context.bot_data.services.digests.subscribe(
            chat.id, list(context.args or []), lang, group=chat.type != ChatType.PRIVATE
        )
    except ScheduleError as exc:
        await reply.notice(exc.key, **exc.params)
        return
    key = "subscribed" if changed else "subscription_current"
    await reply.notice(key, time=subscription.time, zone=subscription.timezone)


async def on_unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe: stop the daily digest."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    reply = io.Reply(context, message, await io.language(update, context))
    if not await _may_manage(update, context):
        await reply.notice("admins_only")
        return
    stopped = await context.bot_data.services.digests.unsubscribe(chat.id)
    await reply.notice("unsubscribed" if stopped else "not_subscribed")


async def on_digest(update: Update, context: Context) -> None:
    """/digest: today's digest now (it does not count as the scheduled one)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    lang = await io.language(update, context)
    services = context.bot_data.services
    stories = await services.digests.stories(chat.id)
    if not stories:
        await io.Reply(context, message, lang).notice("digest_empty")
        return
    subscription = await services.store.get_subscription(chat.id)
    zone = subscription.timezone if subscription else services.settings.timezone
    day = local_day(services.clock.now(), zone)
    await io.send(context, chat.id, render_digest(stories, day, lang), reply_to=message.message_id)


async def on_channel_post(update: Update, context: Context) -> None:
    """A post in a channel the bot is a member of: kept (and analysed once) for everyone's digest.

    An edited post replaces the version the bot kept, so a corrected figure is what digests show.
    """
    post = update.channel_post or update.edited_channel_post
    if post is None or not (post.text or post.caption):
        return
    services = context.bot_data.services
    source = Source(kind="channel", name=post.chat.title or post.chat.username)
    try:
        article = services.pipeline.prepare(post.text or post.caption or "", source)
    except NabaError:
        return  # too short or too long to be an article
    if update.edited_channel_post is not None:
        earlier = await services.store.article_of_message(post.chat_id, post.message_id)
        if earlier == article.id:
            return  # nothing but decoration changed
        if earlier:
            await services.store.remove_channel_article(earlier, source)
    await services.store.put_article(article)
    await services.store.add_channel_article(article.id, source, services.clock.time())
    await services.store.link_message(post.chat_id, post.message_id, article.id)
    try:
        await services.pipeline.brief(article)
    except NabaError as exc:
        log.warning("channel post %s not analysed yet (%s); a digest will try again", article.id[:12], exc)


async def on_bot_removed(update: Update, context: Context) -> None:
    """The user blocked the bot, or it was removed from a group: stop that chat's digest."""
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        await context.bot_data.services.digests.unsubscribe(change.chat.id)


async def on_migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscription moves to the new chat id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.bot_data.services.store.move_chat(message.chat_id, message.migrate_to_chat_id)


async def tick(context: Context) -> None:
    """JobQueue job: send the digests that are due (each at most once per local day)."""
    bot = context.bot
    store = context.bot_data.services.store

    async def render(subscription: Subscription, stories: list[Story], day: str) -> list[str]:
        lang = subscription.lang
        if not subscription.group:
            lang = await store.get_language(subscription.chat_id) or lang
        return [message.html for message in render_digest(stories, day, lang)]

    async def send(chat_id: int, html: str) -> None:
        try:
            await bot.send_message(chat_id, html, parse_mode="HTML", link_preview_options=io.NO_PREVIEW)
        except Forbidden as exc:
            raise ChatUnreachable(str(exc)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(exc.new_chat_id) from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                raise ChatUnreachable(str(exc)) from exc
            raise DeliveryFailed(str(exc), retry=False) from exc
        except (NetworkError, RetryAfter) as exc:
            raise DeliveryFailed(str(exc), retry=True) from exc
        except TelegramError as exc:
            raise DeliveryFailed(str(exc), retry=False) from exc

    sent = await context.bot_data.services.digests.run_due(render, send)
    if sent:
        log.info("sent %d digests", sent)
