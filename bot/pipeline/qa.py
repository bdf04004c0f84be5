"""Follow-up questions about an article: the answer comes from the article, and quotes are verbatim."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot import text as textlib
from bot.errors import NabaError, NoModel
from bot.llm.answer import Answerer
from bot.llm.spend import Spender
from bot.models import Analysis, Lang, Turn, Usage
from bot.pipeline.analyse import ArticlePipeline
from bot.store import Store

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# Quoted passages in an answer: «…», "…", “…”.
_QUOTED = re.compile(r"«([^»]+)»|\"([^\"]+)\"|“([^”]+)”")


class ArticleGone(NabaError):
    """The article a question refers to is no longer stored."""

    key = "thread_too_old"


class QuestionTooLong(NabaError):
    """The question is longer than MAX_QUESTION_CHARS."""

    key = "question_too_long"


@dataclass
class AnswerResult:
    """An answer ready to render: its text, the verbatim quotes it relies on, and what it cost."""

    text: str
    answered: bool
    quotes: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def ground_answer(answer_text: str, quotes: list[str], article: str) -> tuple[str, list[str]]:
    """Keep only quotes found in the article (as its exact words); unverified quotation marks are removed."""
    index = textlib.ArticleIndex(article)
    verified: list[str] = []
    for quote in quotes:
        span = index.find_quote(quote)
        if span and span not in verified:
            verified.append(span)

    def check(match: re.Match[str]) -> str:
        inner = next(group for group in match.groups() if group is not None)
        span = index.find_quote(inner)
        if span is None:
            return inner  # not the article's words: do not present them as a quote
        if span not in verified:
            verified.append(span)
        return f"«{span}»"

    return _QUOTED.sub(check, answer_text), verified


def brief_text(analysis: Analysis, lang: Lang) -> str:
    """The brief as plain text for the prompt."""
    lines = [analysis.headline.get(lang), analysis.summary.get(lang)]
    lines += [f"- {a.name} ({a.name_en}): {a.role.get(lang)}" for a in analysis.actors]
    lines += [f"- {q.speaker}: «{q.text}»" for q in analysis.quotes]
    return "\n".join(line for line in lines if line)


class QuestionAnswering:
    """Answers follow-up questions about stored articles and keeps each thread's history."""

    def __init__(self, store: Store, answerer: Answerer, pipeline: ArticlePipeline) -> None:
        self.store = store
        self.answerer = answerer
        self.pipeline = pipeline

    async def ask(
        self,
        chat_id: int,
        article_id: str,
        question: str,
        lang: Lang,
        user_id: int | None = None,
        *,
        spender: Spender,
    ) -> AnswerResult:
        """Answer `question` about the article, in `lang`, from the article only."""
        if not self.pipeline.settings.model_configured:
            raise NoModel("no language model is configured to answer questions")
        question = question.strip()
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionTooLong("question too long", limit=MAX_QUESTION_CHARS)
        found = await self.pipeline.stored(article_id)
        if found is None:
            raise ArticleGone("the article is no longer stored")
        article, cached = found
        history = await self.store.get_thread(chat_id, article_id)
        answer, usage = await self.answerer.answer(
            article.text, brief_text(cached.grounded, lang), history, question, lang, spender=spender
        )
        text, quotes = ground_answer(answer.answer.strip(), answer.quotes, article.text)
        await self.store.add_turn(chat_id, article_id, Turn(question=question, answer=text, user_id=user_id))
        return AnswerResult(text=text, answered=answer.answered, quotes=quotes, usage=usage)
