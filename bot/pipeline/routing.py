"""What a message in a private chat asks for, decided from plain values: a brief, an answer, or a notice.

Pure: the handler turns the update into values, Intake.route adds what Redis knows (the article a
reply points at, the chat's latest article) and `decide` makes the call, so every rule about what
costs a model call lives here and is tested without Telegram.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from bot import text as textlib
from bot.pipeline.analyse import MIN_ARTICLE_WORDS
from bot.pipeline.fetch import is_just_a_link

# A pasted (not forwarded) text shorter than this is a question about the chat's latest article.
ARTICLE_MIN_WORDS = 40
MIN_QUESTION_CHARS = 3  # "a", "?" and the like are not questions worth a model call


class Kind(enum.Enum):
    """What a message is."""

    ARTICLE = "article"
    LINK = "link"
    QUESTION = "question"
    TOO_SHORT = "too_short"


def classify(text: str, *, forwarded: bool, names: tuple[str, ...] = ()) -> Kind:
    """Decide what a text message is (forwarded posts are articles; short pastes are questions).

    Only content counts (bot.text.content_word_count): a forward of hashtags, links, emoji and the
    channel's signature is too short, never an article.
    """
    if is_just_a_link(text):
        return Kind.LINK
    if forwarded:
        return Kind.ARTICLE if textlib.content_word_count(text, names) >= MIN_ARTICLE_WORDS else Kind.TOO_SHORT
    return Kind.ARTICLE if textlib.word_count(text) >= ARTICLE_MIN_WORDS else Kind.QUESTION


# Words that open a question (after normalisation): a short text without one, without "?" and not a
# reply to a brief ("thanks", "ok", "👍") is not worth a model call with a whole article attached.
_INTERROGATIVES = frozenset(
    textlib.normalize(w)
    for w in (  # noqa: SIM905 - one readable line of words per language
        "ما ماذا من متى أين اين كيف لماذا لم هل كم أي أيّ ماهو ماهي وما وماذا ومن ومتى وأين وكيف ولماذا وهل وكم"
        " فما فماذا فمن فمتى فأين فكيف فلماذا فهل فكم لمن لماذا بماذا بكم عن اشرح وضح لخص اذكر"
        " what who whom whose when where why how which is are was were does do did can could will would should"
        " explain summarize summarise tell list"
    ).split()
)


def looks_like_question(text: str) -> bool:
    """True for a question: a question mark, or an interrogative (or a request such as "explain") among
    its first words."""
    if "?" in text or "؟" in text:
        return True
    words = textlib.normalize(text).split()[:3]
    return any(word.strip("،,.!:") in _INTERROGATIVES for word in words)


@dataclass(frozen=True)
class Route:
    """What to do with a message: brief `text` (a link to fetch when `link`), answer a question about
    `article_id`, show the notice `key`, or nothing (`skip`: a piece of a post another message leads)."""

    action: Literal["brief", "answer", "notice", "skip"]
    text: str = ""
    key: str = ""
    article_id: str = ""
    link: bool = False
    message_ids: list[int] = field(default_factory=list)


def decide(
    kind: Kind, text: str, *, forwarded: bool, replied: str | None, latest: str | None, message_ids: list[int]
) -> Route:
    """The route of a whole post of `kind` (see classify).

    A reply to a brief (or to its post) is a question about that article, unless it is a link or a
    forward; a short paste is a question about the chat's latest article, but only when it looks
    like one ("thanks", "ok", "👍" get a hint, not a model call with the whole article attached).
    """
    if kind is Kind.QUESTION or (replied and kind is not Kind.LINK and not forwarded):
        article_id = replied or latest
        if article_id is None:
            return Route("notice", key="no_article_yet")
        if not replied and not looks_like_question(text):
            return Route("notice", key="not_a_question")
        if len(text.strip()) < MIN_QUESTION_CHARS:
            return Route("notice", key="too_short")
        return Route("answer", text=text, article_id=article_id)
    if kind is Kind.TOO_SHORT:
        return Route("notice", key="too_short")
    return Route("brief", text=text, link=kind is Kind.LINK, message_ids=message_ids)
