"""The analysis pipeline end to end: the real openai client against the fake server, real Redis."""

from __future__ import annotations

import asyncio

import pytest

from bot import text as textlib
from bot.app.services import Services
from bot.errors import EmptyInput, FailedRecently, InputTooLong, LLMBadOutput, LLMRefused, LLMUnavailable, NotAnArticle
from bot.models import Source
from tests.articles import BANK, WATER, WATER_ANALYSIS_UNFAITHFUL, WATER_QUOTES
from tests.fakes.model import StandInModel
from tests.fakes.openai_api import FakeOpenAI, Reply


async def test_brief_quotes_are_the_articles_exact_words(services: Services, fake_openai: FakeOpenAI) -> None:
    brief = await services.pipeline.analyse(WATER)
    assert [q.text for q in brief.analysis.quotes] == WATER_QUOTES
    for quote in brief.analysis.quotes:
        assert quote.text in WATER
    # The model dropped hamzas and a comma in two quotes: both were snapped to the article's span.
    assert brief.grounding.snapped_quotes == 2
    assert brief.grounding.dropped_quotes == 0
    assert {a.name for a in brief.analysis.actors} >= {"سامر الخطيب", "ليلى منصور", "البنك الدولي"}
    assert brief.usage.calls == 1 and brief.usage.prompt_tokens > 0
    assert not brief.from_cache
    assert fake_openai.calls == 1


async def test_repeat_is_served_from_cache_even_reformatted(services: Services, fake_openai: FakeOpenAI) -> None:
    first = await services.pipeline.analyse(WATER)
    forwarded = "🔴 عاجل\n" + WATER.replace("\n\n", "\n\n\n").replace("الأردن", "الاردن", 1) + "\n\nتابعونا @water_news"
    second = await services.pipeline.analyse(forwarded)
    assert fake_openai.calls == 1
    assert second.from_cache and second.usage.calls == 0
    assert second.article.id == first.article.id
    for quote in second.analysis.quotes:
        assert quote.text in forwarded


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("🔴 عاجل\n" + WATER + "\nالحصيلة 5 قتلى", "🔴 عاجل\n" + WATER + "\nالحصيلة 40 قتيلا"),
        ("الحصيلة 5 قتلى\n" + WATER, "الحصيلة 40 قتيلا\n" + WATER),
        (WATER + "\nسعر الدولار 50 جنيها", WATER + "\nسعر الدولار 51 جنيها"),
        (WATER + "\nحفتر", WATER + "\nالسراج"),
    ],
)
async def test_an_update_is_a_new_article_not_the_cached_brief(
    services: Services, fake_openai: FakeOpenAI, first: str, second: str
) -> None:
    """A post that differs in one word or number is analysed again: never served the other post's brief."""
    one = await services.pipeline.analyse(first)
    two = await services.pipeline.analyse(second)
    assert one.article.id != two.article.id
    assert not two.from_cache
    assert fake_openai.calls == 2


def test_the_channels_name_is_its_signature(services: Services) -> None:
    channel = Source(kind="channel", name="قناة المياه")
    plain = services.pipeline.prepare(WATER)
    signed = services.pipeline.prepare(WATER + "\n\nقناة المياه", channel)
    assert signed.id == plain.id == textlib.fingerprint(WATER)
    assert signed.text.endswith("قناة المياه")  # the article keeps its text; only its identity drops the line
    assert services.pipeline.prepare(WATER + "\n\nالمياه", channel).id == plain.id
    # Pasted without a source, the same line may be news: a separate article.
    assert services.pipeline.prepare(WATER + "\n\nقناة المياه").id != plain.id
    assert services.pipeline.prepare(WATER + "\n\nقناة المياه", Source(kind="channel", name="أخرى")).id != plain.id


@pytest.mark.parametrize(
    "text",
    [
        "#عاجل #ليبيا #حفتر #طرابلس #السراج #غوتيريس #الأمم_المتحدة",
        "🔴🔴🔴 ✅✅ 💥💥💥 🇱🇾🇱🇾",
        "https://t.me/news/1\nhttps://example.com/a/b/c\nwww.example.org/x/y",
        "@alarabiya @aljazeera @bbcarabic @skynewsarabia @rtarabic @france24_ar",
        "🔴 عاجل\n\n📡 تابعونا على تلغرام @channel\nالمصدر: رويترز\nاشترك في قناتنا",  # 10 words, none news
        "خبر عاجل\nقناة المياه",
    ],
)
async def test_a_post_of_decoration_only_is_too_short(services: Services, fake_openai: FakeOpenAI, text: str) -> None:
    """No content left after links, handles, hashtags, emoji, labels and signature: never an empty article."""
    with pytest.raises(NotAnArticle):
        services.pipeline.prepare(text, Source(kind="channel", name="قناة المياه"))
    with pytest.raises(NotAnArticle):
        await services.pipeline.analyse(text)
    assert fake_openai.calls == 0


