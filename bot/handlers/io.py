"""The Telegram side of replying: language, sources, sending rendered messages, keyboards, typing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
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
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot import metrics
from bot.errors import NabaError, Refused
from bot.handlers.context import Context
from bot.models import Analysis, Lang, Source
from bot.pipeline.intake import Part
from bot.render import html as rich
from bot.render.catalogue import other, t
from bot.render.replies import error_notice, notice

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CALLBACK_LANG = "lang"
CALLBACK_ASK = "ask"
CALLBACK_SAID = "said"  # the brief's "who said what" (bot.handlers.memory)
USER_TOLD = "naba: the user was told about this error"


async def language(update: Update, context: Context) -> Lang:
    """The reply language: in a group the group's /lang choice; else the user's /lang choice, else their
    Telegram language, else DEFAULT_LANGUAGE."""
    user, chat = update.effective_user, update.effective_chat
    services = context.bot_data.services
    if chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        chosen = await services.store.get_language(chat.id)
        if chosen:
            return chosen
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


async def may_manage(update: Update, context: Context) -> bool:
    """In a group, only its admins (or the group itself, posting anonymously) change its settings or data."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def payer_of(message: Message) -> int | None:
    """Who a message's model calls are charged to: its sender, or the chat it was sent as (a group's
    anonymous admins all appear as one Telegram user: each group pays for its own)."""
    if message.sender_chat is not None:
        return message.sender_chat.id
    return message.from_user.id if message.from_user else None


def source_of(message: Message) -> Source:
    """Where a forwarded post came from (channel, group, person), or a paste."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return Source(
            kind="channel",
            name=origin.chat.title or origin.chat.username,
            url=post_link(origin.chat, origin.message_id),
        )
    if isinstance(origin, MessageOriginChat):
        return Source(kind="chat", name=origin.sender_chat.title or origin.sender_chat.username)
    if isinstance(origin, MessageOriginUser):
        return Source(kind="user", name=origin.sender_user.full_name)
    if isinstance(origin, MessageOriginHiddenUser):
        return Source(kind="hidden_user", name=origin.sender_user_name)
    return Source(kind="paste")


def post_link(chat: Chat, message_id: int) -> str | None:
    """The public link of a channel's post (https://t.me/<username>/<id>), when the channel has a username."""
    return f"https://t.me/{chat.username}/{message_id}" if chat.username else None


