"""One article in, one bilingual Analysis out: prompt, token budget, chunking and merging."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from bot import text as textlib
from bot.config import Settings
from bot.errors import ContextTooSmall, LLMError
from bot.llm.client import ChatClient, Completion, ContextExceeded, OutputTruncated, schema_json
from bot.llm.prompts import Prompt, load_prompt
from bot.llm.spend import FREE, Spender
from bot.llm.tokens import TokenCounter, split_to_budget
from bot.models import Analysis, Headline, Usage

log = logging.getLogger(__name__)

T = TypeVar("T")

MIN_ARTICLE_TOKENS = 64  # below this a context window is too small to analyse anything useful
MAX_RESPLITS = 5
PART_CONCURRENCY = 3
MERGE_OUTPUT_TOKENS = 600
MERGE_PROMPT_PER_PART = 400  # a part's headline and summary in both languages, as the merge prompt holds them


@dataclass
class AnalysisResult:
    """An ungrounded analysis as the model produced it, with its cost."""

    analysis: Analysis
    usage: Usage
    parts: int


class Analyser:
    """Analyses articles of any length with as few calls as the context window allows."""

    def __init__(self, client: ChatClient, settings: Settings) -> None:
        self.client = client
        self.prompt: Prompt = load_prompt("analysis")
        self.merge_prompt: Prompt = load_prompt("merge")
        self.counter = TokenCounter(settings.openai_model)
        self.max_output_tokens = settings.openai_max_output_tokens

    @cached_property
    def overhead(self) -> int:
        """Prompt tokens of everything but the article (counted on first need: it loads tiktoken and the SDK)."""
        return self.counter.count_messages(self.prompt.render(article="")) + self.counter.count(schema_json(Analysis))

    @property
    def cache_namespace(self) -> str:
        """Prompt version and model: part of every cache key for analyses."""
        return f"{self.prompt.key}:{self.client.model}"

    def output_reserve(self, context: int) -> int:
        """Tokens kept free for the answer in a window of `context` tokens."""
        return min(self.max_output_tokens, max(256, context // 4))

    @property
    def context_tokens(self) -> int:
        """The endpoint's context window as currently known."""
        return self.client.context_tokens

    def article_budget(self, context: int | None = None) -> int:
        """Tokens of article text that fit in one call."""
        context = context or self.context_tokens
        return context - self.overhead - self.output_reserve(context) - self.client.reasoning_room

    def estimate(self, article: str) -> int:
        """The most one analysis of `article` should cost: its prompts (counted) and their output caps."""
        context = self.context_tokens
        tokens = self.counter.count(article)
        parts = max(1, -(-tokens // max(self.article_budget(context), MIN_ARTICLE_TOKENS)))
        total = tokens + parts * (self.overhead + self.output_reserve(context) + self.client.reasoning_room)
        if parts > 1:
            total += self.counter.count_messages(self.merge_prompt.render(parts="")) + MERGE_OUTPUT_TOKENS
            total += parts * MERGE_PROMPT_PER_PART
        return total

    async def analyse(self, article: str, spender: Spender = FREE) -> AnalysisResult:
        """Analyse the article, splitting it when it does not fit, and merge the parts.

        The estimate is reserved with `spender` before the first call (which may refuse it) and
        settled with the real usage after the last; a failure is charged the estimate (the endpoint
        may well have billed it) unless no model worked on it (see failure_cost).
        """
        estimate = self.estimate(article)
        await spender.reserve(estimate)
        try:
            result = await self._analyse(article)
        except BaseException as exc:
            await spender.settle(failure_cost(exc, estimate))
            raise
        await spender.settle(result.usage)
        return result

    async def _analyse(self, article: str) -> AnalysisResult:
        context = self.context_tokens
        budget = self.article_budget(context)
        usage = Usage()
        halved = False
        for _attempt in range(MAX_RESPLITS + 1):
            if budget < MIN_ARTICLE_TOKENS:
                raise ContextTooSmall(f"a context window of {context} tokens is too small", limit=context)
            parts = split_to_budget(article, budget, self.counter.count)
            try:
                results = await self._analyse_parts(parts, self.output_reserve(context))
            except ContextExceeded as exc:
                usage += exc.usage or Usage()  # a server that cut the prompt answered anyway: that call cost tokens
                stated = exc.limit if exc.limit and exc.limit < context else None
                context = stated or int(context * 0.75)
                # The server's tokenizer may count more than ours: also shrink what we send.
                budget = min(self.article_budget(context), int(budget * 0.7))
                self.client.learn_context(context)
                continue
            except OutputTruncated as exc:
                usage += exc.usage or Usage()  # the cut answers were paid for
                # Too much to say about it in one answer: try once more in smaller parts.
                if halved or self.counter.count(article) < 4 * MIN_ARTICLE_TOKENS:
                    raise
                halved = True
                budget = max(MIN_ARTICLE_TOKENS, min(budget, self.counter.count(article)) // 2)
                log.warning("the answer was cut off; analysing the article in smaller parts")
                continue
            for result in results:
                usage += result.usage
            merged, merge_usage = await self._merge([r.value for r in results])
            return AnalysisResult(merged, usage + merge_usage, len(parts))
        raise ContextTooSmall("the model server kept rejecting the article as too long", limit=context)

    async def _analyse_parts(self, parts: Sequence[str], reserve: int) -> list[Completion[Analysis]]:
        gate = asyncio.Semaphore(PART_CONCURRENCY)

        async def one(part: str) -> Completion[Analysis]:
            async with gate:
                return await self.client.parse(self.prompt.render(article=part), Analysis, reserve)

        results = await asyncio.gather(*(one(part) for part in parts), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results  # type: ignore[return-value]

    async def _merge(self, analyses: list[Analysis]) -> tuple[Analysis, Usage]:
        """Join the parts: actors and quotes deduplicated, one short call for headline and summary."""
        if len(analyses) == 1:
            return analyses[0], Usage()
        actors = _unique([a for analysis in analyses for a in analysis.actors], lambda a: a.name)
        quotes = _unique([q for analysis in analyses for q in analysis.quotes], lambda q: q.text)
        parts = "\n\n".join(
            f"Part {i}:\nheadline (ar): {a.headline.ar}\nheadline (en): {a.headline.en}\n"
            f"summary (ar): {a.summary.ar}\nsummary (en): {a.summary.en}"
            for i, a in enumerate(analyses, 1)
        )
        result = await self.client.parse(self.merge_prompt.render(parts=parts), Headline, MERGE_OUTPUT_TOKENS)
        language = Counter(a.language for a in analyses).most_common(1)[0][0]
        merged = Analysis(
            headline=result.value.headline,
            summary=result.value.summary,
            actors=actors,
            quotes=quotes,
            language=language,
        )
        return merged, result.usage


def failure_cost(exc: BaseException, estimate: int) -> Usage:
    """What a failed model call is charged: what the answered calls cost when the server said so,
    else the estimate, unless the request never reached a model."""
    if isinstance(exc, LLMError):
        if exc.usage is not None and exc.usage.total:
            return exc.usage
        if not exc.billed:
            return Usage()
    return Usage(prompt_tokens=estimate)


def _unique(items: list[T], text: Callable[[T], str]) -> list[T]:
    """Items in order, without those whose normalised text was seen before."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = textlib.normalize(text(item))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
