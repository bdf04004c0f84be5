"""What arrives in a chat, decided: an article (text or link), a question, or too little to use;
plus the joining of posts that Telegram split over several messages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any

from bot import metrics
from bot.clock import Clock
from bot.errors import FetchError
from bot.llm.spend import Spender
from bot.memory.service import Memory
from bot.models import Article, Brief, CachedAnalysis, Source
from bot.pipeline.analyse import ArticlePipeline
from bot.pipeline.fetch import Fetcher, find_url
from bot.pipeline.routing import Kind, Route, classify, decide
from bot.store import Store

# Telegram cuts long texts at 4096 characters and captions at 1024: a message this full may have a sequel.
# Clients cut a long text close to 4096 units, so a message shorter than FULL_TEXT is a post of its own.
FULL_TEXT = 3800
FULL_CAPTION = 900
JOIN_WINDOW = 1.5  # seconds a full message (or an album) waits for the rest of its post
POLL_SECONDS = 0.1


def fit_chars(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters at a paragraph (else sentence) boundary."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    for boundary in ("\n\n", "\n", ". ", "، "):
        cut = head.rfind(boundary)
        if cut > limit // 2:
            return head[:cut].rstrip()
    return head


@dataclass
class Part:
    """One message that may be a piece of a longer post.

    `origin` says who wrote it (the same channel, chat or person, or a paste by the same user) and
    `origin_message_id` is the message id in the origin chat when Telegram gives one (channel posts).
    """

    message_id: int
    text: str
    caption: bool = False
    media_group: str | None = None
    origin: str = ""
    origin_message_id: int | None = None

    def looks_cut(self) -> bool:
        """True when the message is as full as Telegram allows, so the rest may be in the next one."""
        size = len(self.text.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
        return size >= (FULL_CAPTION if self.caption else FULL_TEXT)

    def continues(self, previous: Part) -> bool:
        """True when this message is the sequel of `previous`: the next message, same origin, after a full one.

        Several posts forwarded at once are consecutive too, so a short previous message, another
        origin, or a gap in the origin's own message ids means a post of its own. One message id
        may lie between them: the bot's own "reading…" message (see Intake._before).
        """
        if self.media_group or previous.media_group or not previous.looks_cut():
            return False
        if self.message_id - previous.message_id not in (1, 2) or self.origin != previous.origin:
            return False
        if self.origin_message_id is None or previous.origin_message_id is None:
            return self.origin_message_id is None and previous.origin_message_id is None
        return self.origin_message_id == previous.origin_message_id + 1

    def to_json(self) -> dict[str, Any]:
        """The part as stored in Redis."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Part | None:
        """A stored part (None when unreadable)."""
        try:
            return cls(**data)
        except TypeError:
            return None


@dataclass
class Joined:
    """The parts joined into one post (message ids in order)."""

    text: str = ""
    message_ids: list[int] = field(default_factory=list)


