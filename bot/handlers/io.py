"""The Telegram side of replying: language, sources, sending rendered messages, keyboards, typing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.errors import NabaError
from bot.handlers.context import Context
from bot.models import Lang, Source
from bot.render import html as rich
from bot.render.catalogue import other, t
from bot.render.replies import error_notice, notice

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CALLBACK_LANG = "lang"
CALLBACK_ASK = "ask"


async def language(update: Update, context: Context) -> Lang:
    """The reply language: the user's /lang choice, else their Telegram language, else DEFAULT_LANGUAGE."""
    user = update.effective_user
    services = context.bot_data.services
    if user is not None:
        chosen = await services.store.get_language(user.id)
        if chosen:
            return chosen
        code = (user.language_code or "").lower()
        if code.startswith("ar"):
            return "ar"
        if code.startswith("en"):
            return "en"
    return services.settings.default_language


def source_of(message: Message) -> Source:
    """Where a forwarded post came from (channel, group, person), or a paste."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return Source(kind="channel", name=origin.chat.title or origin.chat.username)
    if isinstance(origin, MessageOriginChat):
        return Source(kind="chat", name=origin.sender_chat.title or origin.sender_chat.username)
    if isinstance(origin, MessageOriginUser):
        return Source(kind="user", name=origin.sender_user.full_name)
    if isinstance(origin, MessageOriginHiddenUser):
        return Source(kind="hidden_user", name=origin.sender_user_name)
    return Source(kind="paste")


def origin_key(message: Message) -> str:
    """Messages with the same key, sent in a burst, may be parts of one post."""
    origin = message.forward_origin
    if message.media_group_id:
        return f"album:{message.media_group_id}"
    if isinstance(origin, MessageOriginChannel | MessageOriginChat):
        chat = origin.chat if isinstance(origin, MessageOriginChannel) else origin.sender_chat
        return f"chat:{chat.id}"
    if isinstance(origin, MessageOriginUser):
        return f"user:{origin.sender_user.id}"
    if isinstance(origin, MessageOriginHiddenUser):
        return f"hidden:{origin.sender_user_name}"
    user = message.from_user
    return f"paste:{user.id if user else 0}"


def brief_keyboard(lang: Lang, earlier_ids: Sequence[int] = ()) -> InlineKeyboardMarkup:
    """Under a brief: switch language and ask a question.

    The brief's last message carries the buttons; the language button's data also names the
    brief's earlier messages (if any) so all of them can be switched.
    """
    data = ":".join([CALLBACK_LANG, other(lang), *(str(i) for i in earlier_ids)])
    if len(data.encode()) > 64:  # Telegram's callback_data limit: switch the last message only
        data = f"{CALLBACK_LANG}:{other(lang)}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(lang, "button_lang"), callback_data=data),
                InlineKeyboardButton(t(lang, "button_ask"), callback_data=CALLBACK_ASK),
            ]
        ]
    )


Keyboard = Callable[[Sequence[int]], InlineKeyboardMarkup]


async def send(
    context: Context,
    chat_id: int,
    messages: Sequence[rich.Message],
    *,
    reply_to: int | None = None,
    keyboard: Keyboard | None = None,
    earlier: Sequence[int] = (),
) -> list[Message]:
    """Send rendered messages in order (the first as a reply, the last with the keyboard)."""
    sent: list[Message] = []
    for i, message in enumerate(messages):
        last = i == len(messages) - 1
        sent.append(
            await context.bot.send_message(
                chat_id,
                message.html,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and i == 0 else None
                ),
                reply_markup=keyboard([*earlier, *(m.message_id for m in sent)]) if keyboard and last else None,
            )
        )
    return sent


async def edit(message: Message, rendered: rich.Message, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Replace a message's text (a placeholder, or a brief in the other language)."""
    try:
        result = await message.edit_text(
            rendered.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return message
    return result if isinstance(result, Message) else message


async def edit_by_id(
    context: Context, chat_id: int, message_id: int, rendered: rich.Message, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the text of one of the bot's messages (unchanged text is not an error)."""
    try:
        await context.bot.edit_message_text(
            rendered.html,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
            reply_markup=markup,
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def ask_prompt(context: Context, chat_id: int, reply_to: int, lang: Lang) -> Message:
    """A message the user's client opens a reply to, so their question is linked to the brief."""
    return await context.bot.send_message(
        chat_id,
        t(lang, "ask_prompt"),
        reply_markup=ForceReply(selective=True, input_field_placeholder=t(lang, "button_ask")[:64]),
        reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True),
    )


class Reply:
    """The bot's answer to one user message: a placeholder while working, then the result or an error."""

    def __init__(self, context: Context, message: Message, lang: Lang) -> None:
        self.context = context
        self.message = message
        self.lang = lang
        self.placeholder: Message | None = None

    async def working(self, key: str = "working") -> None:
        """Show that the bot is on it (a placeholder message the result will replace)."""
        if self.placeholder is None:
            self.placeholder = (
                await send(self.context, self.message.chat_id, notice(self.lang, key), reply_to=self.message.message_id)
            )[0]

    @contextlib.asynccontextmanager
    async def working_meanwhile(self, key: str = "working") -> AsyncIterator[None]:
        """Send the placeholder concurrently with the block; it is in place before the block's result is shown."""
        task = asyncio.create_task(self.working(key))
        try:
            yield
        finally:
            await task

    async def show(self, messages: Sequence[rich.Message], keyboard: Keyboard | None = None) -> list[Message]:
        """Put the result in place of the placeholder (and send any further parts); buttons go on the last."""
        chat_id = self.message.chat_id
        if self.placeholder is None:
            return await send(self.context, chat_id, messages, reply_to=self.message.message_id, keyboard=keyboard)
        markup = keyboard([]) if keyboard and len(messages) == 1 else None
        first = await edit(self.placeholder, messages[0], markup)
        rest = await send(self.context, chat_id, messages[1:], keyboard=keyboard, earlier=[first.message_id])
        return [first, *rest]

    async def notice(self, key: str, **params: object) -> None:
        """A short message from the catalogue."""
        await self.show(notice(self.lang, key, **params))

    async def fail(self, error: NabaError) -> None:
        """Tell the user, in their language, what went wrong."""
        await self.show(error_notice(self.lang, error.key, error.params))


@contextlib.asynccontextmanager
async def typing(context: Context, chat_id: int) -> AsyncIterator[None]:
    """Keep the 'typing…' status visible while the block runs (Telegram shows it for about 5 s)."""

    async def loop() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(4.5)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
