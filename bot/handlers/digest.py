"""/subscribe, /unsubscribe, /digest, channel posts, and the JobQueue tick that sends due digests."""

from __future__ import annotations

import contextlib
import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.digest.compose import Story
from bot.digest.schedule import ScheduleError
from bot.errors import ChatMoved, ChatUnreachable, DeliveryFailed
from bot.handlers import io
from bot.handlers.context import Context
from bot.models import Source, Subscription
from bot.policy import Membership
from bot.render.digest import render_digest

log = logging.getLogger(__name__)

TICK_SECONDS = 20  # how often due digests are looked for: a digest leaves within this of its minute


async def on_subscribe(update: Update, context: Context) -> None:
    """/subscribe [HH:MM] [Area/City]: start or change the daily digest; alone, show the current one."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    lang = await io.language(update, context)
    reply = io.Reply(context, message, lang)
    if not await io.may_manage(update, context):
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
    if not await io.may_manage(update, context):
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
    stories, day = await services.digests.today(chat.id)
    if not stories:
        await io.Reply(context, message, lang).notice("digest_empty")
        return
    await io.send(context, chat.id, render_digest(stories, day, lang), reply_to=message.message_id)


async def on_channel_post(update: Update, context: Context) -> None:
    """A post in an approved channel (see Policy.channel_approved): kept, and analysed once, for the digests.

    Any other channel's post is ignored: nothing stored, no model call. An edited post replaces the
    version the bot kept, so a corrected figure is what digests show.
    """
    post = update.channel_post or update.edited_channel_post
    if post is None or not (post.text or post.caption):
        return
    services = context.bot_data.services
    if not await services.policy.channel_approved(post.chat_id):
        return
    source = Source(
        kind="channel",
        name=post.chat.title or post.chat.username,
        chat_id=post.chat_id,
        url=io.post_link(post.chat, post.message_id),
    )
    edited = update.edited_channel_post is not None
    await services.digests.posts.take_post(
        post.chat_id, post.message_id, post.text or post.caption or "", source, edited=edited
    )


async def on_membership(update: Update, context: Context) -> None:
    """The bot was added to a chat (stay, approve a channel, or leave: see Policy.joined), or left one
    (the user blocked it, or it was removed): then that chat's digest stops."""
    change = update.my_chat_member
    if change is None:
        return
    services = context.bot_data.services
    chat_id = change.chat.id
    if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
        await services.digests.unsubscribe(chat_id)
        await services.policy.left(chat_id)
        return
    was_in = change.old_chat_member.status not in (ChatMember.BANNED, ChatMember.LEFT)
    if was_in or change.chat.type == ChatType.PRIVATE:
        return  # promoted or restricted, or a private chat: nothing to decide
    by = change.from_user.id if change.from_user else None
    decision = await services.policy.joined(chat_id, channel=change.chat.type == ChatType.CHANNEL, by=by)
    if decision is Membership.LEAVE:
        with contextlib.suppress(TelegramError):
            await context.bot.leave_chat(chat_id)
        await services.policy.left(chat_id)


async def on_migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its subscription moves to the new chat id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        await context.bot_data.services.digests.move(message.chat_id, message.migrate_to_chat_id)


async def tick(context: Context) -> None:
    """JobQueue job: send the digests that are due (each at most once per local day)."""
    bot = context.bot
    digests = context.bot_data.services.digests

    async def render(subscription: Subscription, stories: list[Story], day: str) -> list[str]:
        lang = await digests.language_of(subscription)
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

    services = context.bot_data.services
    sent = await services.digests.run_due(render, send, allowed=services.policy.may_receive_digest)
    if sent:
        log.info("sent %d digests", sent)
