"""What a private message asks for, decided without Telegram (bot.pipeline.routing)."""

from __future__ import annotations

import pytest

from bot.pipeline.routing import Kind, Route, classify, decide
from tests.articles import WATER


def route(text: str, *, forwarded: bool = False, replied: str | None = None, latest: str | None = "a1") -> Route:
    kind = classify(text, forwarded=forwarded)
    return decide(kind, text, forwarded=forwarded, replied=replied, latest=latest, message_ids=[7])


def test_articles_and_links_are_briefed() -> None:
    assert route(WATER, forwarded=True) == Route("brief", text=WATER, message_ids=[7])
    assert route(WATER) == Route("brief", text=WATER, message_ids=[7])  # a paste of 40+ words
    assert route("https://news.example/a/1").link is True
    assert route("https://news.example/a/1", replied="b2").action == "brief"  # a link in reply: briefed too


@pytest.mark.parametrize("text", ["شكرا", "ok", "👍", "تمام جزاك الله خيرا"])
def test_a_few_words_that_ask_nothing_get_a_hint_not_a_model_call(text: str) -> None:
    assert route(text) == Route("notice", key="not_a_question")


@pytest.mark.parametrize("text", ["ماذا قال الوزير؟", "who is the minister", "اشرح موقف الحكومة", "why"])
def test_questions_go_to_the_latest_article(text: str) -> None:
    assert route(text) == Route("answer", text=text, article_id="a1")


def test_a_reply_to_a_brief_is_a_question_about_that_article_whatever_it_says() -> None:
    assert route("شكرا", replied="b2") == Route("answer", text="شكرا", article_id="b2")
    assert route(WATER, replied="b2").action == "answer"  # a long reply too: it is about the brief
    assert route(WATER, forwarded=True, replied="b2").action == "brief"  # but a forward is a new post


def test_nothing_to_ask_about_and_too_little_to_ask() -> None:
    assert route("ماذا قال؟", latest=None) == Route("notice", key="no_article_yet")
    assert route("?", replied="b2") == Route("notice", key="too_short")
    assert classify("#عاجل 🔴 @channel", forwarded=True) is Kind.TOO_SHORT  # decoration only
    assert route("عاجل", forwarded=True) == Route("notice", key="too_short")
