"""Article in, grounded Brief out: normalise, fingerprint, cache, one LLM call per article, ground."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time

from bot import metrics
from bot import text as textlib
from bot.config import Settings
from bot.errors import (
    BudgetExceeded,
    EmptyInput,
    FailedRecently,
    InputTooLong,
    LLMError,
    NabaError,
    NotAnArticle,
    Refused,
    TotalBudgetExceeded,
)
from bot.extract.hybrid import merge_quotes
from bot.extract.latin import to_latin
from bot.llm.analyse import Analyser
from bot.llm.spend import FREE, Spender
from bot.models import AnalyserKind, Analysis, Article, Brief, CachedAnalysis, Grounding, Source, StandIn, Usage
from bot.pipeline.grounding import ground
from bot.pipeline.rules import RulesAnalyser, rules_version
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


# What a rule-based brief stands in for: the model failing (after its retries) or a spent budget.
STAND_IN_FOR = (LLMError, BudgetExceeded, TotalBudgetExceeded)


def finish(kind: AnalyserKind, raw: Analysis, text: str) -> tuple[Analysis, Grounding]:
    """An analysis as shown: grounded in `text` (DESIGN §2), and for hybrid with the extractor's quotes merged in."""
    grounded, report = ground(raw, text)
    if kind == "hybrid":
        grounded = merge_quotes(grounded, text, to_latin)
    return grounded, report


def current(cached: CachedAnalysis, text: str, rules: RulesAnalyser) -> CachedAnalysis:
    """A cached analysis as the rules of this version show it: one made or merged by other rules is
    made again from the article (pure, milliseconds), so a deploy that changes a rule neither serves
    the old rules' output nor loses a brief (its buttons, questions and digests keep working)."""
    if cached.analyser == "llm" or cached.rules_version == rules_version():
        return cached
    raw = rules.analyse_now(text) if cached.analyser == "rules" else cached.raw
    grounded, report = finish(cached.analyser, raw, text)
    return cached.model_copy(
        update={"raw": raw, "grounded": grounded, "grounding": report, "rules_version": rules_version()}
    )


