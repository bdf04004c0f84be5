"""Quotation-marked spans of a text: pairing «», straight and curly marks the way Arabic news writes them.

Guillemets pair with each other (nested ones counted). Straight and curly double marks are paired
loosely, because newsrooms mix them: "…” and “…" and even reversed ”…“ all occur. Curly marks opened
inside a straight pair are nested, and everything inside «…» stays part of the quote. A mark left open
runs to the end of its paragraph, but only when it stands where an opening mark stands (after a space
or a colon, before a word), so that a stray closing mark does not swallow the rest of a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import QUOTE_MARKS, split_paragraphs

__all__ = ["MarkedSpan", "marked_spans"]

_OPENERS = '«"“”„‟＂'
_MARKS = re.compile('[«»"“”„‟＂]')
# Whitespace and quotation marks trimmed from the edges of a span (a nested pair may touch an edge).
_EDGES = " \t\n\r\u00a0\u200f\u200e" + QUOTE_MARKS


@dataclass(frozen=True, slots=True)
class MarkedSpan:
    """The inside of a pair of quotation marks: text[start:end], trimmed; `open` and `close` are the marks'
    offsets (close is -1 when the paragraph ended first)."""

    start: int
    end: int
    open: int
    close: int


def _looks_closing(text: str, i: int) -> bool:
    # A closing mark sticks to the word before it and is followed by a space, punctuation or the end.
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and before not in ":«(" and not (after.isalnum())


def _looks_opening(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    return before.isspace() or before in ":(،,«-—" or i == 0


def _close_guillemet(para: str, i: int) -> int:
    depth = 0
    for m in _MARKS.finditer(para, i):
        c = m.group()
        if c == "«":
            depth += 1
        elif c == "»":
            depth -= 1
            if depth == 0:
                return m.start()
    return -1


def _close_double(para: str, i: int) -> int:
    opener, nested = para[i], 0
    for m in _MARKS.finditer(para, i + 1):
        c, j = m.group(), m.start()
        if c in "«»":
            continue
        if opener in '"＂':
            # Curly marks inside a straight pair nest; a curly closer with nothing open closes it.
            if c in '"＂':
                return j
            if c in "“„" and _looks_opening(para, j) and not _looks_closing(para, j):
                nested += 1
            elif nested:
                nested -= 1
            else:
                return j
        else:
            return j  # “…” “…" ”…“ „…“: the next double mark of any kind closes
    return -1


def _trim(para: str, a: int, b: int) -> tuple[int, int]:
    while a < b and para[a] in _EDGES:
        a += 1
    while b > a and para[b - 1] in _EDGES:
        b -= 1
    return a, b


def _spans_in(para: str, base: int) -> list[MarkedSpan]:
    out: list[MarkedSpan] = []
    pos = 0
    while True:
        m = _MARKS.search(para, pos)
        if m is None:
            return out
        i, c = m.start(), m.group()
        if c not in _OPENERS or (c != "«" and _looks_closing(para, i) and not _looks_opening(para, i)):
            pos = i + 1  # a stray closing mark
            continue
        j = _close_guillemet(para, i) if c == "«" else _close_double(para, i)
        if j < 0 and not _looks_opening(para, i):
            pos = i + 1
            continue
        end = j if j >= 0 else len(para)
        a, b = _trim(para, i + 1, end)
        if b > a:
            out.append(MarkedSpan(base + a, base + b, base + i, base + j if j >= 0 else -1))
        pos = end + 1


def marked_spans(text: str) -> list[MarkedSpan]:
    """Every quotation-marked span of text, in order, as offsets into text (paragraphs never joined)."""
    spans: list[MarkedSpan] = []
    base = 0
    for para in split_paragraphs(text):
        spans.extend(_spans_in(para, base))
        base += len(para)
    return spans
