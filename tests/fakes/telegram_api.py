"""A fake Telegram Bot API server that the real python-telegram-bot talks to over HTTP.

Point ``ApplicationBuilder().base_url(fake.base_url).base_file_url(fake.base_file_url)`` (or
``Bot(..., base_url=...)``) at it, drive the bot with ``send_text``/``send_command``/``press_button``
and observe ``bot_messages``/``calls``.  It enforces Telegram's rules so tests fail where Telegram would:
HTML parsing and 1..4096 UTF-16 units (``telegram_html``), "message is not modified", inline keyboards,
replies to missing messages, unknown/blocked/migrated chats and flood limits.  The bot can only write to
chats that sent it an update (or that a test registered with ``register_chat``).

Flood limits are leaky buckets with the capacity and drain of Telegram's published limits (overall_rate
per second; group_rate_per_minute per minute per negative chat id), not strict sliding windows: PTB's
AIORateLimiter is an aiolimiter leaky bucket that legitimately sends 30 at once and then one every 1/30 s
(59 within the first second), which a sliding window would reject.  ``rate_grace`` seconds of extra drain
(default 0.25 s: +7.5 messages overall, +0.08 per group) absorb the jitter between the client's limiter and
the server's clock (new connections for the first burst, GIL and CPU contention on a busy 2-core runner
measured up to ~0.14 s).  Counted "sending" calls: sendMessage, editMessageText, editMessageReplyMarkup
(not getUpdates, getMe, sendChatAction, answerCallbackQuery, ...); a 429 is neither counted nor applied.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import ThreadedServer
from tests.fakes.telegram_html import ApiError, check_reply_markup, format_text, utf16_len

JSON = dict[str, Any]
DEFAULT_USER_ID = 4242  # the sender in groups when a test does not name one
SETTLE_SECONDS = 0.15
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_RAW = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "action", "url", "inline_message_id",
    "language_code", "secret_token", "data", "emoji", "title", "description", "query", "name",
})  # fmt: skip
_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})  # fmt: skip
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
    "can_manage_video_chats": True, "can_restrict_members": True, "can_promote_members": False,
    "can_change_info": True, "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_pin_messages": True, "can_post_messages": True,
    "can_edit_messages": True,
}  # fmt: skip
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_FORBIDDEN = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}


@dataclass
class Call:
    """One API request as the server saw it."""

    method: str
    params: JSON
    chat_id: int | str | None
    time: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        """Whether Telegram answered ok=true."""
        return self.status == 200


@dataclass(frozen=True)
class Msg:
    """A bot message as the user currently sees it."""

    message_id: int
    text: str
    html: str
    entities: list[JSON]
    reply_markup: JSON | None
    reply_to_message_id: int | None
    link_preview_disabled: bool
    edited: bool


@dataclass
class _Stored:
    msg: JSON
    from_bot: bool
    html: str = ""
    markup: JSON | None = None
    deleted: bool = False
    edited: bool = False


@dataclass
class _Bucket:
    capacity: float
    period: float
    level: float = 0.0
    last: float = field(default_factory=time.monotonic)

    def wait(self, now: float, grace: float) -> float:
        """Drain the bucket up to ``now``; return how long one more message must wait (0 = it fits)."""
        rate = self.capacity / self.period
        self.level, self.last = max(0.0, self.level - (now - self.last) * rate), now
        return max(0.0, (self.level + 1 - self.capacity - rate * grace) / rate)


def _decode(key: str, value: Any) -> Any:
    """PTB sends str parameters raw and everything else JSON-encoded (RequestData.json_parameters)."""
    if not isinstance(value, str) or key in _RAW:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _chat_type(chat_id: int) -> str:
    return "private" if chat_id > 0 else "supergroup" if chat_id <= -1_000_000_000_000 else "group"


def _file(kind: str, n: int) -> JSON:
    return {"file_id": f"{kind}-{n}", "file_unique_id": f"u-{kind}-{n}", "width": 90, "height": 90,
            "duration": 3}  # fmt: skip


def _user(user_id: int, language_code: str = "ar") -> JSON:
    return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}", "language_code": language_code}


def _inline(markup: JSON | None) -> JSON | None:
    """Only inline keyboards belong to a message; reply keyboards live in the user's client."""
    return markup if markup and "inline_keyboard" in markup else None


