"""A tiny rich-text model rendered to Telegram HTML, split into messages Telegram accepts.

Text is kept as spans with their tags until the last moment, so everything from an article or a
model is escaped exactly once, and a long message can be cut between blocks, lines or words
without ever cutting inside a tag or a word.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

TELEGRAM_LIMIT = 4096
# Room under Telegram's limit for the marks the renderer adds and for clients that count differently.
MESSAGE_BUDGET = 4000
RLM = "\u200f"  # right-to-left mark: makes a line lay out right to left even if it starts with Latin
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate: keeps a Latin name from flipping an Arabic line


@dataclass(frozen=True)
class Span:
    """Plain text with the tags around it, innermost last (e.g. ('b',) or ('a href="…"',))."""

    text: str
    tags: tuple[str, ...] = ()

    def html(self) -> str:
        """The span as Telegram HTML."""
        opened = "".join(f"<{tag}>" for tag in self.tags)
        closed = "".join(f"</{tag.split(' ', 1)[0]}>" for tag in reversed(self.tags))
        return f"{opened}{html.escape(self.text, quote=False)}{closed}"


Line = list[Span]


def bold(text: str) -> Span:
    """A bold span."""
    return Span(text, ("b",))


def italic(text: str) -> Span:
    """An italic span."""
    return Span(text, ("i",))


def link(text: str, url: str) -> Span:
    """A link span."""
    return Span(text, (f'a href="{html.escape(url, quote=True)}"',))


@dataclass
class Block:
    """Lines that belong together (a section, one quote); `quote` wraps them in a blockquote."""

    lines: list[Line] = field(default_factory=list)
    quote: bool = False
    tight: bool = False  # follows the previous block after one line break instead of a blank line


@dataclass
class Message:
    """One Telegram message: the HTML to send and the text a reader sees."""

    html: str
    text: str


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _line_text(line: Line) -> str:
    return "".join(span.text for span in line)


def _block_text(block: Block, rtl: bool) -> str:
    prefix = RLM if rtl else ""
    return "\n".join(prefix + _line_text(line) for line in block.lines)


def _block_html(block: Block, rtl: bool) -> str:
    prefix = RLM if rtl else ""
    body = "\n".join(prefix + "".join(span.html() for span in line) for line in block.lines)
    return f"<blockquote>{body}</blockquote>" if block.quote else body


def render(blocks: list[Block], *, rtl: bool, budget: int = MESSAGE_BUDGET) -> list[Message]:
    """Render blocks into as few messages as fit, cutting between blocks, then lines, then words."""
    pieces: list[Block] = []
    for block in blocks:
        if block.lines:
            pieces.extend(_fit_block(block, rtl, budget))
    messages: list[Message] = []
    current: list[Block] = []
    for piece in pieces:
        if current and utf16_len(_join_text([*current, piece], rtl)) > budget:
            messages.append(_message(current, rtl))
            current = []
        current.append(piece)
    if current:
        messages.append(_message(current, rtl))
    return messages


def _join(parts: list[str], blocks: list[Block]) -> str:
    out = ""
    for i, (part, block) in enumerate(zip(parts, blocks, strict=True)):
        if i:
            out += "\n" if block.tight else "\n\n"
        out += part
    return out


def _join_text(blocks: list[Block], rtl: bool) -> str:
    return _join([_block_text(block, rtl) for block in blocks], blocks)


def _message(blocks: list[Block], rtl: bool) -> Message:
    return Message(html=_join([_block_html(block, rtl) for block in blocks], blocks), text=_join_text(blocks, rtl))


def _fit_block(block: Block, rtl: bool, budget: int) -> list[Block]:
    """Split a block that alone exceeds the budget into smaller blocks of whole lines (or words)."""
    if utf16_len(_block_text(block, rtl)) <= budget:
        return [block]
    lines: list[Line] = []
    for line in block.lines:
        lines.extend(_fit_line(line, budget - 2))
    out: list[Block] = []
    current: list[Line] = []
    for line in lines:
        candidate = Block([*current, line], block.quote)
        if current and utf16_len(_block_text(candidate, rtl)) > budget:
            out.append(Block(current, block.quote))
            current = []
        current.append(line)
    if current:
        out.append(Block(current, block.quote))
    for piece in out[1:]:
        piece.tight = False
    if out:
        out[0].tight = block.tight
    return out


def _fit_line(line: Line, budget: int) -> list[Line]:
    """Split one over-long line between words, keeping each word's tags."""
    if utf16_len(_line_text(line)) <= budget:
        return [line]
    words: list[Span] = []
    for span in line:
        for i, piece in enumerate(span.text.split(" ")):
            words.append(Span(piece if i == 0 else " " + piece, span.tags))
    out: list[Line] = []
    current: Line = []
    size = 0
    for word in words:
        length = utf16_len(word.text)
        if current and size + length > budget:
            out.append(current)
            word = Span(word.text.lstrip(" "), word.tags)
            current, size = [], 0
            length = utf16_len(word.text)
        while length > budget:  # a "word" longer than a message (a huge URL, a run without spaces)
            cut = budget if length == len(word.text) else budget // 2  # astral characters count twice
            out.append([Span(word.text[:cut], word.tags)])
            word = Span(word.text[cut:], word.tags)
            length = utf16_len(word.text)
        current.append(word)
        size += length
    if current:
        out.append(current)
    return out
