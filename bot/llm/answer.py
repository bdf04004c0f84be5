"""Follow-up questions: the answer prompt, fitted into the context window with tiktoken."""

from __future__ import annotations

import re

from bot import text as textlib
from bot.config import Settings
from bot.errors import ContextTooSmall
from bot.llm.analyse import failure_cost
from bot.llm.client import ChatClient, ContextExceeded, schema_json
from bot.llm.prompts import load_prompt
from bot.llm.spend import FREE, Spender
from bot.llm.tokens import TokenCounter
from bot.models import Answer, Lang, Turn, Usage

ANSWER_TOKENS = 700
HISTORY_SHARE = 0.15  # at most this share of the window goes to earlier turns
_WORD = re.compile(r"\w{3,}")
LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}


class Answerer:
    """Asks the model one question about one article."""

    def __init__(self, client: ChatClient, settings: Settings) -> None:
        self.client = client
        self.prompt = load_prompt("answer")
        self.counter = TokenCounter(settings.openai_model)

    @property
    def window(self) -> int:
        """The endpoint's context window as currently known."""
        return self.client.context_tokens

    async def answer(
        self,
        article: str,
        brief: str,
        history: list[Turn],
        question: str,
        lang: Lang,
        *,
        spender: Spender = FREE,
        retried: bool = False,
    ) -> tuple[Answer, Usage]:
        """The model's answer, grounded by the caller; its prompt and output cap are reserved with `spender`."""
        fixed = self.counter.count_messages(
            self.prompt.render(article="", brief=brief, history="", question=question, language=LANGUAGE_NAMES[lang])
        ) + self.counter.count(schema_json(Answer))
        room = self.window - fixed - ANSWER_TOKENS - self.client.reasoning_room
        history_text = self.fit_history(history, min(int(self.window * HISTORY_SHARE), max(room // 3, 0)))
        room -= self.counter.count(history_text)
        article_text = self.fit_article(article, question, max(room, 64))
        messages = self.prompt.render(
            article=article_text,
            brief=brief,
            history=history_text,
            question=question,
            language=LANGUAGE_NAMES[lang],
        )
        estimate = self.counter.count_messages(messages) + ANSWER_TOKENS + self.client.reasoning_room
        await spender.reserve(estimate)
        try:
            result = await self.client.parse(messages, Answer, ANSWER_TOKENS)
        except ContextExceeded as exc:
            await spender.settle(exc.usage or Usage())  # rejected up front: nothing; a cut prompt: what it cost
            # A server smaller than configured: learn its window and try once more within it.
            self.client.learn_context(exc.limit or int(self.window * 0.6))
            if retried or self.window <= fixed + ANSWER_TOKENS + 64:
                raise ContextTooSmall("the model's context window is too small", limit=self.window) from exc
            return await self.answer(article, brief, history, question, lang, spender=spender, retried=True)
        except BaseException as exc:
            await spender.settle(failure_cost(exc, estimate))
            raise
        await spender.settle(result.usage)
        return result.value, result.usage

    def fit_history(self, history: list[Turn], budget: int) -> str:
        """The latest turns that fit the budget, oldest first."""
        kept: list[str] = []
        used = 0
        for turn in reversed(history):
            entry = f"Q: {turn.question}\nA: {turn.answer}"
            cost = self.counter.count(entry) + 1
            if used + cost > budget:
                break
            kept.append(entry)
            used += cost
        return "\n".join(reversed(kept))

    def fit_article(self, article: str, question: str, budget: int) -> str:
        """The article, or (when it does not fit) its paragraphs most related to the question, in order."""
        if self.counter.count(article) <= budget:
            return article
        wanted = {textlib.normalize(w) for w in _WORD.findall(question)}
        paragraphs = [p for p in textlib.split_paragraphs(article) if p.strip()]
        scored = sorted(
            range(len(paragraphs)),
            key=lambda i: (-len(wanted & {textlib.normalize(w) for w in _WORD.findall(paragraphs[i])}), i),
        )
        chosen: set[int] = set()
        used = 0
        for i in scored:
            cost = self.counter.count(paragraphs[i])
            if used + cost <= budget:
                chosen.add(i)
                used += cost
        if not chosen:
            return self.counter.truncate(article, budget)
        return "\n\n".join(paragraphs[i].strip() for i in sorted(chosen))
