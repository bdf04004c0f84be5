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


def lossy(analysis: dict[str, Any]) -> dict[str, Any]:
    """The analysis as a careless model gives it: drops every third quote, gives one quote another
    speaker of the article, and paraphrases one (its words reordered, so it is no longer verbatim)."""
    quotes = [dict(q) for i, q in enumerate(analysis["quotes"]) if i % 3 != 2]
    speakers = list(dict.fromkeys(q["speaker"] for q in analysis["quotes"] if q["speaker"]))
    for q in quotes:  # the first quote whose speaker can be swapped for another of the article's
        others = [s for s in speakers if s != q["speaker"]]
        if others:
            q["speaker"], q["speaker_en"] = others[0], ""
            break
    for q in reversed(quotes):
        words = q["text"].split()
        if len(words) >= 4:
            q["text"] = " ".join(words[1:] + words[:1])
            break
    return {**analysis, "quotes": quotes}


class GoldModel:
    """Responder for FakeOpenAI that knows the gold answers of a dataset (../shared/eval's format):
    an exact model returns each article's gold quotes and actors; `lossy` makes it careless (see lossy)."""

    def __init__(self, rows: list[dict[str, Any]], *, lossy: bool = False) -> None:
        from bot.text import fingerprint

        self.fingerprint = fingerprint
        self.lossy = lossy
        self.by_article = {}
        for row in rows:
            article = f"{row['title']}\n\n{row['text']}" if row.get("title") else row["text"]
            self.by_article[fingerprint(article)] = row

    def analysis(self, row: dict[str, Any]) -> dict[str, Any]:
        """The gold analysis of one row."""
        title = row.get("title") or row["text"].split("\n")[0]
        analysis = {
            "headline": {"ar": title, "en": f"EN: {title}"},
            "summary": {"ar": title, "en": " ".join(row.get("key_facts", [])) or f"Summary: {title}"},
            "actors": [
                {
                    "name": a["name"],
                    "name_en": a.get("english_name") or "",
                    "type": a.get("type") or "person",
                    "role": {"ar": "", "en": a.get("role") or ""},
                }
                for a in row.get("actors", [])
            ],
            "quotes": [
                {
                    "speaker": q.get("speaker", ""),
                    "speaker_en": q.get("speaker_en") or "",
                    "text": q["text"],
                    "translation": "(translation)",
                }
                for q in row.get("quotes", [])
            ],
            "language": "ar",
        }
        return lossy(analysis) if self.lossy else analysis

    def __call__(self, request: Request) -> Reply:
        """Answer one chat-completions request: the gold analysis, else what StandInModel says."""
        if request.schema_name == "Analysis":
            row = self.by_article.get(self.fingerprint(section(request, "article")))
            if row is not None:
                return Reply.json(self.analysis(row))
        return StandInModel()(request)
