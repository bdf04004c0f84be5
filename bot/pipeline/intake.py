"""What arrives in a chat, decided: an article (text or link), a question, or too little to use;
plus the joining of posts that Telegram split over several messages."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import text as textlib
from bot.clock import Clock
from bot.errors import FetchError
from bot.models import Analysis, Article, Brief, Source
from bot.pipeline.analyse import MIN_ARTICLE_WORDS, ArticlePipeline
from bot.pipeline.fetch import Fetcher, find_url, is_just_a_link
from bot.store import Store

# A pasted (not forwarded) text shorter than this is a question about the chat's latest article.
ARTICLE_MIN_WORDS = 40
# Telegram cuts long texts at 4096 characters and captions at 1024: a message this full may have a sequel.
FULL_TEXT = 3500
FULL_CAPTION = 900
JOIN_WINDOW = 1.5  # seconds of quiet after the last part before a split post is analysed


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


class Kind(enum.Enum):
    """What a message is."""

    ARTICLE = "article"
    LINK = "link"
    QUESTION = "question"
    TOO_SHORT = "too_short"


def classify(text: str, *, forwarded: bool) -> Kind:
    """Decide what a text message is (forwarded posts are articles; short pastes are questions)."""
    if is_just_a_link(text):
        return Kind.LINK
    words = textlib.word_count(text)
    if forwarded:
        return Kind.ARTICLE if words >= MIN_ARTICLE_WORDS else Kind.TOO_SHORT
    return Kind.ARTICLE if words >= ARTICLE_MIN_WORDS else Kind.QUESTION


@dataclass
class Part:
    """One message of a post that may be split."""

    message_id: int
    text: str
    caption: bool = False
    media_group: str | None = None

    def looks_cut(self) -> bool:
        """True when Telegram may have put the rest of the post in the next message."""
        size = len(self.text.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
        return bool(self.media_group) or size >= (FULL_CAPTION if self.caption else FULL_TEXT)


@dataclass
class Joined:
    """The parts joined into one post (message ids in order), or nothing when another message leads."""

    text: str = ""
    message_ids: list[int] = field(default_factory=list)


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
    ) -> None:
        self.clock = clock
        self.store = store
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.join_window = join_window

    async def join(
        self, chat_id: int, origin: str, part: Part, *, on_wait: Callable[[], Awaitable[None]] | None = None
    ) -> Joined | None:
        """Collect the parts of a split post; returns the whole post to the message that leads, None to the others.

        The first part leads. It waits only when it looks cut (a full message, a caption, an album),
        until no part has arrived for `join_window` seconds. Works across replicas through Redis;
        without Redis every message stands alone.
        """
        waiting = await self.store.push_part(
            chat_id, origin, {"id": part.message_id, "text": part.text, "caption": part.caption}
        )
        if waiting is None:
            return Joined(part.text, [part.message_id])
        if waiting > 1:
            return None  # a leader is collecting; it will include this part
        if part.looks_cut():
            if on_wait is not None:
                await on_wait()  # tell the user we are on it before waiting for the other parts
            seen = 1
            while True:
                await asyncio.sleep(self.join_window)
                count = await self.store.count_parts(chat_id, origin)
                if count <= seen:
                    break
                seen = count
        parts = await self.store.take_parts(chat_id, origin) or [{"id": part.message_id, "text": part.text}]
        parts.sort(key=lambda p: p["id"])
        return Joined("\n\n".join(p["text"] for p in parts), [p["id"] for p in parts])

    def prepare(self, text: str, source: Source) -> Article:
        """Check and tidy a post into an Article (raises InputError subclasses for bad input)."""
        return self.pipeline.prepare(text, source)

    async def cached(self, article: Article) -> Brief | None:
        """The brief of an article already analysed, without calling the model (None if not cached)."""
        return await self.pipeline.cached_brief(article)

    async def brief_article(self, article: Article, *, user_id: int | None) -> Brief:
        """The brief of a pasted or forwarded article (one model call if it is new)."""
        return await self.pipeline.brief(article, user_id=user_id)

    async def brief_link(self, text: str, *, user_id: int | None) -> Brief:
        """Fetch the linked page and brief its article."""
        url = find_url(text)
        if url is None:
            raise FetchError("no link in the message", reason="fetch_failed")
        page = await self.fetcher.fetch(url)
        # A long page is briefed from its beginning (where news puts what matters) rather than refused.
        text = fit_chars(page.article, self.pipeline.settings.max_input_chars)
        source = Source(kind="link", name=page.site, url=page.url)
        return await self.pipeline.analyse(text, source=source, user_id=user_id)

    async def remember(self, chat_id: int, message_ids: list[int], brief: Brief) -> None:
        """Link the post and the bot's messages to the article (for replies, the language button, digests)."""
        await self.store.link_messages(chat_id, message_ids, brief.article.id)
        await self.store.add_chat_article(chat_id, brief.article.id, brief.article.source, self.clock.time())

    async def for_message(self, chat_id: int, message_id: int) -> tuple[Article, Analysis] | None:
        """The article and analysis a message is about (from the cache: no model call)."""
        article_id = await self.store.article_of_message(chat_id, message_id)
        return await self.stored(article_id) if article_id else None

    async def stored(self, article_id: str) -> tuple[Article, Analysis] | None:
        """A stored article with its grounded analysis."""
        found = await self.pipeline.stored(article_id)
        return (found[0], found[1].grounded) if found else None
