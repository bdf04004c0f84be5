"""A stand-in language model for the fake OpenAI server: answers the bot's three kinds of request
(analysis, merge of parts, follow-up answer) the way a model would, from fixture data or simple rules."""

from __future__ import annotations

import re
from typing import Any

from tests.articles import KNOWN, headline_of
from tests.fakes.openai_api import Reply, Request

_QUOTED = re.compile(r"«([^»]{3,})»|\"([^\"]{3,})\"|“([^”]{3,})”")
_BETWEEN = {
    "article": re.compile(r"<article>\n(.*?)\n</article>", re.DOTALL),
    "parts": re.compile(r"<parts>\n(.*?)\n</parts>", re.DOTALL),
}


def section(request: Request, name: str) -> str:
    """The text between <name> and </name> in the user message."""
    match = _BETWEEN[name].search(request.user)
    assert match, f"no <{name}> section in the prompt"
    return match.group(1)


def generic_analysis(article: str) -> dict[str, Any]:
    """What a model might say about an article it was not scripted for: first line, quoted spans."""
    lines = [line for line in article.split("\n") if line.strip()]
    first = lines[0].strip()[:120] if lines else "…"
    quotes = []
    for match in _QUOTED.finditer(article):
        text = next(g for g in match.groups() if g)
        if len(text.split()) >= 3:
            quotes.append({"speaker": "مصدر", "speaker_en": "a source", "text": text, "translation": "(translation)"})
    return {
        "headline": {"ar": first, "en": f"EN: {first}"},
        "summary": {"ar": first, "en": f"Summary of: {first}"},
        "actors": [],
        "quotes": quotes,
        "language": "ar" if re.search(r"[\u0600-\u06ff]", article) else "en",
    }


class StandInModel:
    """Responder for FakeOpenAI: scripted analyses for the fixture articles, rules for the rest."""

    def __init__(self, analyses: dict[str, dict[str, Any]] | None = None) -> None:
        self.by_headline = {headline_of(text): analysis for text, analysis in KNOWN.items()}
        for text, analysis in (analyses or {}).items():
            self.by_headline[headline_of(text)] = analysis

    def __call__(self, request: Request) -> Reply:
        """Answer one chat-completions request."""
        if request.schema_name == "Analysis":
            article = section(request, "article")
            scripted = self.by_headline.get(headline_of(article))
            return Reply.json(scripted if scripted is not None else generic_analysis(article))
        if request.schema_name == "Headline" and "<parts>" not in request.user:
            text = request.user.strip()  # a short text to headline (the client's probe of an endpoint)
            return Reply.json(
                {"headline": {"ar": text[:80], "en": "EN: headline"}, "summary": {"ar": text, "en": "Summary."}}
            )
        if request.schema_name == "Headline":
            parts = section(request, "parts")
            first = re.search(r"headline \(ar\): (.*)", parts)
            headline = first.group(1) if first else "…"
            return Reply.json(
                {
                    "headline": {"ar": headline, "en": f"EN: {headline}"},
                    "summary": {"ar": f"ملخص مدمج: {headline}", "en": f"Merged summary: {headline}"},
                }
            )
        if request.schema_name == "Answer":
            return Reply.json(self.answer(request))
        return Reply.error(400, f"the stand-in model does not know the schema {request.schema_name!r}")

    def answer(self, request: Request) -> dict[str, Any]:
        """Answer from the article: the sentence sharing most words with the question, else 'not said'."""
        article = section(request, "article")
        question = request.user.rsplit("Question:", 1)[-1]
        words = set(re.findall(r"\w{4,}", question))
        sentences = [s.strip() for s in re.split(r"(?<=[.!؟?])\s+", article) if s.strip()]
        scored = [(len({w for w in words if w in sentence}), sentence) for sentence in sentences]
        best = max(scored, default=(0, ""), key=lambda pair: pair[0])
        if best[0] == 0:
            return {"answer": "The article does not say.", "answered": False, "quotes": []}
        return {"answer": best[1], "answered": True, "quotes": []}
