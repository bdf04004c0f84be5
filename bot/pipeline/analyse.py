"""Article in, grounded Brief out: normalise, fingerprint, cache, one LLM call per article, ground."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time

from bot import metrics
from bot import text as textlib
from bot.config import Settings
from bot.errors import EmptyInput, FailedRecently, InputTooLong, LLMError, NotAnArticle, Refused
from bot.llm.analyse import Analyser
from bot.llm.spend import FREE, Spender
from bot.models import Article, Brief, CachedAnalysis, Source, Usage
from bot.pipeline.grounding import ground
from bot.store import Store

log = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 5
FAILED_SECONDS = 300.0  # an article whose analysis failed is not sent to the model again for this long


def prepare_article(settings: Settings, text: str, source: Source | None = None) -> Article:
    """Check and tidy raw text into an Article (raises InputError subclasses for bad input); pure.

    The article's id is its fingerprint (bot.text.fingerprint, with the source's name as the channel
    signature); fewer than MIN_ARTICLE_WORDS content words (bot.text.content_word_count) is NotAnArticle.
    """
    cleaned = textlib.clean_article(text or "")
    if not cleaned:
        raise EmptyInput("there is no text to analyse")
    if len(cleaned) > settings.max_input_chars:
        raise InputTooLong(
            f"the text has {len(cleaned)} characters; the limit is {settings.max_input_chars}",
            limit=settings.max_input_chars,
            length=len(cleaned),
        )
    # The channel's own name, as a trailing or heading line, is its signature, not news.
    names = source.names if source is not None else ()
    # Only content counts: a post of links, hashtags, emoji and a signature is too short, never an
    # article with an empty identity that every such post would share.
    content = textlib.content_word_count(cleaned, names)
    if content < MIN_ARTICLE_WORDS:
        raise NotAnArticle(f"{content} words are too few for a news article")
    return Article(
        id=textlib.fingerprint(cleaned, names),
        text=cleaned,
        language=textlib.detect_language(cleaned),
        words=textlib.word_count(cleaned),
        source=source or Source(),
        received_at=time.time(),
    )


class ArticlePipeline:
    """Turns article text into a grounded Brief, asking the model at most once per distinct article."""

    def __init__(self, settings: Settings, store: Store, analyser: Analyser) -> None:
        self.settings = settings
        self.store = store
        self.analyser = analyser
        self._inflight: dict[str, asyncio.Future[tuple[CachedAnalysis, Usage]]] = {}
        # A lock is held while the model works; it must outlive the SDK's retries, and a waiter gives
        # up (and asks the model itself) only after the holder would have timed out.
        attempts = settings.openai_max_retries + 1
        self._lock_ttl = settings.openai_timeout * attempts * 2 + 30
        self._lock_wait = self._lock_ttl
        self.failed_seconds = FAILED_SECONDS

    def prepare(self, text: str, source: Source | None = None) -> Article:
        """Check and tidy raw text into an Article (see prepare_article)."""
        return prepare_article(self.settings, text, source)

    async def analyse(self, text: str, *, source: Source | None = None, spender: Spender = FREE) -> Brief:
        """Return the grounded brief of `text`; a repeat (same article, any formatting) costs no LLM call."""
        started = time.perf_counter()
        article = self.prepare(text, source)
        return await self.brief(article, spender=spender, started=started)

    async def brief(
        self, article: Article, *, spender: Spender, ttl: int | None = None, started: float | None = None
    ) -> Brief:
        """The brief of an already prepared article (kept `ttl` seconds if shorter than CACHE_TTL_DAYS).

        A new article costs one model call, paid by `spender` (only the request that actually asks
        the model pays; waiters get the shared result). No default: every caller says who pays
        (the command line passes FREE). An article whose analysis failed less than
        `failed_seconds` (FAILED_SECONDS) ago raises FailedRecently instead of asking again.
        """
        started = started if started is not None else time.perf_counter()
        namespace = self.analyser.cache_namespace
        cached = await self.store.get_analysis(namespace, article.id)
        if cached is not None:
            return await self._from_cache(article, cached, namespace, ttl=ttl, started=started)
        metrics.CACHE.labels(result="miss").inc()
        metrics.record(metrics.Event.CACHE_MISS)
        if await self.store.failed_recently(namespace, article.id):
            raise FailedRecently("the analysis of this article failed a few minutes ago")
        cached, spent = await self._single_flight(namespace, article, _sha(article.text), spender, ttl)
        await self.store.put_article(article, ttl=ttl)
        return self._brief(article, cached, spent, started)

    async def _from_cache(
        self, article: Article, cached: CachedAnalysis, namespace: str, *, ttl: int | None, started: float
    ) -> Brief:
        metrics.CACHE.labels(result="hit").inc()
        metrics.record(metrics.Event.CACHE_HIT)
        if ttl is None:
            await self.store.keep_analysis(namespace, article.id)  # made for a channel post: now a reader's
        await self.store.put_article(article, ttl=ttl)
        return self._brief(article, cached, Usage(), started)

    def _brief(self, article: Article, cached: CachedAnalysis, spent: Usage, started: float) -> Brief:
        grounded, report = cached.grounded, cached.grounding
        if cached.text_sha != _sha(article.text):
            # Same article in another form (whitespace, signature...): quotes must be spans of *this* text.
            grounded, report = ground(cached.raw, article.text)
        return Brief(
            article=article,
            analysis=grounded,
            from_cache=spent.calls == 0,
            usage=spent,
            grounding=report,
            seconds=time.perf_counter() - started,
        )

    async def cached_brief(self, article: Article) -> Brief | None:
        """The brief of a prepared article if it is already cached (never calls the model)."""
        namespace = self.analyser.cache_namespace
        cached = await self.store.get_analysis(namespace, article.id)
        if cached is None:
            return None
        return await self._from_cache(article, cached, namespace, ttl=None, started=time.perf_counter())

    async def stored(self, article_id: str) -> tuple[Article, CachedAnalysis] | None:
        """A stored article with its cached analysis (both expire with CACHE_TTL_DAYS)."""
        article = await self.store.get_article(article_id)
        cached = await self.store.get_analysis(self.analyser.cache_namespace, article_id)
        if article is None or cached is None:
            return None
        return article, cached

    async def _single_flight(
        self, namespace: str, article: Article, text_sha: str, spender: Spender, ttl: int | None
    ) -> tuple[CachedAnalysis, Usage]:
        """One model call per article: in this process via a shared future, across processes via a Redis lock.

        A waiter shares the asker's result or failure, but not a refusal: that was the asker's own
        budget or rate, so the waiter asks again, paying for itself.
        """
        while (running := self._inflight.get(article.id)) is not None:
            try:
                return (await asyncio.shield(running))[0], Usage()
            except Refused:
                continue
        future: asyncio.Future[tuple[CachedAnalysis, Usage]] = asyncio.get_running_loop().create_future()
        self._inflight[article.id] = future
        try:
            result = await self._analyse_locked(namespace, article, text_sha, spender, ttl)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._inflight[article.id]

    async def _analyse_locked(
        self, namespace: str, article: Article, text_sha: str, spender: Spender, ttl: int | None
    ) -> tuple[CachedAnalysis, Usage]:
        async with self.store.analysis_lock(namespace, article.id, ttl=self._lock_ttl, wait=self._lock_wait):
            cached = await self.store.get_analysis(namespace, article.id)
            if cached is not None:  # another replica finished while we waited
                return cached, Usage()
            try:
                result = await self.analyser.analyse(article.text, spender)
            except LLMError:
                await self.store.mark_failed(namespace, article.id, self.failed_seconds)
                raise
            metrics.record(metrics.Event.ARTICLE_ANALYSED)
            grounded, report = ground(result.analysis, article.text)
            if report.dropped_quotes or report.dropped_actors:
                log.info(
                    "article %s: dropped %d invented quotes and %d actors not in the article",
                    article.id[:12],
                    report.dropped_quotes,
                    report.dropped_actors,
                )
            cached = CachedAnalysis(
                raw=result.analysis, grounded=grounded, grounding=report, text_sha=text_sha, usage=result.usage
            )
            await self.store.put_analysis(namespace, article.id, cached, ttl=ttl)
            return cached, result.usage


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