async def test_invented_and_paraphrased_quotes_are_dropped(
    services: Services, fake_openai: FakeOpenAI, model: StandInModel
) -> None:
    fake_openai.enqueue(Reply.json(WATER_ANALYSIS_UNFAITHFUL))
    brief = await services.pipeline.analyse(WATER)
    assert [q.text for q in brief.analysis.quotes] == WATER_QUOTES[:1]
    assert brief.grounding.dropped_quotes == 2
    assert brief.grounding.dropped_actors == 1
    assert "أنطونيو غوتيريس" not in {a.name for a in brief.analysis.actors}


async def test_two_concurrent_requests_for_one_article_make_one_call(
    services: Services, fake_openai: FakeOpenAI
) -> None:
    fake_openai.latency = 0.3
    briefs = await asyncio.gather(*(services.pipeline.analyse(BANK) for _ in range(2)))
    assert fake_openai.calls == 1
    assert sorted(b.from_cache for b in briefs) == [False, True]
    assert briefs[0].analysis == briefs[1].analysis


async def test_two_processes_share_one_call_through_the_redis_lock(settings_factory, fake_openai: FakeOpenAI) -> None:
    """Two Services (as two replicas would have) on one Redis: the article costs one LLM call."""
    fake_openai.latency = 0.3
    first, second = await Services.open(settings_factory()), await Services.open(settings_factory())
    try:
        briefs = await asyncio.gather(first.pipeline.analyse(BANK), second.pipeline.analyse(BANK))
    finally:
        await first.close()
        await second.close()
    assert fake_openai.calls == 1
    assert sorted(b.from_cache for b in briefs) == [False, True]


@pytest.mark.parametrize(
    ("text", "error"),
    [("", EmptyInput), ("   \n\t ", EmptyInput), ("خبر قصير", NotAnArticle), ("كلمة " * 7000, InputTooLong)],
)
async def test_bad_input_is_refused_before_any_call(
    services: Services, fake_openai: FakeOpenAI, text: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await services.pipeline.analyse(text)
    assert fake_openai.calls == 0


async def test_server_errors_are_retried_by_the_sdk(services: Services, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.error(500, "boom", retry_after=0.01))
    brief = await services.pipeline.analyse(WATER)
    assert fake_openai.calls == 2
    assert len(brief.analysis.quotes) == 3


async def test_rate_limit_then_success(services: Services, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.rate_limited(0.01))
    brief = await services.pipeline.analyse(WATER)
    assert fake_openai.calls == 2 and brief.analysis.quotes


@pytest.mark.parametrize(
    ("replies", "error"),
    [
        ([Reply.error(503, "down", retry_after=0.01)] * 2, LLMUnavailable),
        ([Reply.rate_limited(0.01)] * 2, LLMUnavailable),
        ([Reply.text('{"headline": {"ar": "عنوان', finish_reason="length")] * 3, LLMBadOutput),
        ([Reply.text('{"headline": ')] * 2, LLMBadOutput),  # not JSON, also when asked in JSON mode
        ([Reply.json({"headline": "not an object"})] * 2, LLMBadOutput),  # breaks the schema, also when repaired
        ([Reply.refusal()], LLMRefused),
    ],
)
async def test_llm_failures_become_the_bots_errors(
    services: Services, fake_openai: FakeOpenAI, replies: list[Reply], error: type[Exception]
) -> None:
    services.pipeline.failed_seconds = 0.3
    fake_openai.enqueue(*replies)
    with pytest.raises(error) as caught:
        await services.pipeline.analyse(WATER)
    assert caught.value.key.startswith("error_llm")
    # The failure is remembered for a while: a retry right away is refused without a model call.
    fake_openai.reset()
    with pytest.raises(FailedRecently):
        await services.pipeline.analyse(WATER)
    assert fake_openai.calls == 0
    # Nothing broken was cached: once the failure is forgotten, the next try asks again and succeeds.
    await asyncio.sleep(0.35)
    brief = await services.pipeline.analyse(WATER)
    assert fake_openai.calls == 1 and brief.analysis.quotes


async def test_a_hanging_model_is_given_up_on_within_the_total_timeout(
    settings_factory, fake_openai: FakeOpenAI
) -> None:
    """Retries included, one call never takes longer than OPENAI_TOTAL_TIMEOUT (a reader waits about a minute)."""
    services = await Services.open(settings_factory(openai_timeout=0.5, openai_max_retries=5, openai_total_timeout=1.0))
    try:
        fake_openai.enqueue(*[Reply.hang()] * 6)
        started = asyncio.get_running_loop().time()
        with pytest.raises(LLMUnavailable):
            await services.pipeline.analyse(WATER)
        assert asyncio.get_running_loop().time() - started < 3
        assert fake_openai.calls < 6  # it stopped retrying
    finally:
        await services.close()


async def test_timeout_becomes_unavailable(settings_factory, fake_openai: FakeOpenAI) -> None:
    services = await Services.open(settings_factory(openai_timeout=0.3, openai_max_retries=0))
    try:
        fake_openai.enqueue(Reply.hang())
        with pytest.raises(LLMUnavailable):
            await services.pipeline.analyse(WATER)
    finally:
        await services.close()