def origin_key(message: Message) -> str:
    """Who wrote a message: messages of one post share it (the same channel, chat or person, or the paster)."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel | MessageOriginChat):
        chat = origin.chat if isinstance(origin, MessageOriginChannel) else origin.sender_chat
        return f"chat:{chat.id}"
    if isinstance(origin, MessageOriginUser):
        return f"user:{origin.sender_user.id}"
    if isinstance(origin, MessageOriginHiddenUser):
        return f"hidden:{origin.sender_user_name}"
    user = message.from_user
    return f"paste:{user.id if user else 0}"


def part_of(message: Message) -> Part:
    """A message as a possible piece of a longer post (see Intake.join)."""
    origin = message.forward_origin
    return Part(
        message.message_id,
        message.text or message.caption or "",
        caption=message.caption is not None,
        media_group=message.media_group_id,
        origin=origin_key(message),
        origin_message_id=origin.message_id if isinstance(origin, MessageOriginChannel) else None,
    )


def quotes_someone(analysis: Analysis) -> bool:
    """True when a brief quotes a named speaker (its "who said what" button has something to look up)."""
    return any(q.speaker.strip() for q in analysis.quotes)


async def answer_query(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query; one that is too old to answer is let go."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:  # "query is too old and response timeout expired or query id is invalid"
        log.info("callback query %s not answered: %s", query.id, exc)


def brief_keyboard(lang: Lang, *, ask: bool = True, who: bool = False) -> InlineKeyboardMarkup:
    """Under a brief: switch language, (`ask`: when a model can answer) ask a question, and (`who`:
    when it quotes someone) what its speakers said elsewhere.

    The buttons carry no ids: what a button refers to (the brief's messages, its article) is kept
    in Redis under the message that carries it, so a tampered client cannot point it elsewhere.
    """
    row = [InlineKeyboardButton(t(lang, "button_lang"), callback_data=f"{CALLBACK_LANG}:{other(lang)}")]
    if ask:
        row.append(InlineKeyboardButton(t(lang, "button_ask"), callback_data=CALLBACK_ASK))
    rows = [row]
    if who:
        rows.append([InlineKeyboardButton(t(lang, "button_who"), callback_data=CALLBACK_SAID)])
    return InlineKeyboardMarkup(rows)


async def send(
    context: Context,
    chat_id: int,
    messages: Sequence[rich.Message],
    *,
    reply_to: int | None = None,
    keyboard: InlineKeyboardMarkup | None = None,
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
                reply_markup=keyboard if last else None,
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
    """Replace the text of one of the bot's messages (unchanged text is not an error; BadRequest otherwise)."""
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

    async def working(self, key: str = "working") -> int | None:
        """Show that the bot is on it (a placeholder the result will replace); returns its message id."""
        if self.placeholder is None:
            self.placeholder = (
                await send(self.context, self.message.chat_id, notice(self.lang, key), reply_to=self.message.message_id)
            )[0]
            return self.placeholder.message_id
        return None

    async def show(
        self, messages: Sequence[rich.Message], keyboard: InlineKeyboardMarkup | None = None
    ) -> list[Message]:
        """Put the result in place of the placeholder (and send any further parts); buttons go on the last.

        A placeholder the user deleted (or that can no longer be edited) is replaced by a new message.
        """
        chat_id = self.message.chat_id
        placeholder, self.placeholder = self.placeholder, None
        if placeholder is not None:
            try:
                first = await edit(placeholder, messages[0], keyboard if len(messages) == 1 else None)
            except BadRequest as exc:
                log.info("the placeholder in chat %s could not be edited (%s): sending anew", chat_id, exc)
            except BaseException:
                self.placeholder = placeholder  # still on screen: whoever handles this must replace it
                raise
            else:
                return [first, *await send(self.context, chat_id, messages[1:], keyboard=keyboard)]
        return await send(self.context, chat_id, messages, reply_to=self.message.message_id, keyboard=keyboard)

    async def notice(self, key: str, **params: object) -> None:
        """A short message from the catalogue."""
        await self.show(notice(self.lang, key, **params))

    async def fail(self, error: NabaError) -> None:
        """Tell the user, in their language, what went wrong (a refusal already told this minute: nothing)."""
        if isinstance(error, Refused):  # counted as a refusal (bot.policy), not as an error
            if error.silent:
                await self.withdraw()
                return
        else:
            metrics.record_error(error.key)
        await self.show(error_notice(self.lang, error.key, error.params))

    async def withdraw(self) -> None:
        """Take the placeholder away (there is nothing to say)."""
        placeholder, self.placeholder = self.placeholder, None
        if placeholder is not None:
            with contextlib.suppress(TelegramError):
                await placeholder.delete()

    @contextlib.asynccontextmanager
    async def settled(self) -> AsyncIterator[None]:
        """Whatever happens in the block, the user hears back and no placeholder is left hanging.

        A NabaError becomes its own short message. Anything else becomes the generic apology and is
        re-raised for the error handler (which logs it) with a note that the user was told.
        """
        try:
            yield
        except NabaError as exc:
            await self.fail(exc)
        except Exception as exc:
            try:
                await self.show(notice(self.lang, "error_generic"))
            except Exception:
                log.warning("could not tell chat %s about an error", self.message.chat_id)
            else:
                exc.add_note(USER_TOLD)
            raise


def user_told(error: BaseException | None) -> bool:
    """True when a handler already told the user about this error (see Reply.settled)."""
    return USER_TOLD in getattr(error, "__notes__", ())


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