def _without_reply(msg: JSON) -> JSON:
    return {k: v for k, v in msg.items() if k != "reply_to_message"}


class FakeTelegram(ThreadedServer):
    """The Telegram Bot API on 127.0.0.1, with Telegram's validation and flood rules."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST-TOKEN",  # noqa: S107
        bot_username: str = "naba_test_bot",
        overall_rate: int = 30,
        group_rate_per_minute: int = 20,
        enforce_rates: bool = True,
        rate_grace: float = 0.25,
    ) -> None:
        super().__init__()
        self.token, self.bot_username, self.bot_id = token, bot_username, int(token.split(":")[0])
        self.bot_user: JSON = {"id": self.bot_id, "is_bot": True, "first_name": "Naba",
                               "username": bot_username}  # fmt: skip
        self.overall_rate, self.group_rate_per_minute = overall_rate, group_rate_per_minute
        self.enforce_rates, self.rate_grace = enforce_rates, rate_grace
        self.calls: list[Call] = []
        self.rejected: list[Call] = []
        self.throttled = 0
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.callback_answers: dict[str, JSON] = {}
        self.webhook_url = ""
        self._lock = threading.RLock()
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._history: dict[int, dict[int, _Stored]] = defaultdict(dict)
        self._next_id: dict[int, int] = defaultdict(int)
        self._bot_counts: dict[int, int] = defaultdict(int)
        self._actions: dict[int, list[str]] = defaultdict(list)
        self._last_change: dict[int, float] = {}
        self._admins: dict[int, set[int]] = defaultdict(set)
        self._creators: dict[int, int] = {}
        self._bot_status: dict[int, str] = {}
        self._blocked: dict[int, str] = {}
        self._migrated: dict[int, int] = {}
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._skips: dict[str, int] = {}
        self._callbacks: set[str] = set()
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._pollers: set[asyncio.Future[None]] = set()
        self._closing = False
        self._overall = _Bucket(overall_rate, 1.0)
        self._groups: dict[int, _Bucket] = {}
        me = self.bot_user | {"can_join_groups": True, "can_read_all_group_messages": False,
                              "supports_inline_queries": False}  # fmt: skip
        self._methods: dict[str, Callable[[JSON], Any]] = {
            "getMe": lambda p: me, "logOut": lambda p: True, "close": lambda p: True,
            "setWebhook": self._set_webhook, "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p: {"url": self.webhook_url, "has_custom_certificate": False,
                                         "pending_update_count": len(self._updates)},
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda p: self.commands.get(self._scope(p), []),
            "deleteMyCommands": lambda p: self.commands.pop(self._scope(p), None) is None or True,
            "sendMessage": self._send_message, "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup, "deleteMessage": self._delete,
            "sendChatAction": self._chat_action, "answerCallbackQuery": self._answer_callback,
            "getChat": self._get_chat, "getChatAdministrators": self._get_admins,
            "getChatMember": lambda p: self._member(self._chat(p, False), int(p["user_id"])),
            "sendPhoto": self._send_photo, "leaveChat": self._leave_chat,
        }  # fmt: skip
        self.photos: dict[int, list[str]] = defaultdict(list)  # chat -> captions of the photos sent there
        self.left_chats: list[int] = []
        self._canonical = {name.lower(): name for name in [*self._methods, "getUpdates"]}

    # ------------------------------------------------------------------ server plumbing
    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_url(...)``."""
        return f"{self.origin}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.origin}/file/bot"

    def build_app(self) -> web.Application:
        """Route ``/bot<token>/<method>``."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{bot}/{method}", self._handle)
        return app

    @property
    def polling(self) -> bool:
        """Whether a getUpdates long poll is currently waiting for updates."""
        return bool(self._pollers)

    def stop(self) -> None:
        """Release pending long polls at once, then stop serving."""
        self._closing = True
        if self._thread.is_alive():
            self.call_soon(self._wake_pollers)
        super().stop()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["bot"] != f"bot{self.token}":
            body = ApiError(401, "Unauthorized").body()
            with self._lock:
                self._record(Call(request.match_info["method"], {}, None, time.monotonic(), 401, body))
            return web.json_response(body, status=401)
        params: JSON = {k: _decode(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            params.update(json.loads(await request.read() or b"{}"))
        elif request.body_exists:
            form = await request.post()
            params.update({k: _decode(k, v) if isinstance(v, str) else "attach" for k, v in form.items()})
        name = request.match_info["method"]
        method, arrived = self._canonical.get(name.lower(), name), time.monotonic()
        try:
            if method == "getUpdates":
                with self._lock:
                    self._injected(method)
                body, status = {"ok": True, "result": await self._get_updates(params)}, 200
            else:
                with self._lock:  # no await from here to _record: calls are recorded in processing order
                    self._injected(method)
                    if method not in self._methods:
                        raise ApiError(404, "Not Found")
                    body, status = {"ok": True, "result": self._methods[method](params)}, 200
        except ApiError as exc:
            body, status = exc.body(), exc.status
        except (KeyError, ValueError, TypeError) as exc:  # a missing or malformed parameter
            body, status = ApiError(400, f"Bad Request: invalid parameters for {method}: {exc!r}").body(), 400
        chat_id = params.get("chat_id")
        with self._lock:
            self._record(Call(method, params, chat_id if isinstance(chat_id, int | str) else None, arrived,
                              status, body))  # fmt: skip
        return web.json_response(body, status=status)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if not call.ok:
            self.rejected.append(call)

    def _injected(self, method: str) -> None:
        queue = self._failures.get(method)
        if queue:
            if self._skips.get(method):
                self._skips[method] -= 1
                return
            raise queue.popleft()

    async def _get_updates(self, p: JSON) -> list[JSON]:
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(p.get("timeout") or 0)
        while True:
            with self._lock:
                if self.webhook_url:
                    raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                        "use deleteWebhook to delete the webhook first")  # fmt: skip
                if offset > 0:  # confirmed updates are forgotten
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return ready
            waiter = loop.create_future()
            self._pollers.add(waiter)
            try:
                await asyncio.wait([waiter], timeout=remaining)
            finally:
                self._pollers.discard(waiter)

    def _wake_pollers(self) -> None:
        for waiter in list(self._pollers):
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ driving the bot
    def register_chat(self, chat_id: int, type: str | None = None, title: str | None = None, *,
                      username: str | None = None, creator_id: int | None = None) -> JSON:  # fmt: skip
        """Make a chat known (as if it had sent an update); type defaults from the id; returns the Chat."""
        with self._lock:
            old = self._chats.get(chat_id, {})
            kind = type or old.get("type") or _chat_type(chat_id)
            chat: JSON = {"id": chat_id, "type": kind}
            if kind == "private":
                chat["first_name"] = title or old.get("first_name") or f"User {chat_id}"
            else:
                chat["title"] = title or old.get("title") or f"{kind.title()} {abs(chat_id)}"
            if username or old.get("username"):
                chat["username"] = username or old["username"]
            self._chats[chat_id] = chat
            if creator_id is not None:
                self._creators[chat_id] = creator_id
            return chat

    def make_admin(self, chat_id: int, user_id: int) -> None:
        """getChatMember reports ``user_id`` as an administrator of ``chat_id``."""
        with self._lock:
            self._admins[chat_id].add(user_id)

    def push_update(self, update: JSON) -> int:
        """Queue a raw Update (its update_id is assigned and returned); registers the chats/users in it."""
        with self._lock:
            update["update_id"] = next(self._update_ids)
            for payload in update.values():
                if not isinstance(payload, dict):
                    continue
                chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
                if chat and chat["id"] not in self._chats:
                    name = chat.get("title") or chat.get("first_name")
                    self.register_chat(chat["id"], chat.get("type"), name, username=chat.get("username"))
                if payload.get("from"):
                    self._users.setdefault(payload["from"]["id"], payload["from"])
            self._updates.append(update)
        if self._thread.is_alive() and not self.loop.is_closed():
            self.call_soon(self._wake_pollers)
        return update["update_id"]

    def _store(self, chat_id: int, msg: JSON, from_bot: bool, html: str = "", markup: JSON | None = None
               ) -> JSON:  # fmt: skip
        self._next_id[chat_id] += 1
        msg["message_id"] = self._next_id[chat_id]
        self._history[chat_id][msg["message_id"]] = _Stored(msg, from_bot, html, markup)
        if from_bot:
            self._bot_counts[chat_id] += 1
            self._last_change[chat_id] = time.monotonic()
        return msg

    def _new_message(self, chat_id: int, chat_type: str | None, title: str | None) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is None or chat_type not in (None, chat["type"]) or title not in (None, chat.get("title")):
            chat = self.register_chat(chat_id, chat_type, title)
        return {"message_id": 0, "date": int(time.time()), "chat": chat}

    def _sender(self, chat_id: int, user_id: int | None) -> int:
        return user_id if user_id is not None else chat_id if chat_id > 0 else DEFAULT_USER_ID

    def send_text(self, chat_id: int, text: str, *, user_id: int | None = None, language_code: str = "ar",
                  chat_type: str | None = None, forward_origin: JSON | None = None,
                  reply_to_message_id: int | None = None, entities: list[JSON] | None = None,
                  caption: bool = False, photo: bool = False, media_group_id: str | None = None,
                  sticker: bool = False, voice: bool = False, chat_title: str | None = None
                  ) -> JSON:  # fmt: skip
        """A user writes ``text`` (or a captioned photo, a sticker, a voice note); returns the Message."""
        with self._lock:
            msg = self._new_message(chat_id, chat_type, chat_title)
            uid = self._sender(chat_id, user_id)
            msg["from"] = self._users[uid] = _user(uid, language_code)
            n = next(self._ids)
            if sticker:
                msg["sticker"] = _file("sticker", n) | {"type": "regular", "is_animated": False,
                                                         "is_video": False, "emoji": "👍"}  # fmt: skip
            elif voice:
                msg["voice"] = _file("voice", n) | {"mime_type": "audio/ogg"}
            if photo:
                msg["photo"] = [_file("photo", n), _file("photo", n + 1) | {"width": 1280, "height": 720}]
            if (caption or photo or voice) and text:
                msg |= {"caption": text} | ({"caption_entities": entities} if entities else {})
            elif not (caption or photo or voice or sticker):
                msg |= {"text": text} | ({"entities": entities} if entities else {})
            if forward_origin is not None:
                msg["forward_origin"] = forward_origin
            if media_group_id is not None:
                msg["media_group_id"] = media_group_id
            if reply_to_message_id is not None:
                target = self._history[chat_id].get(reply_to_message_id)
                if target is None:
                    raise ValueError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
                msg["reply_to_message"] = _without_reply(target.msg)
            self._store(chat_id, msg, from_bot=False)
            self.push_update({"message": msg})
            return msg

    def edit_user_message(self, chat_id: int, message_id: int, text: str) -> JSON:
        """A user edits their message, or a channel its post (``edited_message``/``edited_channel_post``)."""
        with self._lock:
            stored = self._history[chat_id].get(message_id)
            if stored is None or stored.from_bot:
                raise ValueError(f"no user message {message_id} in chat {chat_id}")
            field = "caption" if "caption" in stored.msg else "text"
            stored.msg[field] = text
            stored.msg["edit_date"] = int(time.time())
            kind = "edited_channel_post" if stored.msg["chat"]["type"] == "channel" else "edited_message"
            self.push_update({kind: dict(stored.msg)})
            return stored.msg

    def send_command(self, chat_id: int, command: str, args: str = "", **kw: Any) -> JSON:
        """A user sends ``/command args`` (``/command@bot_username`` outside private chats)."""
        chat_type = kw.get("chat_type") or self._chats.get(chat_id, {}).get("type") or _chat_type(chat_id)
        head = "/" + command.lstrip("/") + ("" if chat_type == "private" else f"@{self.bot_username}")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        return self.send_text(chat_id, f"{head} {args}" if args else head, entities=[entity], **kw)

    def press_button(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None,
                     language_code: str = "ar", check: bool = True) -> str:  # fmt: skip
        """A user presses the inline button carrying ``data`` under a bot message; returns the callback id."""
        with self._lock:
            stored = self._history[chat_id].get(message_id)
            rows = (stored.markup or {}).get("inline_keyboard", []) if stored else []
            buttons = [button.get("callback_data") for row in rows for button in row]
            if check and (stored is None or stored.deleted or data not in buttons):
                raise ValueError(f"message {message_id} in chat {chat_id} has no button {data!r}: {buttons}")
            callback_id = str(next(self._ids) * 1000 + 7)
            self._callbacks.add(callback_id)
            gone = {"message_id": message_id, "date": 0, "chat": self._chats[chat_id]}  # inaccessible message
            message = dict(stored.msg) if stored else gone  # as it was when pressed
            query = {"id": callback_id, "from": _user(self._sender(chat_id, user_id), language_code),
                     "message": message, "chat_instance": str(chat_id * 7), "data": data}  # fmt: skip
            self.push_update({"callback_query": query})
            return callback_id

    def post_to_channel(self, chat_id: int, text: str, *, title: str = "Channel") -> JSON:
        """A post appears in a channel the bot administers (a channel_post update); returns the Message."""
        with self._lock:
            msg = self._new_message(chat_id, "channel", title)
            msg |= {"sender_chat": msg["chat"], "text": text}
            self._store(chat_id, msg, from_bot=False)
            self.push_update({"channel_post": msg})
            return msg

    def my_chat_member(self, chat_id: int, status: str = "member", *, chat_type: str | None = None,
                       title: str | None = None, user_id: int | None = None, old_status: str = "left"
                       ) -> JSON:  # fmt: skip
        """The bot's membership changes (added to a group/channel, removed, blocked); returns the update."""
        with self._lock:
            chat = self._new_message(chat_id, chat_type, title)["chat"]
            self._bot_status[chat_id] = status
            if status in ("left", "kicked"):
                self._blocked.setdefault(chat_id, _FORBIDDEN[chat["type"]])
            else:
                self._blocked.pop(chat_id, None)
            update = {"chat": chat, "from": _user(self._sender(chat_id, user_id)), "date": int(time.time()),
                      "old_chat_member": self._member(chat_id, self.bot_id, old_status),
                      "new_chat_member": self._member(chat_id, self.bot_id, status)}  # fmt: skip
            self.push_update({"my_chat_member": update})
            return update

    def block(self, chat_id: int, description: str | None = None) -> None:
        """Every later call to the chat gets 403 (default "Forbidden: bot was blocked by the user")."""
        with self._lock:
            kind = self._chats.get(chat_id, {}).get("type") or _chat_type(chat_id)
            self._blocked[chat_id] = description or _FORBIDDEN[kind]

    def unblock(self, chat_id: int) -> None:
        """Undo ``block``."""
        with self._lock:
            self._blocked.pop(chat_id, None)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: sends to the old id get 400 with migrate_to_chat_id."""
        with self._lock:
            self._migrated[chat_id] = new_chat_id
            self.register_chat(new_chat_id, "supergroup", self._chats.get(chat_id, {}).get("title"))

    def fail_next(self, method: str, status: int, description: str, *, retry_after: int | None = None,
                  count: int = 1, after: int = 0) -> None:  # fmt: skip
        """Answer ``count`` calls of ``method`` with this error, once ``after`` more have succeeded
        (not counted in ``throttled``)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        with self._lock:
            self._skips[method] = after
            self._failures[method].extend(ApiError(status, description, parameters) for _ in range(count))

    def reset_rates(self) -> None:
        """Empty the flood-limit buckets."""
        with self._lock:
            self._overall, self._groups = _Bucket(self.overall_rate, 1.0), {}

    # ------------------------------------------------------------------ observing
    def bot_messages(self, chat_id: int) -> list[Msg]:
        """The bot's messages in the chat as the user now sees them (edits applied, deletions removed)."""
        with self._lock:
            stored = self._history.get(chat_id, {}).values()
            return [self._view(s) for s in stored if s.from_bot and not s.deleted]

    def all_bot_messages(self) -> dict[int, list[Msg]]:
        """``bot_messages`` of every chat the bot wrote to."""
        with self._lock:
            return {chat_id: msgs for chat_id in list(self._history) if (msgs := self.bot_messages(chat_id))}

    def bot_message_count(self, chat_id: int | None = None) -> int:
        """How many bot messages the chat (or every chat) shows; O(1), cheap enough to poll in benchmarks."""
        with self._lock:
            return self._bot_counts[chat_id] if chat_id is not None else sum(self._bot_counts.values())

    def chat_actions(self, chat_id: int) -> list[str]:
        """The sendChatAction actions sent to the chat, in order."""
        with self._lock:
            return list(self._actions.get(chat_id, []))

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def dump(self, last: int = 25) -> str:
        """Recent calls (getUpdates left out), one line each, for assertion messages."""
        with self._lock:
            calls = [c for c in self.calls if c.method != "getUpdates"][-last:]
        lines = []
        for c in calls:
            params = {k: (v[:80] if isinstance(v, str) else v) for k, v in c.params.items() if k != "chat_id"}
            description = c.response.get("description", "")
            lines.append(f"  {c.method} chat={c.chat_id} -> {c.status} {description} {params}")
        return "\n".join(lines) or "  (no calls)"

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Poll ``predicate`` from the test's loop until true; AssertionError with recent calls on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s; recent calls:\n{self.dump()}")
            await asyncio.sleep(0.01)

    async def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10.0,  # noqa: ASYNC109
                                settle: float = SETTLE_SECONDS) -> list[Msg]:  # fmt: skip
        """Wait until the chat has >= count bot messages and none was sent/edited/deleted for ``settle`` s."""

        def settled() -> bool:
            with self._lock:
                quiet = time.monotonic() - self._last_change.get(chat_id, -math.inf) >= settle
                return quiet and self._bot_counts[chat_id] >= count

        await self.wait_for(settled, timeout)
        return self.bot_messages(chat_id)

    @staticmethod
    def _view(s: _Stored) -> Msg:
        reply = s.msg.get("reply_to_message")
        return Msg(
            s.msg["message_id"], s.msg.get("text", s.msg.get("caption", "")), s.html,
            s.msg.get("entities", s.msg.get("caption_entities", [])), s.markup,
            reply["message_id"] if reply else None,
            bool(s.msg.get("link_preview_options", {}).get("is_disabled")), s.edited,
        )  # fmt: skip

    # ------------------------------------------------------------------ rules
    def _chat(self, p: JSON, check_blocked: bool = True) -> int:
        chat_id = p.get("chat_id")
        if isinstance(chat_id, str):
            chat_id = next((c for c, chat in self._chats.items() if f"@{chat.get('username')}" == chat_id), 0)
        if chat_id in self._migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._migrated[chat_id]})  # fmt: skip
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        if check_blocked and chat_id in self._blocked:
            raise ApiError(403, self._blocked[chat_id])
        return chat_id

    def _text(self, p: JSON, too_long: str) -> tuple[str, str, list[JSON]]:
        raw = str(p.get("text") or "")
        text, entities = format_text(raw, str(p.get("parse_mode") or ""), p.get("entities"),
                                     limit=4096, too_long=too_long)  # fmt: skip
        return raw, text, entities

    def _reply_to(self, chat_id: int, p: JSON) -> JSON | None:
        params = p.get("reply_parameters")
        if not params and p.get("reply_to_message_id"):
            params = {"message_id": p["reply_to_message_id"],
                      "allow_sending_without_reply": p.get("allow_sending_without_reply")}  # fmt: skip
        if not params:
            return None
        target = self._history[params.get("chat_id", chat_id)].get(int(params["message_id"]))
        if target is None or target.deleted:
            if params.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _without_reply(target.msg)

    def _rate(self, chat_id: int) -> None:
        """Count one sending call against the flood buckets, or raise 429 without counting it."""
        if not self.enforce_rates:
            return
        now = time.monotonic()
        buckets = [self._overall]
        if chat_id < 0:
            buckets.append(self._groups.setdefault(chat_id, _Bucket(self.group_rate_per_minute, 60.0)))
        wait = max(bucket.wait(now, self.rate_grace) for bucket in buckets)
        if wait > 0:
            self.throttled += 1
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for bucket in buckets:
            bucket.level += 1

    def _bot_message(self, p: JSON) -> tuple[int, _Stored]:
        if p.get("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat_id = self._chat(p)
        stored = self._history[chat_id].get(int(p.get("message_id") or 0))
        if stored is None or stored.deleted or not stored.from_bot:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat_id, stored

    @staticmethod
    def _preview(msg: JSON, p: JSON) -> None:
        options = p.get("link_preview_options")
        if p.get("disable_web_page_preview"):
            options = {"is_disabled": True}
        if isinstance(options, dict):
            msg["link_preview_options"] = options

    # ------------------------------------------------------------------ methods
    def _send_message(self, p: JSON) -> JSON:
        chat_id = self._chat(p)
        raw, text, entities = self._text(p, "Bad Request: message is too long")
        markup = check_reply_markup(p.get("reply_markup"))
        reply = self._reply_to(chat_id, p)
        self._rate(chat_id)
        msg = {"message_id": 0, "from": self.bot_user, "date": int(time.time()), "chat": self._chats[chat_id],
               "text": text} | ({"entities": entities} if entities else {})  # fmt: skip
        if reply:
            msg["reply_to_message"] = reply
        if _inline(markup):
            msg["reply_markup"] = markup
        self._preview(msg, p)
        return self._store(chat_id, msg, True, raw, markup)

    def _send_photo(self, p: JSON) -> JSON:
        """A photo upload (multipart): only its presence is checked; the caption as a text (1024 limit)."""
        chat_id = self._chat(p)
        if p.get("photo") != "attach" and not isinstance(p.get("photo"), str):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption, entities = format_text(str(p.get("caption") or ""), str(p.get("parse_mode") or ""),
                                        p.get("caption_entities"), limit=1024,
                                        too_long="Bad Request: message caption is too long")  # fmt: skip
        self._rate(chat_id)
        msg = {"message_id": 0, "from": self.bot_user, "date": int(time.time()), "chat": self._chats[chat_id],
               "photo": [{"file_id": f"photo{next(self._ids)}", "file_unique_id": "u", "width": 600,
                          "height": 300}], "caption": caption} | ({"caption_entities": entities} if entities else {})  # fmt: skip
        self.photos[chat_id].append(caption)
        return self._store(chat_id, msg, True, caption)

    def _leave_chat(self, p: JSON) -> bool:
        """The bot leaves a group or channel: later calls to it get 403."""
        chat_id = self._chat(p, False)
        self._bot_status[chat_id] = "left"
        kind = self._chats.get(chat_id, {}).get("type") or _chat_type(chat_id)
        self._blocked.setdefault(chat_id, _FORBIDDEN[kind])
        self.left_chats.append(chat_id)
        return True

    def _edit_text(self, p: JSON) -> JSON:
        chat_id, stored = self._bot_message(p)
        if "text" not in stored.msg:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw, text, entities = self._text(p, "Bad Request: MESSAGE_TOO_LONG")
        markup = check_reply_markup(p.get("reply_markup"))
        now = (stored.msg["text"], stored.msg.get("entities", []), stored.msg.get("reply_markup"))
        if (text, entities, _inline(markup)) == now:
            raise ApiError(400, NOT_MODIFIED)
        self._rate(chat_id)
        stored.msg.pop("entities", None)
        stored.msg |= {"text": text, "edit_date": int(time.time())}
        if entities:
            stored.msg["entities"] = entities
        self._preview(stored.msg, p)
        return self._apply_edit(chat_id, stored, markup, raw)

    def _edit_markup(self, p: JSON) -> JSON:
        chat_id, stored = self._bot_message(p)
        markup = check_reply_markup(p.get("reply_markup"))
        if _inline(markup) == stored.msg.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        self._rate(chat_id)
        return self._apply_edit(chat_id, stored, markup, stored.html)

    def _apply_edit(self, chat_id: int, stored: _Stored, markup: JSON | None, raw: str) -> JSON:
        stored.msg.pop("reply_markup", None)
        if _inline(markup):
            stored.msg["reply_markup"] = markup
        stored.markup, stored.html, stored.edited = markup, raw, True
        self._last_change[chat_id] = time.monotonic()
        return stored.msg

    def _delete(self, p: JSON) -> bool:
        chat_id = self._chat(p)
        stored = self._history[chat_id].get(int(p.get("message_id") or 0))
        if stored is None or stored.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        stored.deleted = True
        self._bot_counts[chat_id] -= stored.from_bot
        self._last_change[chat_id] = time.monotonic()
        return True

    def _chat_action(self, p: JSON) -> bool:
        chat_id = self._chat(p)
        if p.get("action") not in _ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._actions[chat_id].append(p["action"])
        return True

    def _answer_callback(self, p: JSON) -> bool:
        query_id = str(p.get("callback_query_id"))
        if query_id not in self._callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")  # fmt: skip
        if utf16_len(str(p.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callbacks.discard(query_id)
        self.callback_answers[query_id] = p
        return True

    @staticmethod
    def _scope(p: JSON) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        suffix = "".join(f":{scope[k]}" for k in ("chat_id", "user_id") if k in scope)
        return f"{scope.get('type', 'default')}{suffix}", str(p.get("language_code") or "")

    def _set_commands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not _COMMAND.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope(p)] = commands
        return True

    def _set_webhook(self, p: JSON) -> bool:
        self.webhook_url = str(p.get("url") or "")
        return True

    def _delete_webhook(self, p: JSON) -> bool:
        self.webhook_url = ""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_chat(self, p: JSON) -> JSON:
        chat = self._chats[self._chat(p, False)]
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                               "gifts_from_channels"), False)  # fmt: skip
        return chat | {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _member(self, chat_id: int, user_id: int, status: str | None = None) -> JSON:
        chat_type = self._chats.get(chat_id, {}).get("type", _chat_type(chat_id))
        user = self.bot_user if user_id == self.bot_id else self._users.get(user_id) or _user(user_id)
        if status is None and user_id == self.bot_id:
            status = self._bot_status.get(chat_id, "administrator" if chat_type == "channel" else "member")
        elif status is None:
            status = ("creator" if self._creators.get(chat_id) == user_id
                      else "administrator" if user_id in self._admins[chat_id] else "member")  # fmt: skip
        member: JSON = {"status": status, "user": user}
        if status == "administrator":
            member |= _ADMIN_RIGHTS
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _get_admins(self, p: JSON) -> list[JSON]:
        chat_id = self._chat(p, False)
        if self._chats[chat_id]["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        ids = ([self._creators[chat_id]] if chat_id in self._creators else []) + sorted(self._admins[chat_id])
        if self._member(chat_id, self.bot_id)["status"] == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat_id, uid) for uid in ids]
