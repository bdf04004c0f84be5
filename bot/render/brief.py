"""A Brief as Telegram messages in Arabic or English (DESIGN §2 "What a reader sees")."""

from __future__ import annotations

import re

from bot import text as textlib
from bot.models import AnalyserKind, Analysis, Article, Lang, Quote, StandIn
from bot.render.catalogue import t
from bot.render.html import Block, Line, Message, Span, bold, italic, render

# Bidi embeddings/overrides and C0 controls in model or article text could scramble the layout.
_CONTROLS = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def clean(text: str) -> str:
    """Model or article text made safe to lay out: no control or bidi characters, no stray spaces."""
    return _CONTROLS.sub("", text).strip()


def source_line(article: Article, lang: Lang) -> Line:
    """'Forwarded from: X · 340 words · ~2 min' (the source part only when known)."""
    parts: list[str] = []
    source = article.source
    if source.name and source.kind in ("channel", "chat", "user", "hidden_user"):
        parts.append(t(lang, "forwarded_from", source=clean(source.name)))
    elif source.name and source.kind == "link":
        parts.append(t(lang, "source_link", source=clean(source.name)))
    parts.append(t(lang, "reading", words=article.words, minutes=textlib.reading_minutes(article.text)))
    return [italic(" · ".join(parts))]


# Why the rules stood in, by the catalogue key of the model's failure or refusal.
_STANDIN = {"error_budget": "standin_budget", "error_total_budget": "standin_total_budget"}


def offline_lines(analysis: Analysis, lang: Lang, standin: StandIn | None) -> list[Line]:
    """The label of a brief made without a model: what made it, why, and that translation needs a model."""
    lines: list[Line] = [[italic(t(lang, "offline_label"))]]
    if standin is not None:
        lines.append([italic(t(lang, _STANDIN.get(standin.key, "standin_llm"), **standin.params))])
    if analysis.language != lang:
        lines.append([italic(t(lang, "offline_translation"))])
    return lines


def brief_blocks(
    analysis: Analysis,
    article: Article,
    lang: Lang,
    *,
    analyser: AnalyserKind = "llm",
    standin: StandIn | None = None,
    also_in: dict[str, int] | None = None,
) -> list[Block]:
    """The sections of a brief: headline, summary, actors, quotes (labelled when no model made it).

    `also_in`: an actor's name -> in how many other recent articles the chat saw them (a marker)."""
    head: list[Line] = [[Span("📰 "), bold(clean(analysis.headline.get(lang)))], source_line(article, lang)]
    if analyser == "rules":
        head += offline_lines(analysis, lang, standin)
    blocks = [Block(head)]
    summary = clean(analysis.summary.get(lang))
    if summary:
        blocks.append(Block([[bold(t(lang, "section_summary"))], *([Span(p)] for p in summary.split("\n") if p)]))
    if analysis.actors:
        lines: list[Line] = [[bold(t(lang, "section_actors"))]]
        for actor in analysis.actors:
            name = clean(actor.name_en or actor.name) if lang == "en" else clean(actor.name)
            role = clean(actor.role.get(lang))
            line: Line = [Span("• "), bold(name), Span(f" — {role}" if role else "")]
            seen = (also_in or {}).get(actor.name, 0)
            if seen:
                line.append(italic(f" · {t(lang, 'also_in_one' if seen == 1 else 'also_in', count=seen)}"))
            lines.append(line)
        blocks.append(Block(lines))
    if analysis.quotes:
        blocks.append(Block([[bold(t(lang, "section_quotes"))]]))
        offline = analyser == "rules"
        blocks.extend(quote_block(quote, analysis.language, lang, offline=offline) for quote in analysis.quotes)
    return blocks


def quote_block(quote: Quote, article_language: str, lang: Lang, *, offline: bool = False) -> Block:
    """One quote: the article's exact words, then the translation when the reply language differs.

    A quote the model did not translate (one the extractor added in a hybrid brief) says so; an
    offline brief's label already says that for all of them.
    """
    speaker = clean(quote.speaker_en or quote.speaker) if lang == "en" else clean(quote.speaker or quote.speaker_en)
    lines: list[Line] = [[Span(f"«{quote.text}»")]]
    translation = clean(quote.translation)
    if article_language != lang and translation:
        lines.append([italic(f"“{translation}”"), Span(f" — {speaker}" if speaker else "")])
    elif article_language != lang and not offline:
        lines.append([italic(f"({t(lang, 'quote_untranslated')})"), Span(f" — {speaker}" if speaker else "")])
    elif speaker:
        lines.append([Span(f"— {speaker}")])
    return Block(lines, quote=True, tight=True)


def render_brief(
    analysis: Analysis,
    article: Article,
    lang: Lang,
    *,
    analyser: AnalyserKind = "llm",
    standin: StandIn | None = None,
    also_in: dict[str, int] | None = None,
) -> list[Message]:
    """The brief as one or more Telegram HTML messages (≤ 4096 characters each)."""
    blocks = brief_blocks(analysis, article, lang, analyser=analyser, standin=standin, also_in=also_in)
    return render(blocks, rtl=lang == "ar")
