"""Telegram updates to use cases. The only package (with bot/app) that imports `telegram`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import articles, callbacks, commands, digest, io, memory, observe


def register(application: Application) -> None:
    """Add every handler to the application."""
    application.add_handler(TypeHandler(Update, observe.on_update), group=-3)
    # An edited message or command was answered when it was new: edits are not handled again. (A
    # channel's edited post is read again: a corrected figure must reach the digests.)
    edited = filters.UpdateType.EDITED & ~filters.UpdateType.EDITED_CHANNEL_POST
    application.add_handler(MessageHandler(edited, commands.on_edit), group=-2)
    # Before the access check: who added the bot to a chat decides whether it stays (bot.policy).
    application.add_handler(ChatMemberHandler(digest.on_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=-2)
    application.add_handler(TypeHandler(Update, commands.check_allowed), group=-1)
    for name, callback in (
        ("start", commands.on_start),
        ("help", commands.on_help),
        ("lang", commands.on_lang),
        ("forget", commands.on_forget),
        ("brief", articles.on_brief_command),
        ("subscribe", digest.on_subscribe),
        ("unsubscribe", digest.on_unsubscribe),
        ("digest", digest.on_digest),
        ("stats", commands.on_stats),
        ("who", memory.on_who),
    ):
        application.add_handler(CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE))
    application.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POSTS, digest.on_channel_post))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, digest.on_migrated))
    application.add_handler(CallbackQueryHandler(callbacks.on_language_button, pattern=rf"^{io.CALLBACK_LANG}:"))
    application.add_handler(CallbackQueryHandler(callbacks.on_ask_button, pattern=rf"^{io.CALLBACK_ASK}$"))
    application.add_handler(CallbackQueryHandler(memory.on_who_button, pattern=rf"^{memory.CALLBACK_WHO}:"))
    application.add_handler(CallbackQueryHandler(memory.on_said_button, pattern=rf"^{io.CALLBACK_SAID}$"))
    application.add_handler(CallbackQueryHandler(callbacks.on_other_button))
    private = filters.ChatType.PRIVATE & ~filters.COMMAND & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(private & (filters.TEXT | filters.CAPTION), articles.on_post))
    application.add_handler(MessageHandler(private, articles.on_unsupported))
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.COMMAND & filters.UpdateType.MESSAGE, commands.on_unknown_command
        )
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
            articles.on_group_reply,
        )
    )
    application.add_error_handler(commands.on_error)


def schedule(application: Application) -> None:
    """Start the job that sends due digests (subscriptions live in Redis, so a restart loses none)."""
    if application.job_queue is None:
        raise RuntimeError("the digest job needs python-telegram-bot[job-queue]")
    application.job_queue.run_repeating(
        digest.tick, interval=digest.TICK_SECONDS, first=1, name="digests", job_kwargs={"max_instances": 2}
    )
