"""A daily digest as Telegram messages: a date line, then numbered stories."""

from __future__ import annotations

from datetime import date

from bot.digest.compose import Story, first_sentence, most_quoted
from bot.models import Lang
from bot.render.brief import clean
from bot.render.catalogue import t
from bot.render.html import Block, Line, Message, Span, bold, italic, link, render

SHOWN_SOURCES = 3


def sources_label(count: int, lang: Lang) -> str:
    """'3 sources' / '3 مصادر', with Arabic's number agreement."""
    if lang == "en":
        return t(lang, "sources_one") if count == 1 else t(lang, "sources_many", count=count)
    if count == 1:
        return t(lang, "sources_one")
    if count == 2:
        return t(lang, "sources_two")
    if 3 <= count <= 10:
        return t(lang, "sources_few", count=count)
    return t(lang, "sources_many", count=count)


def date_line(day: str, lang: Lang) -> str:
    """'Daily digest · 29 November 2026' in the reader's language."""
    when = date.fromisoformat(day)
    months = t(lang, "months").replace("،", ",").split(",")
    return t(lang, "digest_title", date=f"{when.day} {months[when.month - 1].strip()} {when.year}")


def story_block(number: int, story: Story, lang: Lang) -> Block:
    """One story: headline, one line, key actors, a notable quote, how many sources carried it."""
    lead = story.lead.analysis
    lines: list[Line] = [[Span(f"{number}. "), bold(clean(lead.headline.get(lang)))]]
    summary = first_sentence(clean(lead.summary.get(lang)))
    if summary:
        lines.append([Span(summary)])
    actors = story.actors()
    if actors:
        names = [clean(a.name_en or a.name) if lang == "en" else clean(a.name) for a in actors]
        lines.append([Span("👥 " + t(lang, "list_separator").join(names))])
    quote = story.quote()
    if quote is not None:
        speaker = clean(quote.speaker_en or quote.speaker) if lang == "en" else clean(quote.speaker)
        line: Line = [Span(f"💬 «{quote.text}»")]
        if lead.language != lang and quote.translation.strip():
            line.append(italic(f" “{clean(quote.translation)}”"))
        if speaker:
            line.append(Span(f" — {speaker}"))
        lines.append(line)
    lines.append(sources_line(story, lang))
    return Block(lines)


def sources_line(story: Story, lang: Lang, shown: int = SHOWN_SOURCES) -> Line:
    """'📡 3 sources: A, B, C +2 more', each a link to the post or page where one is known."""
    sources = story.source_list()
    line: Line = [italic("📡 " + sources_label(story.sources, lang) + ": ")]
    for i, source in enumerate(sources[:shown]):
        name = clean(source.name or "") or t(lang, "who_source_unknown")
        if i:
            line.append(Span(t(lang, "list_separator")))
        line.append(link(name, source.url) if source.url else Span(name))
    if len(sources) > shown:
        line.append(Span(" " + t(lang, "sources_more", count=len(sources) - shown)))
    if story.lead.offline:
        line.append(italic(" · " + t(lang, "digest_offline")))
    return line


def most_quoted_block(stories: list[Story], lang: Lang) -> Block | None:
    """The day's most-quoted people (top 3), with one quote each."""
    quoted = most_quoted(stories)
    if not quoted:
        return None
    lines: list[Line] = [[bold("🗣 " + t(lang, "digest_most_quoted"))]]
    for q in quoted:
        name = clean(q.speaker_en or q.speaker) if lang == "en" else clean(q.speaker)
        lines.append([Span("• "), bold(name), Span(f" ({t(lang, 'quote_count', count=q.count)}): «{q.quote.text}»")])
    return Block(lines)


def render_digest(stories: list[Story], day: str, lang: Lang) -> list[Message]:
    """The digest, split into messages Telegram accepts."""
    blocks = [Block([[bold("🗞 " + date_line(day, lang))]])]
    blocks.extend(story_block(i, story, lang) for i, story in enumerate(stories, 1))
    quoted = most_quoted_block(stories, lang)
    if quoted is not None:
        blocks.append(quoted)
    return render(blocks, rtl=lang == "ar")
