"""Channel posts for the digests: kept two days, analysed once at the bot's cost (in the background
when a digest finds one not analysed yet)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.clock import Clock
from bot.errors import FailedRecently, NabaError
from bot.llm.spend import Spender
from bot.memory.service import Memory
from bot.models import Article, Source
from bot.pipeline.analyse import ArticlePipeline
from bot.store import Store
from bot.store.digests import CHANNEL_WINDOW
from bot.store.memory import CHANNELS

log = logging.getLogger(__name__)

MAX_BACKGROUND = 32  # channel posts analysed in the background at once (the rest: at a later call)


class ChannelPosts:
    """An approved channel's posts: stored, replaced when edited, analysed once."""

    def __init__(
        self,
        store: Store,
        pipeline: ArticlePipeline,
        clock: Clock,
        payer: Callable[[], Spender],
        memory: Memory | None = None,
    ) -> None:
        self.store = store
        self.memory = memory  # who said what: a post's verified quotes go into the channels' memory
        self.pipeline = pipeline
        self.clock = clock
        self.payer = payer  # who pays for analysing a post (the bot: the day's total cap)
        self._analysing: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def analyse_later(self, article: Article) -> None:
        """Analyse a post in the background, once at a time per post and at most MAX_BACKGROUND at once."""
        if article.id in self._analysing or len(self._analysing) >= MAX_BACKGROUND:
            return
        self._analysing.add(article.id)

        async def analyse() -> None:
            try:
                await self.analyse_post(article)
            except FailedRecently:
                pass  # it failed minutes ago (and was logged then): a later run tries again
            except NabaError as exc:
                log.warning("could not analyse channel post %s for the digest: %s", article.id[:12], exc)
            finally:
                self._analysing.discard(article.id)

        task = asyncio.create_task(analyse())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def take_post(self, chat_id: int, message_id: int, text: str, source: Source, *, edited: bool) -> None:
        """Keep an approved channel's post for the digests (two days) and analyse it once, at the bot's cost.

        An edited post replaces the version kept, so a corrected figure is what digests show. A post
        too short or too long to be an article is let go; a failed analysis is tried again later.
        """
        try:
            article = self.pipeline.prepare(text, source)
        except NabaError:
            return
        if edited:
            earlier = await self.store.article_of_message(chat_id, message_id)
            if earlier == article.id:
                return  # nothing but decoration changed
            if earlier:
                await self.store.remove_channel_article(earlier, source)
                await self.store.forget_memory_article(CHANNELS, earlier)  # its old words leave /who too
        await self.store.put_article(article, ttl=CHANNEL_WINDOW)
        await self.store.add_channel_article(article.id, source, self.clock.time())
        await self.store.link_message(chat_id, message_id, article.id)
        try:
            await self.analyse_post(article)
        except NabaError as exc:
            log.warning("channel post %s not analysed yet (%s); a digest will try again", article.id[:12], exc)

    async def analyse_post(self, article: Article) -> None:
        """Analyse a channel's post for the digests (kept as long as they need it), at the bot's cost."""
        # No stand-in: a post the model could not analyse yet is tried again by a later digest run,
        # where a rule-based analysis would stay for the post's two days.
        brief = await self.pipeline.brief(article, spender=self.payer(), ttl=CHANNEL_WINDOW, stand_in=False)
        if self.memory is not None:
            await self.memory.record(None, brief.article, brief.analysis, at=self.clock.time())

    async def close(self) -> None:
        """Cancel the background analyses still running (their posts are analysed at a later call)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
