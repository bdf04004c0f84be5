"""Rendering briefs as Telegram HTML: escaping, layout, right-to-left, and splitting under 4096."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Analysis, Article, Source
from bot.render.brief import render_brief
from bot.render.html import RLM, TELEGRAM_LIMIT, Block, Span, bold, render, utf16_len
from tests.articles import PORT, PORT_ANALYSIS, WATER, WATER_ANALYSIS, WATER_QUOTES

TAG = re.compile(r"</?([a-z]+)[^>]*>")


def _article(text: str, **source: str) -> Article:
    return Article(id="x", text=text, language="ar", words=len(text.split()), source=Source(**source))


def _well_formed(markup: str) -> bool:
    stack: list[str] = []
    for match in TAG.finditer(markup):
        name = match.group(1)
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def _visible(markup: str) -> str:
    return html.unescape(TAG.sub("", markup))


def test_arabic_brief_layout() -> None:
    analysis = Analysis.model_validate(WATER_ANALYSIS)
    [message] = render_brief(analysis, _article(WATER, kind="channel", name="أخبار المياه"), "ar")
    text = message.text
    assert text.startswith(RLM + "📰 ")
    assert all(line.startswith(RLM) for line in text.split("\n") if line)
    assert "الملخص" in text and "الأطراف" in text and "الاقتباسات" in text
    assert "محوّل من: أخبار المياه" in text
    assert "• سامر الخطيب — وزير المياه الأردني" in text
    # Arabic article, Arabic reply: the quote alone, with its speaker, no translation.
    assert "«المنطقة تواجه اخطر ازمة مائية في تاريخها الحديث»" in text
    assert "The region faces" not in text
    assert message.html.count("<blockquote>") == 3
    assert _well_formed(message.html)


def test_english_brief_shows_original_and_translation() -> None:
    analysis = Analysis.model_validate(WATER_ANALYSIS)
    [message] = render_brief(analysis, _article(WATER), "en")
    assert not message.text.startswith(RLM)
    assert "Summary" in message.text and "Who" in message.text and "Quotes" in message.text
    assert "• Samer al-Khatib — Jordan's water minister" in message.text
    assert "“The region faces the most serious water crisis in its modern history” — Samer al-Khatib" in message.text
    assert "words · ~1 min" in message.text


def test_english_article_in_arabic_reply_translates_quotes_to_arabic() -> None:
    analysis = Analysis.model_validate(PORT_ANALYSIS)
    [message] = render_brief(analysis, _article(PORT), "ar")
    assert "«We will not return until the safety agreement is signed»" in message.text
    assert "لن نعود حتى يوقَّع اتفاق السلامة" in message.text
    assert message.text.startswith(RLM)


def test_everything_from_the_article_or_model_is_escaped() -> None:
    hostile = dict(WATER_ANALYSIS)
    hostile["headline"] = {"ar": "<b>عاجل</b> & <script>alert(1)</script>", "en": "<i>x"}
    hostile["quotes"] = [{"speaker": "<a href='x'>", "speaker_en": "&amp;", "text": "a < b > c", "translation": '"x"'}]
    [message] = render_brief(Analysis.model_validate(hostile), _article(WATER, kind="channel", name="<Chan>"), "ar")
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "&lt;b&gt;عاجل&lt;/b&gt; &amp;" in message.html
    assert _well_formed(message.html)
    assert "<b>عاجل</b> & <script>alert(1)</script>" in _visible(message.html)


def test_long_brief_is_split_between_sections_and_each_part_fits() -> None:
    analysis = Analysis.model_validate(WATER_ANALYSIS)
    many = [dict(q, text=f"{q['text']} {i}") for i in range(40) for q in WATER_ANALYSIS["quotes"]]
    analysis = analysis.model_copy(update={"quotes": [analysis.quotes[0].model_validate(q) for q in many]})
    messages = render_brief(analysis, _article(WATER), "en")
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(_visible(message.html)) <= TELEGRAM_LIMIT
        assert _well_formed(message.html)
        assert message.html.count("<blockquote>") == message.html.count("</blockquote>")
    joined = "\n".join(m.text for m in messages)
    assert joined.count("«") == 120


def test_one_giant_line_is_cut_between_words_keeping_tags() -> None:
    words = [f"كلمة{i}" for i in range(3000)]
    blocks = [Block([[bold("عنوان")]]), Block([[Span(" ".join(words), ("i",))]], quote=True)]
    messages = render(blocks, rtl=True)
    assert len(messages) >= 5
    seen: list[str] = []
    for message in messages:
        assert utf16_len(_visible(message.html)) <= TELEGRAM_LIMIT
        assert _well_formed(message.html)
        seen.extend(re.findall(r"كلمة\d+", message.text))
    assert seen == words  # nothing lost, no word cut in half


def test_emoji_count_twice_toward_the_limit() -> None:
    messages = render([Block([[Span("😀" * 3000)]])], rtl=False)
    assert all(utf16_len(m.text) <= TELEGRAM_LIMIT for m in messages)
    assert "".join(m.text for m in messages).count("😀") == 3000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab ج<>&\"'😀\n"), max_size=900), min_size=1, max_size=12))
def test_any_text_renders_to_valid_messages(texts: list[str]) -> None:
    blocks = [Block([[bold(t[:20]), Span(t)]], quote=i % 2 == 1) for i, t in enumerate(texts)]
    for message in render(blocks, rtl=True, budget=1000):
        assert _well_formed(message.html)
        assert utf16_len(_visible(message.html)) <= 1000
        assert _visible(message.html) == message.text


def test_quote_text_is_the_grounded_span_verbatim() -> None:
    analysis = Analysis.model_validate(WATER_ANALYSIS).model_copy(
        update={
            "quotes": [Analysis.model_validate(WATER_ANALYSIS).quotes[1].model_copy(update={"text": WATER_QUOTES[1]})]
        }
    )
    [message] = render_brief(analysis, _article(WATER), "ar")
    assert f"«{WATER_QUOTES[1]}»" in message.text