class Arrivals:
    """The order in which a chat's messages reached this process.

    python-telegram-bot hands updates to concurrent tasks in the order Telegram sent them; a ticket
    taken before the handler's first await lets each message note itself in Redis only after the
    message before it did, so a sequel always finds its predecessor (within this process).
    """

    WAIT = 2.0  # never hold a message up longer than this for the one before it

    def __init__(self) -> None:
        self._last: dict[int, asyncio.Future[None]] = {}

    def ticket(self, chat_id: int) -> Ticket:
        """Take the next place in a chat's queue (call before any await)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        previous = self._last.get(chat_id)
        self._last[chat_id] = future
        return Ticket(self, chat_id, previous, future)

    def _done(self, chat_id: int, future: asyncio.Future[None]) -> None:
        if not future.done():
            future.set_result(None)
        if self._last.get(chat_id) is future:
            del self._last[chat_id]


@dataclass
class Ticket:
    """A message's place in its chat's queue."""

    arrivals: Arrivals
    chat_id: int
    previous: asyncio.Future[None] | None
    future: asyncio.Future[None]

    async def turn(self) -> None:
        """Wait until the message before this one has been noted."""
        if self.previous is not None and not self.previous.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.previous), Arrivals.WAIT)

    def done(self) -> None:
        """Let the next message go (idempotent)."""
        self.arrivals._done(self.chat_id, self.future)


class Intake:
    """Turns incoming posts and links into briefs, and remembers which messages are about which article."""

    def __init__(
        self,
        store: Store,
        pipeline: ArticlePipeline,
        fetcher: Fetcher,
        clock: Clock,
        *,
        join_window: float = JOIN_WINDOW,
        memory: Memory | None = None,
    ) -> None:
        self.clock = clock
        self.memory = memory  # who said what (/who): each brief's verified quotes are recorded
        self.store = store
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.join_window = join_window
        self.arrivals = Arrivals()

    async def join(
        self,
        chat_id: int,
        part: Part,
        ticket: Ticket | None = None,
        *,
        on_wait: Callable[[], Awaitable[int | None]] | None = None,
    ) -> Joined | None:
        """The whole post this message leads, or None when it is a piece of a post another message leads.

        An album's first message leads and collects the others until none has come for `join_window`
        seconds. A full-length message leads its sequels (see Part.continues): it waits up to
        `join_window` for the next one, and closes the post when none came, so a late message can
        never be swallowed. Everything else stands alone at once. Works across replicas through
        Redis; without Redis every message stands alone.
        """
        if part.media_group:
            if ticket is not None:
                ticket.done()
            return await self._join_album(chat_id, part, on_wait)
        try:
            if ticket is not None:
                await ticket.turn()
            stored, noted = await self.store.register_part(chat_id, part.message_id, part.to_json())
        finally:
            if ticket is not None:
                ticket.done()
        alone = Joined(part.text, [part.message_id])
        if not stored:
            return alone
        before = await self._before(chat_id, part.message_id, noted)
        if (
            before is not None
            and part.continues(before)
            and await self.store.claim_sequel(chat_id, before.message_id, part.message_id)
        ):
            return None  # the message before leads and takes this one
        if not part.looks_cut():
            return alone
        if on_wait is not None:
            shown = await on_wait()  # tell the user we are on it before waiting for the rest
            if shown is not None:  # the sequel will come after the bot's message: let it find us
                await self.store.register_part(chat_id, shown, {"skip_to": part.message_id})
        parts, last = [part], part
        while True:
            sequel = await self._next_part(chat_id, last)
            if sequel is None:
                break
            parts.append(sequel)
            last = sequel
            if not sequel.looks_cut():
                break
        return Joined("\n\n".join(p.text for p in parts), [p.message_id for p in parts])

    async def _before(self, chat_id: int, message_id: int, noted: list[dict[str, Any] | None]) -> Part | None:
        """The message before, looking past the bot's "reading…" message to the one it answers.

        That placeholder may still be on its way when the sequel arrives (its id is taken, but not
        noted yet): then the message two ids back is the one to continue, if it is a full one.
        """
        previous, earlier = noted
        if previous is not None and "skip_to" not in previous:
            return Part.from_json(previous)
        # The message before is the bot's placeholder (noted, or still on its way): the one before
        # that is the candidate. A placeholder follows the message that led the post; when that was
        # not the message just before it (a post of three parts), the noted one two ids back is.
        if earlier is None and previous is not None:
            earlier = await self.store.part_at(chat_id, int(previous["skip_to"]))
        candidate = Part.from_json(earlier) if earlier and "skip_to" not in earlier else None
        return candidate if candidate is not None and candidate.message_id >= message_id - 2 else None

    async def _next_part(self, chat_id: int, last: Part) -> Part | None:
        """The sequel of `last`, if one comes within the window (after which the post is closed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.join_window
        while loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            waiting = await self.store.waiting_sequel(chat_id, last.message_id, close=False)
            if waiting is not None:
                return Part.from_json(waiting)
        waiting = await self.store.waiting_sequel(chat_id, last.message_id, close=True)
        return Part.from_json(waiting) if waiting is not None else None

    async def _join_album(
        self, chat_id: int, part: Part, on_wait: Callable[[], Awaitable[int | None]] | None
    ) -> Joined | None:
        group = part.media_group or ""
        waiting = await self.store.push_album_part(chat_id, group, {"id": part.message_id, "text": part.text})
        if waiting is None:
            return Joined(part.text, [part.message_id])
        if waiting > 1:
            return None  # the album's first message collects this one
        if on_wait is not None and part.text.strip():
            await on_wait()
        seen = 1
        while True:
            await asyncio.sleep(self.join_window)
            count = await self.store.count_album_parts(chat_id, group)
            if count <= seen:
                break
            seen = count
        parts = await self.store.take_album_parts(chat_id, group) or [{"id": part.message_id, "text": part.text}]
        parts.sort(key=lambda p: p["id"])
        texts = [p["text"] for p in parts if p["text"].strip()]
        return Joined("\n\n".join(texts), [p["id"] for p in parts])

    async def route(
        self,
        chat_id: int,
        part: Part,
        *,
        forwarded: bool,
        reply_to: int | None,
        names: tuple[str, ...],
        ticket: Ticket | None = None,
        on_wait: Callable[[], Awaitable[int | None]] | None = None,
    ) -> Route:
        """What a private message asks for (see bot.pipeline.routing.decide), its post joined first.

        A text reply to one of the chat's briefs (or posts) is a question at once, without joining;
        `reply_to` is the id of the message it replies to (None: not a reply).
        """
        replied = None
        if reply_to is not None and not forwarded:
            replied = await self.store.article_of_message(chat_id, reply_to)
        if replied and part.text.strip() and not part.media_group:
            if ticket is not None:
                ticket.done()
            return Route("answer", text=part.text, article_id=replied)
        if not part.text.strip() and not part.media_group:
            return Route("notice", key="unsupported")
        joined = await self.join(chat_id, part, ticket, on_wait=on_wait)
        if joined is None:
            return Route("skip")
        if not joined.text.strip():
            return Route("notice", key="unsupported")  # an album without a caption: one answer for all its photos
        kind = classify(joined.text, forwarded=forwarded, names=names)
        latest = await self.store.last_article(chat_id) if kind is Kind.QUESTION and not replied else None
        return decide(
            kind, joined.text, forwarded=forwarded, replied=replied, latest=latest, message_ids=joined.message_ids
        )

    async def brief(
        self,
        text: str,
        source: Source,
        *,
        link: bool,
        spender: Spender,
        on_work: Callable[[], Coroutine[Any, Any, object]] | None = None,
    ) -> Brief:
        """The brief of a post (or of the page a link points to): from the cache, else one model call.

        `on_work` (the "⏳" placeholder) is started only when there is work to wait for, and runs
        alongside it; it has finished when this returns.
        """
        article = None if link else self.prepare(text, source)
        if article is not None:
            cached = await self.cached(article)
            if cached is not None:
                return cached
        if article is None:
            await spender.admit()  # fetching costs too: a link counts against the rate before the fetch
        shown = asyncio.create_task(on_work()) if on_work is not None else None
        try:
            if article is None:
                return await self.brief_link(text, spender=spender)
            return await self.brief_article(article, spender=spender)
        finally:
            if shown is not None:
                await shown

    async def article_of(self, chat_id: int, message_id: int) -> str | None:
        """The article a message of the chat is about (a brief, its post, an answer), if known."""
        return await self.store.article_of_message(chat_id, message_id)

    async def link(self, chat_id: int, message_ids: list[int], article_id: str) -> None:
        """Note that these messages (a question and its answer, an ask prompt) are about an article."""
        await self.store.link_messages(chat_id, message_ids, article_id)

    async def brief_message_ids(self, chat_id: int, message_id: int) -> list[int]:
        """The messages of the brief whose buttons are on `message_id`."""
        return await self.store.brief_messages(chat_id, message_id)

    async def relink_brief(self, chat_id: int, message_ids: list[int], article_id: str) -> None:
        """A brief now made of these messages (switched to the other language) is about the article."""
        await self.store.link_messages(chat_id, message_ids, article_id)
        await self.store.link_brief(chat_id, message_ids)

    def prepare(self, text: str, source: Source) -> Article:
        """Check and tidy a post into an Article (raises InputError subclasses for bad input)."""
        return self.pipeline.prepare(text, source)

    async def cached(self, article: Article) -> Brief | None:
        """The brief of an article already analysed, without calling the model (None if not cached)."""
        return await self.pipeline.cached_brief(article)

    async def brief_article(self, article: Article, *, spender: Spender) -> Brief:
        """The brief of a pasted or forwarded article (one model call if it is new, paid by `spender`)."""
        return await self.pipeline.brief(article, spender=spender)

    async def brief_link(self, text: str, *, spender: Spender) -> Brief:
        """Fetch the linked page and brief its article."""
        url = find_url(text)
        if url is None:
            raise FetchError("no link in the message", reason="fetch_failed")
        page = await self.fetcher.fetch(url)
        # A long page is briefed from its beginning (where news puts what matters) rather than refused.
        text = fit_chars(page.article, self.pipeline.settings.max_input_chars)
        source = Source(kind="link", name=page.site, url=page.url)
        return await self.pipeline.analyse(text, source=source, spender=spender)

    async def remember(self, chat_id: int, post_ids: list[int], brief_ids: list[int], brief: Brief) -> None:
        """Link the post and the bot's messages to the article (for replies, the buttons, digests); count the brief."""
        metrics.BRIEFS.inc()
        source = "cache" if brief.from_cache else "rules" if brief.offline else "model"
        metrics.BRIEF_SECONDS.labels(source=source).observe(brief.seconds)
        metrics.record(metrics.Event.BRIEF)
        await self.store.link_messages(chat_id, [*post_ids, *brief_ids], brief.article.id)
        await self.store.link_brief(chat_id, brief_ids)
        await self.store.add_chat_article(chat_id, brief.article.id, brief.article.source, self.clock.time())
        if self.memory is not None:
            await self.memory.record(chat_id, brief.article, brief.analysis, at=self.clock.time())

    async def for_message(self, chat_id: int, message_id: int) -> tuple[Article, CachedAnalysis] | None:
        """The article and analysis a message is about (from the cache: no model call)."""
        article_id = await self.store.article_of_message(chat_id, message_id)
        return await self.pipeline.stored(article_id) if article_id else None
