"""/who and "who said what" as Telegram HTML: an actor's role, then their quotes with date and source."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.memory.service import WhoPage
from bot.models import Lang
from bot.render.brief import clean
from bot.render.catalogue import t
from bot.render.html import Block, Line, Message, Span, bold, italic, link, render
from bot.store.memory import Said


def _name(name: str, name_en: str, lang: Lang) -> str:
    return clean(name_en or name) if lang == "en" else clean(name or name_en)


def said_block(said: Said, lang: Lang) -> Block:
    """One remembered quote: the article's words, the translation in English, then date · source (linked)."""
    lines: list[Line] = [[Span(f"«{said.text}»")]]
    if lang == "en" and said.translation.strip():
        lines.append([italic(f"“{clean(said.translation)}”")])
    day = datetime.fromtimestamp(said.at, UTC).strftime("%Y-%m-%d")
    source = clean(said.source) or t(lang, "who_source_unknown")
    where: Line = [Span(f"{day} · ")]
    where.append(link(source, said.url) if said.url else Span(source))
    lines.append(where)
    return Block(lines, quote=True, tight=True)


def who_messages(page: WhoPage, lang: Lang) -> list[Message]:
    """An actor's page: name and latest role, their quotes newest first, and where the page stands."""
    who = page.actor.who
    role = clean(who.role_en or who.role_ar) if lang == "en" else clean(who.role_ar or who.role_en)
    head: list[Line] = [[Span("🗣 "), bold(_name(who.name, who.name_en, lang))]]
    if role:
        head.append([Span(role)])
    blocks = [Block(head)]
    if page.quotes:
        blocks += [said_block(s, lang) for s in page.quotes]
        shown = page.offset + len(page.quotes)
        blocks.append(Block([[italic(t(lang, "who_count", first=page.offset + 1, last=shown, total=page.total))]]))
    else:
        blocks.append(Block([[Span(t(lang, "who_no_quotes"))]]))
    return render(blocks, rtl=lang == "ar")


def said_elsewhere_messages(speakers: list[tuple[str, list[Said]]], lang: Lang) -> list[Message]:
    """The brief's speakers and what each said in other recent articles."""
    if not speakers:
        return render([Block([[Span(t(lang, "said_nothing_else"))]])], rtl=lang == "ar")
    blocks: list[Block] = [Block([[bold(t(lang, "said_title"))]])]
    for name, said in speakers:
        english = next((s.speaker_en for s in said if s.speaker_en), "")
        blocks.append(Block([[Span("🗣 "), bold(_name(name, english, lang))]]))
        blocks += [said_block(s, lang) for s in said]
    return render(blocks, rtl=lang == "ar")