class ArticlePipeline:
    """Turns article text into a grounded Brief, asking the model at most once per distinct article.

    ANALYZER (resolved: Settings.analyser_mode) says who analyses: the model alone (llm), the model
    with the rule-based extractor's quotes merged in (hybrid), or the rules alone (rules). With a
    model, the rules also stand in, labelled, when the model fails or the budget is spent (hybrid
    only: llm means no rules at all). Each kind has its own cache namespace.
    """

    def __init__(
        self, settings: Settings, store: Store, analyser: Analyser, rules: RulesAnalyser | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.analyser = analyser  # the model's
        self.rules = rules or RulesAnalyser()
        self.mode: AnalyserKind = settings.analyser_mode
        self._inflight: dict[str, asyncio.Future[tuple[CachedAnalysis, Usage]]] = {}
        # A lock is held while the model works; it must outlive the SDK's retries, and a waiter gives
        # up (and asks the model itself) only after the holder would have timed out.
        attempts = settings.openai_max_retries + 1
        self._lock_ttl = settings.openai_timeout * attempts * 2 + 30
        self._lock_wait = self._lock_ttl
        self.failed_seconds = FAILED_SECONDS

    def namespace_of(self, kind: AnalyserKind) -> str:
        """The cache namespace of an analyser kind: the rules', or the model's (prompt version and model)."""
        if kind == "rules":
            return self.rules.cache_namespace
        if kind == "hybrid":  # the model's answer, stored merged; a rule change re-merges on reading
            return f"{self.analyser.cache_namespace}:hybrid"
        return self.analyser.cache_namespace

    @property
    def namespace(self) -> str:
        """The cache namespace of this pipeline's analyses (see namespace_of)."""
        return self.namespace_of(self.mode)

    @property
    def stands_in(self) -> bool:
        """True when rule-based briefs stand in for the model's (hybrid; not llm, and rules needs none)."""
        return self.mode == "hybrid"

    def prepare(self, text: str, source: Source | None = None) -> Article:
        """Check and tidy raw text into an Article (see prepare_article)."""
        return prepare_article(self.settings, text, source)

    async def analyse(
        self, text: str, *, source: Source | None = None, spender: Spender = FREE, stand_in: bool = True
    ) -> Brief:
        """Return the grounded brief of `text`; a repeat (same article, any formatting) costs no LLM call."""
        started = time.perf_counter()
        article = self.prepare(text, source)
        return await self.brief(article, spender=spender, started=started, stand_in=stand_in)

    async def brief(
        self,
        article: Article,
        *,
        spender: Spender,
        ttl: int | None = None,
        started: float | None = None,
        stand_in: bool = True,
    ) -> Brief:
        """The brief of an already prepared article (kept `ttl` seconds if shorter than CACHE_TTL_DAYS).

        A new article costs one model call, paid by `spender` (only the request that actually asks
        the model pays; waiters get the shared result). No default: every caller says who pays
        (the command line passes FREE). An article whose analysis failed less than
        `failed_seconds` (FAILED_SECONDS) ago raises FailedRecently instead of asking again.
        When the model fails or a budget refuses, a rule-based brief stands in (Brief.standin says
        why) if `stand_in` and the pipeline's mode allows it (see stands_in); else the error is raised.
        """
        started = started if started is not None else time.perf_counter()
        namespace = self.namespace
        cached = await self.store.get_analysis(namespace, article.id)
        if cached is not None:
            return await self._from_cache(article, cached, namespace, ttl=ttl, started=started)
        metrics.CACHE.labels(result="miss").inc()
        metrics.record(metrics.Event.CACHE_MISS)
        if self.mode == "rules":  # milliseconds and free: no lock, no single flight
            cached = await self._by_rules(article, ttl)
            await self.store.put_article(article, ttl=ttl)
            return self._brief(article, cached, Usage(), started, from_cache=False)
        try:
            if await self.store.failed_recently(namespace, article.id):
                raise FailedRecently("the analysis of this article failed a few minutes ago")
            cached, spent = await self._single_flight(namespace, article, _sha(article.text), spender, ttl)
        except STAND_IN_FOR as exc:
            if not (stand_in and self.stands_in):
                raise
            return await self._stand_in(article, exc, ttl=ttl, started=started)
        await self.store.put_article(article, ttl=ttl)
        # spent.calls == 0: another request's (or replica's) model call made it; this one shares it.
        return self._brief(article, cached, spent, started, from_cache=spent.calls == 0)

    async def _stand_in(self, article: Article, exc: NabaError, *, ttl: int | None, started: float) -> Brief:
        """The rule-based brief, labelled with why the model's is missing (cached in the rules' namespace)."""
        if isinstance(exc, Refused):
            log.info("article %s: %s; a rule-based brief stands in", article.id[:12], exc)
        else:
            log.warning("article %s: the model failed (%s); a rule-based brief stands in", article.id[:12], exc)
        metrics.STANDINS.labels(reason=exc.key).inc()
        namespace = self.rules.cache_namespace
        cached = await self.store.get_analysis(namespace, article.id)
        if cached is None:
            cached = await self._by_rules(article, ttl)
        elif ttl is None:
            await self.store.keep_analysis(namespace, article.id)  # made for a channel post: now a reader's
        await self.store.put_article(article, ttl=ttl)
        params = {k: v if isinstance(v, int) else str(v) for k, v in exc.params.items()}
        brief = self._brief(article, cached, Usage(), started, from_cache=False)
        return brief.model_copy(update={"standin": StandIn(key=exc.key, params=params)})

    async def _by_rules(self, article: Article, ttl: int | None) -> CachedAnalysis:
        """The rules' analysis of an article, made now and cached in the rules' namespace."""
        cached = await self._analyse_now("rules", article, _sha(article.text), FREE)
        await self.store.put_analysis(self.rules.cache_namespace, article.id, cached, ttl=ttl)
        return cached

    async def _from_cache(
        self, article: Article, cached: CachedAnalysis, namespace: str, *, ttl: int | None, started: float
    ) -> Brief:
        metrics.CACHE.labels(result="hit").inc()
        metrics.record(metrics.Event.CACHE_HIT)
        if ttl is None:
            await self.store.keep_analysis(namespace, article.id)  # made for a channel post: now a reader's
        await self.store.put_article(article, ttl=ttl)
        return self._brief(article, cached, Usage(), started, from_cache=True)

    def _brief(
        self, article: Article, cached: CachedAnalysis, spent: Usage, started: float, *, from_cache: bool
    ) -> Brief:
        cached = current(cached, article.text, self.rules)
        grounded, report = cached.grounded, cached.grounding
        if cached.text_sha != _sha(article.text):
            # Same article in another form (whitespace, signature...): quotes must be spans of *this* text.
            grounded, report = finish(cached.analyser, cached.raw, article.text)
        return Brief(
            article=article,
            analysis=grounded,
            from_cache=from_cache,
            usage=spent,
            grounding=report,
            seconds=time.perf_counter() - started,
            analyser=cached.analyser,
        )

    async def cached_brief(self, article: Article) -> Brief | None:
        """The brief of a prepared article if it is already cached (never calls the model)."""
        namespace = self.namespace
        cached = await self.store.get_analysis(namespace, article.id)
        if cached is None:
            return None
        return await self._from_cache(article, cached, namespace, ttl=None, started=time.perf_counter())

    async def stored(self, article_id: str) -> tuple[Article, CachedAnalysis] | None:
        """A stored article with its cached analysis (both expire with CACHE_TTL_DAYS): the mode's
        analysis, else a rule-based one that stood in for it (CachedAnalysis.analyser tells which)."""
        article = await self.store.get_article(article_id)
        if article is None:
            return None
        for namespace in self._namespaces():
            cached = await self.store.get_analysis(namespace, article_id)
            if cached is not None:
                return article, current(cached, article.text, self.rules)
        return None

    async def get_many(self, ids: list[str]) -> list[tuple[Article | None, CachedAnalysis | None]]:
        """Articles with their analyses as `stored` finds them, in a round trip per namespace."""
        found = await self.store.get_many(self.namespace, ids)
        for namespace in self._namespaces()[1:]:
            missing = [i for i, (article, cached) in enumerate(found) if article is not None and cached is None]
            if not missing:
                break
            more = await self.store.get_many(namespace, [ids[i] for i in missing])
            for i, (_, cached) in zip(missing, more, strict=True):
                found[i] = (found[i][0], cached)
        return [
            (article, current(cached, article.text, self.rules) if article and cached else cached)
            for article, cached in found
        ]

    def rules_now(self, article: Article) -> Analysis:
        """The rule-based analysis of an article, made now (pure, milliseconds; nothing is stored)."""
        return finish("rules", self.rules.analyse_now(article.text), article.text)[0]

    def _namespaces(self) -> list[str]:
        return [self.namespace] if self.mode != "hybrid" else [self.namespace, self.rules.cache_namespace]

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
                cached = await self._analyse_now(self.mode, article, text_sha, spender)
            except LLMError:
                await self.store.mark_failed(namespace, article.id, self.failed_seconds)
                raise
            await self.store.put_analysis(namespace, article.id, cached, ttl=ttl)
            return cached, cached.usage

    async def _analyse_now(
        self, kind: AnalyserKind, article: Article, text_sha: str, spender: Spender
    ) -> CachedAnalysis:
        """Analyse with the model (llm, hybrid) or the rules, and ground the result."""
        result = await (self.rules if kind == "rules" else self.analyser).analyse(article.text, spender)
        if kind != "rules":
            metrics.record(metrics.Event.ARTICLE_ANALYSED)
        grounded, report = finish(kind, result.analysis, article.text)
        if report.dropped_quotes or report.dropped_actors:
            log.info(
                "article %s: dropped %d invented quotes and %d actors not in the article",
                article.id[:12],
                report.dropped_quotes,
                report.dropped_actors,
            )
        return CachedAnalysis(
            raw=result.analysis,
            grounded=grounded,
            grounding=report,
            text_sha=text_sha,
            usage=result.usage,
            analyser=kind,
            rules_version=rules_version() if kind != "llm" else "",
        )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
