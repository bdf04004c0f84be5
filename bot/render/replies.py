"""Short replies (notices, errors, help) and answers to follow-up questions, as Telegram HTML."""

from __future__ import annotations

from bot.models import Lang
from bot.render.brief import clean
from bot.render.catalogue import t
from bot.render.html import Block, Message, Span, bold, render


def notice(lang: Lang, key: str, **params: object) -> list[Message]:
    """A catalogue string as a message (escaped; Arabic laid out right to left)."""
    text = t(lang, key, **params)
    return render([Block([[Span(line)] for line in text.split("\n")])], rtl=lang == "ar")


def error_notice(lang: Lang, key: str, params: dict[str, object]) -> list[Message]:
    """An error's message; a `reason` parameter that names a catalogue string is translated too."""
    reason = params.get("reason")
    values = dict(params)
    if isinstance(reason, str):
        values["reason"] = t(lang, reason, **{k: v for k, v in params.items() if k != "reason"})
    return notice(lang, key, **values)


def answer_messages(text: str, quotes: list[str], answered: bool, lang: Lang) -> list[Message]:
    """An answer: the model's words, then the verbatim passages of the article it rests on."""
    body = clean(text) or t(lang, "answer_not_found")
    blocks = [Block([[Span(line)] for line in body.split("\n") if line.strip()])]
    if quotes and answered:
        blocks.append(Block([[bold(t(lang, "answer_quotes"))]]))
        blocks.extend(Block([[Span(f"«{quote}»")]], quote=True) for quote in quotes)
    return render(blocks, rtl=lang == "ar")
