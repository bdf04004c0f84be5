"""Token counting with tiktoken, and splitting an article into parts that fit a token budget.

tiktoken and its encoding file (about a second to import and load) are loaded on the first count,
not on import: a command that refuses its input or answers from the cache never needs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from bot import text as textlib

if TYPE_CHECKING:
    import tiktoken

log = logging.getLogger(__name__)

FALLBACK_ENCODING = "o200k_base"
# Chat formats add a few tokens around every message (role, separators) and to prime the reply.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3


@lru_cache(maxsize=8)
def _load_encoding(model: str) -> tiktoken.Encoding | None:
    import tiktoken

    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        pass  # a model tiktoken does not know (local models, new names): use the modern encoding
    except Exception as exc:
        log.warning("tiktoken could not load the encoding for %s (%s); trying %s", model, exc, FALLBACK_ENCODING)
    try:
        return tiktoken.get_encoding(FALLBACK_ENCODING)
    except Exception as exc:
        log.warning(
            "tiktoken could not load %s (%s): token counts are estimates. Offline machines should set "
            "TIKTOKEN_CACHE_DIR to a folder holding the encoding files.",
            FALLBACK_ENCODING,
            exc,
        )
        return None


@lru_cache(maxsize=128)
def _count(encoding: tiktoken.Encoding, text: str) -> int:
    return len(encoding.encode(text, disallowed_special=()))


class TokenCounter:
    """Counts tokens for one model; degrades to an estimate when no encoding can be loaded."""

    def __init__(self, model: str) -> None:
        self.model = model

    @cached_property
    def _encoding(self) -> tiktoken.Encoding | None:
        return _load_encoding(self.model)

    @property
    def exact(self) -> bool:
        """False when counts are estimates because tiktoken had no encoding file."""
        return self._encoding is not None

    def count(self, text: str) -> int:
        """Return the number of tokens in text (the same text is counted once: the analyser's estimate,
        its split and the client's checks all count an article)."""
        if self._encoding is None:
            # Arabic runs about 2.5 characters a token with o200k_base; err on the high side.
            return len(text) // 2 + 1
        return _count(self._encoding, text)

    def count_messages(self, messages: list[dict[str, str]]) -> int:
        """Return the prompt tokens of a chat request made of these messages."""
        return sum(self.count(m["content"]) + TOKENS_PER_MESSAGE for m in messages) + TOKENS_PER_REPLY

    def truncate(self, text: str, max_tokens: int) -> str:
        """Return the longest prefix of text that has at most max_tokens tokens."""
        if self.count(text) <= max_tokens:
            return text
        if self._encoding is None:
            return text[: max(0, (max_tokens - 1) * 2)]
        tokens = self._encoding.encode(text, disallowed_special=())[:max_tokens]
        return self._encoding.decode(tokens)


def split_to_budget(text: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """Split text into consecutive parts of at most max_tokens tokens each.

    Cuts fall between paragraphs where possible, else between sentences, else between words;
    joined back together the parts give the text again (only the cut whitespace moves).
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    if count(text) <= max_tokens:
        return [text]
    pieces = _pieces(text, max_tokens, count)
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = current + piece
        if current and count(candidate) > max_tokens:
            parts.append(current)
            current = piece
        else:
            current = candidate
    if current:
        parts.append(current)
    return [part for part in parts if part.strip()]


def _pieces(text: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """Break text into pieces that each fit, preferring the largest natural units."""
    out: list[str] = []
    for paragraph in textlib.split_paragraphs(text):
        if count(paragraph) <= max_tokens:
            out.append(paragraph)
            continue
        for sentence in textlib.split_sentences(paragraph):
            if count(sentence) <= max_tokens:
                out.append(sentence)
            else:
                out.extend(_words(sentence, max_tokens, count))
    return out


def _words(sentence: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """Split one over-long sentence between words (or, for a giant word, anywhere)."""
    out: list[str] = []
    current = ""
    for word in sentence.split(" "):
        piece = word if not current else " " + word
        if current and count(current + piece) > max_tokens:
            out.append(current)
            current = " " + word if out else word
        else:
            current += piece
        while count(current) > max_tokens:  # a single "word" longer than the budget
            cut = max(1, len(current) * max_tokens // max(count(current), 1))
            out.append(current[:cut])
            current = current[cut:]
    if current:
        out.append(current)
    return out
