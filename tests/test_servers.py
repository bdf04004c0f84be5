"""The same brief through every kind of model server people run (issue 9).

The real pipeline and the real `openai` client talk to FakeOpenAI wearing one of its server
personalities (tests/fakes/personalities.py). Each test checks what a reader gets (a brief whose
quotes are the article's exact words), what it cost (at most the model calls the design allows:
one failed probe per thing the server refuses, once per endpoint, since what worked is remembered)
and that a failure reaches the reader in the bot's words, never the server's.

The first tests check the fakes themselves through the SDK.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import openai
import pytest

from bot.app.services import Services
from bot.errors import LLMBadOutput, LLMError
from bot.models import Analysis
from bot.render.catalogue import catalogue, t
from tests.conftest import run_bot
from tests.fakes.model import section
from tests.fakes.openai_api import FakeOpenAI, Reply, Request, count_tokens
from tests.fakes.personalities import PERSONALITIES, BreaksSchema, IgnoresFormat, Ollama, Reasoning
from tests.fakes.telegram_api import FakeTelegram

# Invented events, written for these tests.
LIBRARY = """افتتاح أول مكتبة عامة متنقلة في محافظة الواحات

أطلقت وزارة الثقافة صباح الخميس أول مكتبة عامة متنقلة في محافظة الواحات، وهي حافلة مجهزة بأكثر من ثلاثة آلاف كتاب ستجوب القرى النائية مرة كل أسبوعين.

وقالت وزيرة الثقافة هدى السالم خلال حفل الإطلاق إن «الكتاب يجب أن يصل إلى الطفل حيث يعيش، لا أن ينتظر الطفل وصوله إلى المدينة».

وأوضح مدير المشروع كريم الفارس أن الحافلة تضم ركناً للأطفال وأجهزة حاسوب متصلة بالإنترنت، مضيفاً: «سنبدأ بعشرين قرية، ونأمل أن نصل إلى خمسين قرية قبل نهاية العام المقبل».

ورحّب أهالي قرية النخلة، أولى محطات الحافلة، بالمبادرة، إذ قالت المعلمة رنا الخطيب إن «تلاميذ المدرسة لم يروا مكتبة حقيقية في حياتهم».

ويموّل المشروع صندوق محلي للتنمية بالشراكة مع بلدية الواحات، على أن تُضاف حافلة ثانية في الربيع."""

MARKET = """أسعار الخضار ترتفع في أسواق العاصمة بعد موجة الحر

ارتفعت أسعار الطماطم والخيار في أسواق العاصمة بنحو الثلث خلال أسبوع واحد، بعد موجة حر أتلفت جزءاً من المحاصيل في السهول الساحلية.

وقال رئيس نقابة تجار الجملة سمير الدباغ إن «المعروض في سوق الجملة انخفض إلى النصف تقريباً منذ بداية الشهر»، متوقعاً أن تعود الأسعار إلى مستواها مع بدء الموسم الجديد.

في المقابل، دعت جمعية حماية المستهلك إلى رقابة أشد على المحلات، وقالت رئيستها نادية العلي إن «بعض الباعة يرفعون الأسعار أكثر مما تبرره الخسائر الفعلية»."""

FLOOD_HEAD = """سيول مفاجئة تغمر قرى وادي السدر وتشرّد مئات العائلات

اجتاحت سيول جارفة فجر الأحد قرى وادي السدر جنوب مدينة الرمال، بعد أمطار غزيرة استمرت أكثر من عشر ساعات متواصلة، فانهار جسران رئيسيان وانقطعت الطرق المؤدية إلى ثماني قرى على الأقل.

وقال محافظ الإقليم خالد العمري في مؤتمر صحفي ظهر اليوم نفسه إن «ما شهدناه الليلة الماضية يفوق كل ما سجلته محطات الرصد منذ نصف قرن»، مشيراً إلى أن فرق الدفاع المدني أجلت أكثر من ألف ومئتي شخص إلى المدارس والمباني الحكومية.

من جهتها، أكدت مديرة الهلال الأحمر في الإقليم سلمى الحداد أن «الأولوية الآن هي الوصول إلى القرى المعزولة قبل حلول الظلام»، وأضافت أن فرقها تحتاج إلى قوارب إضافية ومولدات كهربائية وأدوية للأمراض المزمنة.

وروى المزارع يوسف النجار، الذي فقد محصوله كاملاً، أن «المياه دخلت البيت في أقل من ربع ساعة ولم نتمكن من إنقاذ شيء سوى الأطفال»."""

VILLAGES = [
    ("العين البيضاء", "شمال الوادي", 140, "المدرسة الابتدائية", "ثلاثة آبار"),
    ("تل الزيتون", "على السفح الغربي", 85, "مسجد القرية", "معصرة الزيتون القديمة"),
    ("المشرفة", "قرب الطريق السريع", 210, "مركز الشباب", "محطة الوقود"),
    ("بئر الحمام", "في قاع الوادي", 320, "قاعة البلدية", "سوق الأربعاء"),
    ("الخربة الشرقية", "عند مخرج الوادي", 60, "بيت الضيافة", "حظائر الماشية"),
    ("أم الرمان", "بين التلال الجنوبية", 175, "المستوصف", "بساتين الرمان"),
    ("الحصن", "فوق الهضبة", 95, "القلعة الأثرية", "خزان المياه"),
    ("وادي النخيل", "على ضفة المجرى", 260, "المدرسة الثانوية", "مزارع النخيل"),
    ("القصيبة", "في المنعطف الكبير", 130, "مخزن الحبوب", "الجسر الخشبي"),
    ("رأس العين", "عند منبع الوادي", 45, "كوخ الحراس", "قناة الري"),
    ("المزرعة الجديدة", "قرب السد الترابي", 190, "مقر الجمعية التعاونية", "مضخات الري"),
    ("الجرف", "تحت المنحدر الصخري", 70, "مبنى البريد", "الطريق الترابي"),
    ("الصفصافة", "بين حقول القمح", 115, "النادي الرياضي", "مطحنة القرية"),
    ("الدوير", "على الطريق القديم", 55, "دار المسنين", "ورشة النجارة"),
    ("عين الغزال", "قرب الغابة الصغيرة", 150, "مدرسة البنات", "مشتل الأشجار"),
    ("المنصورة", "في الطرف الجنوبي", 230, "المركز الثقافي", "معمل الألبان"),
]

RECOVERY = [
    "وبحلول مساء الاثنين عادت المياه الصالحة للشرب جزئياً إلى {name}، لكن الأهالي ما زالوا يعتمدون على صهاريج ترسلها البلدية مرتين في اليوم، ويقول أعضاء اللجنة المحلية إن إصلاح الشبكة قد يستغرق أسابيع.",
    "وتطوّع شبان من {name} لتنظيف الشوارع من الوحل وجمع الأثاث الذي جرفته المياه، فيما وزّعت جمعيات خيرية وجبات ساخنة وبطانيات على العائلات التي لم تجد مكاناً في مراكز الإيواء.",
    "وفي {name} أيضاً فحص مهندسون من وزارة الأشغال أساسات البيوت القريبة من المجرى، وطلبوا من سكان عدد منها عدم العودة قبل انتهاء التقييم، خوفاً من انهيارات جديدة إذا عاد المطر.",
    "ويخشى مزارعو {name} أن يضيع موسم كامل، فالتربة التي غطّاها الطمي تحتاج إلى أشهر قبل أن تصلح للزراعة، وقد طالبوا بقروض ميسّرة لشراء البذور والأسمدة من جديد.",
]

TEMPLATES = [
    "وفي قرية {name} الواقعة {where}، أحصت لجنة الطوارئ المحلية نحو {families} عائلة متضررة، ونُقل معظمها إلى {shelter} الذي تحوّل إلى مأوى مؤقت، بينما غمرت المياه {lost} وأتلفت جزءاً كبيراً من المخزون الغذائي للأهالي.",
    "أما {name}، {where}، فقد وصلتها فرق الإنقاذ بعد ساعات من الانتظار، وأفاد متطوعون بأن {families} عائلة باتت ليلتها في {shelter}، وأن السيل جرف {lost} ومعها عدداً من السيارات المتوقفة على جانب الطريق.",
    "وتشير تقديرات أولية في {name} {where} إلى تضرر مساكن {families} عائلة، وقد فتح السكان أبواب {shelter} لإيواء جيرانهم، في حين تعمل الجرافات على إزالة الطمي الذي غطّى {lost} بارتفاع تجاوز المتر في بعض المواضع.",
    "وفي {name}، {where}، قال شهود إن الماء ارتفع بسرعة لم يعهدوها من قبل، فلجأت {families} عائلة إلى {shelter}، ولم يبقَ من {lost} إلا الجدران، كما انقطعت الكهرباء والاتصالات عن القرية حتى مساء اليوم التالي.",
]

FLOOD_MIDDLE = "\n\n".join(
    TEMPLATES[i % len(TEMPLATES)].format(name=name, where=where, families=families, shelter=shelter, lost=lost)
    + "\n\n"
    + RECOVERY[(i + 1) % len(RECOVERY)].format(name=name)
    for i, (name, where, families, shelter, lost) in enumerate(VILLAGES)
)

FLOOD_TAIL = """وفي ختام اجتماع طارئ للحكومة مساء الأحد، أعلن وزير الأشغال العامة مازن الشريف أن «إعادة بناء الجسرين ستبدأ خلال أسبوعين بتمويل حكومي كامل»، ووعد بصرف تعويضات عاجلة للأسر التي فقدت مساكنها.

أما خبير المناخ في جامعة الرمال عادل القاسم فحذّر من أن «مثل هذه العواصف ستتكرر أكثر في السنوات المقبلة إذا لم تُحدَّث شبكات تصريف المياه»، داعياً إلى خطة وطنية لإدارة مجاري الأودية."""

FLOOD = f"{FLOOD_HEAD}\n\n{FLOOD_MIDDLE}\n\n{FLOOD_TAIL}"  # about 2,400 tokens (o200k)

# The same report with a second account of the clean-up from every village: about 3,300 tokens.
FLOOD_LONGER = (
    f"{FLOOD_HEAD}\n\n{FLOOD_MIDDLE}\n\n"
    + "\n\n".join(RECOVERY[(i + 3) % len(RECOVERY)].format(name=village[0]) for i, village in enumerate(VILLAGES))
    + f"\n\n{FLOOD_TAIL}"
)

_QUOTE = re.compile(r"«([^»]+)»")


def quotes_of(text: str) -> list[str]:
    """The words between «» marks: what a faithful brief quotes."""
    return _QUOTE.findall(text)


SERVER_WORDS = (
    "response_format",
    "json_schema",
    "invalid_request_error",
    "Invalid parameter",
    "Unsupported",
    "not supported",
    "max_completion_tokens",
    "max_tokens",
    "did not match",
    "platform.openai.com",
)


@asynccontextmanager
async def opened(settings_factory: Any, **overrides: object) -> AsyncIterator[Services]:
    """The bot's services aimed at the fake, closed afterwards."""
    services = await Services.open(settings_factory(**overrides))
    try:
        yield services
    finally:
        await services.close()


def analysis_requests(fake: FakeOpenAI) -> list[Request]:
    """The Analysis requests the fake received, in order (refused ones included)."""
    return [r for r in fake.requests if r.schema_name == "Analysis"]


def answered(fake: FakeOpenAI, name: str = "Analysis") -> list[Request]:
    """The requests of schema `name` the server answered (HTTP 200)."""
    return [r for r in fake.requests if r.schema_name == name and r.status == 200]


def assert_faithful(analysis: Analysis, article: str) -> None:
    """Every quote of the brief is an exact span of the article, and every quote of the article is in it."""
    texts = [q.text for q in analysis.quotes]
    for text in texts:
        assert text in article
    assert sorted(set(texts)) == sorted(set(quotes_of(article)))


def assert_readers_words(error: LLMError) -> None:
    """The error reaches a reader as a catalogue sentence that holds nothing the server said."""
    assert error.key.startswith("error_llm")
    for lang in ("ar", "en"):
        assert error.key in catalogue(lang)  # (t falls back to the key itself for a missing one)
        sentence = t(lang, error.key, **error.params)
        for word in SERVER_WORDS:
            assert word not in sentence
    for value in error.params.values():
        for word in SERVER_WORDS:
            assert word not in str(value)


# --- the fakes, through the SDK ---------------------------------------------------------------


def _analysis_messages(article: str, *, schema_paragraph: str | None = None) -> list[dict[str, str]]:
    system = "Analyse the news article in the user message."
    if schema_paragraph is not None:
        system = f"{system}\n\n{schema_paragraph}"
    return [{"role": "system", "content": system}, {"role": "user", "content": f"<article>\n{article}\n</article>"}]


def _options(mode: str, name: str = "Analysis", **extra: Any) -> dict[str, Any]:
    schema = Analysis.model_json_schema()
    options: dict[str, Any] = {"max_tokens": 2500, "temperature": 0.2, **extra}
    if mode == "json_schema":
        options["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
    elif mode == "json_object":
        options["response_format"] = {"type": "json_object"}
    elif mode == "tools":
        function = {"name": name, "description": f"Return the {name}.", "parameters": schema}
        options["tools"] = [{"type": "function", "function": function}]
        options["tool_choice"] = {"type": "function", "function": {"name": name}}
    return {k: v for k, v in options.items() if v is not None}


def _paragraph(name: str = "Analysis") -> str:
    schema = json.dumps(Analysis.model_json_schema(), separators=(",", ":"), ensure_ascii=False)
    return f"Reply with one JSON object only, valid against this JSON schema named {name}:\n{schema}"


@pytest.fixture
async def sdk(fake_openai: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(api_key="test", base_url=fake_openai.base_url, max_retries=2, timeout=5) as client:
        yield client


async def _ask(client: openai.AsyncOpenAI, mode: str, article: str = LIBRARY, **extra: Any) -> Any:
    paragraph = _paragraph() if mode == "json_object" else None
    return await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=_analysis_messages(article, schema_paragraph=paragraph),  # type: ignore[arg-type]
        **_options(mode, **extra),
    )


def _answer_json(completion: Any) -> dict[str, Any]:
    message = completion.choices[0].message
    if message.tool_calls:
        return json.loads(message.tool_calls[0].function.arguments)  # type: ignore[no-any-return]
    return json.loads(message.content)  # type: ignore[no-any-return]


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "tools"])
async def test_the_fake_knows_the_schema_and_answers_in_the_mode_asked_for(
    fake_openai: FakeOpenAI, sdk: openai.AsyncOpenAI, mode: str
) -> None:
    completion = await _ask(sdk, mode)
    request = fake_openai.requests[-1]
    assert (request.mode, request.schema_name) == (mode, "Analysis")
    assert request.schema == Analysis.model_json_schema()
    assert request.cap_param == "max_tokens"
    choice = completion.choices[0]
    if mode == "tools":
        assert choice.message.content is None
        assert choice.finish_reason == "tool_calls"
        assert choice.message.tool_calls[0].function.name == "Analysis"
    else:
        assert choice.message.tool_calls is None
        assert choice.finish_reason == "stop"
    Analysis.model_validate(_answer_json(completion))
    assert sorted(q["text"] for q in _answer_json(completion)["quotes"]) == sorted(quotes_of(LIBRARY))


@pytest.mark.parametrize(
    ("personality", "mode", "extra", "param", "words"),
    [
        ("no_json_schema", "json_schema", {}, "response_format", "of type 'json_schema' is not supported"),
        ("tools_only", "json_schema", {}, "response_format", "'response_format' is not supported"),
        ("tools_only", "json_object", {}, "response_format", "'response_format' is not supported"),
        (
            "reasoning",
            "json_schema",
            {},
            "max_tokens",
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
        ),
        (
            "reasoning",
            "json_schema",
            {"max_tokens": None, "max_completion_tokens": 4000},
            "temperature",
            "Unsupported value: 'temperature' does not support 0.2 with this model. "
            "Only the default (1) value is supported.",
        ),
        (
            "no_max_completion_tokens",
            "json_schema",
            {"max_tokens": None, "max_completion_tokens": 2500},
            None,
            "Unrecognized request argument supplied: max_completion_tokens",
        ),
    ],
)
async def test_personalities_refuse_in_the_real_servers_words(
    fake_openai: FakeOpenAI,
    sdk: openai.AsyncOpenAI,
    personality: str,
    mode: str,
    extra: dict[str, Any],
    param: str | None,
    words: str,
) -> None:
    fake_openai.personality = personality
    fake_openai.enqueue(Reply.json({"kept": True}))
    with pytest.raises(openai.BadRequestError) as caught:
        await _ask(sdk, mode, **extra)
    error = caught.value
    assert error.status_code == 400 and words in error.message
    assert isinstance(error.body, dict)
    assert (error.body["type"], error.body["param"]) == ("invalid_request_error", param)
    assert fake_openai.calls == 1  # a 400 is not retried
    assert fake_openai.requests[0].reply is None  # and it did not consume the queued reply


@pytest.mark.parametrize(
    ("personality", "mode", "extra"),
    [
        ("no_json_schema", "json_object", {}),
        ("no_json_schema", "tools", {}),
        ("tools_only", "tools", {}),
        ("reasoning", "json_schema", {"max_tokens": None, "temperature": None, "max_completion_tokens": 4000}),
        ("no_max_completion_tokens", "json_schema", {}),
        ("ollama", "json_schema", {"max_completion_tokens": 2500}),
        ("vllm", "json_schema", {}),
        ("openai", "tools", {}),
    ],
)
async def test_personalities_answer_what_they_accept(
    fake_openai: FakeOpenAI, sdk: openai.AsyncOpenAI, personality: str, mode: str, extra: dict[str, Any]
) -> None:
    fake_openai.personality = personality
    completion = await _ask(sdk, mode, **extra)
    assert Analysis.model_validate(_answer_json(completion)).quotes
    assert fake_openai.requests[0].status == 200


async def test_ollama_answers_a_prompt_too_long_for_num_ctx_from_its_tail(
    fake_openai: FakeOpenAI, sdk: openai.AsyncOpenAI
) -> None:
    fake_openai.personality = ollama = Ollama()
    completion = await _ask(sdk, "json_schema", FLOOD)
    request = fake_openai.requests[0]
    assert request.prompt_tokens > 2048
    seen = request.model_view
    assert seen is not None and seen.system == request.system  # the start (the instructions) is kept
    assert completion.usage.prompt_tokens == seen.prompt_tokens <= 2048
    assert completion.usage.prompt_tokens > 2048 - 40  # about as much as fits, no more
    assert ollama.truncated == [(request.prompt_tokens, seen.prompt_tokens)]
    kept = section(seen, "article")
    assert FLOOD.endswith(kept) and len(kept) < len(FLOOD)
    quoted = {q["text"] for q in _answer_json(completion)["quotes"]}
    assert quoted == set(quotes_of(FLOOD_TAIL))  # the head's quotes were cut away, silently
    assert not quoted & set(quotes_of(FLOOD_HEAD))
    # A prompt that fits is answered as it is.
    completion = await _ask(sdk, "json_schema", LIBRARY)
    assert fake_openai.requests[1].model_view is None
    assert completion.usage.prompt_tokens == fake_openai.requests[1].prompt_tokens
    assert len(ollama.truncated) == 1


async def test_a_reasoning_model_spends_its_cap_on_reasoning(fake_openai: FakeOpenAI, sdk: openai.AsyncOpenAI) -> None:
    fake_openai.personality = Reasoning(reasoning_tokens=1500)
    options = {"max_tokens": None, "temperature": None, "reasoning_effort": "low"}
    cut = await _ask(sdk, "json_schema", max_completion_tokens=1000, **options)
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == ""
    assert cut.usage.completion_tokens == 1000
    assert cut.usage.completion_tokens_details.reasoning_tokens == 1000
    full = await _ask(sdk, "json_schema", max_completion_tokens=4000, **options)
    assert full.choices[0].finish_reason == "stop"
    answer = count_tokens(full.choices[0].message.content)
    assert full.usage.completion_tokens == 1500 + answer
    assert full.usage.completion_tokens_details.reasoning_tokens == 1500
    assert fake_openai.requests[1].body["reasoning_effort"] == "low"


async def test_a_server_that_ignores_response_format_answers_in_prose(
    fake_openai: FakeOpenAI, sdk: openai.AsyncOpenAI
) -> None:
    fake_openai.personality = "ignores_format"
    for mode in ("json_schema", "json_object"):
        content = (await _ask(sdk, mode)).choices[0].message.content
        assert content.startswith("Here is the analysis:\n```json\n{") and content.endswith("```\nHope this helps!")
        with pytest.raises(json.JSONDecodeError, match="Expecting value"):
            json.loads(content)
        Analysis.model_validate_json(content.split("```json\n", 1)[1].rsplit("```", 1)[0])
    assert (await _ask(sdk, "tools")).choices[0].message.tool_calls  # a forced tool call still works
    fake_openai.personality = IgnoresFormat(ignore_tools=True)
    message = (await _ask(sdk, "tools")).choices[0].message
    assert message.tool_calls is None and message.content.startswith("Here is the analysis:")


async def test_schema_breaking_json_comes_once(fake_openai: FakeOpenAI, sdk: openai.AsyncOpenAI) -> None:
    fake_openai.personality = breaker = BreaksSchema()
    broken = json.loads((await _ask(sdk, "json_schema")).choices[0].message.content)
    assert "language" not in broken and isinstance(broken["quotes"], str)
    assert Analysis.model_validate(json.loads((await _ask(sdk, "json_schema")).choices[0].message.content))
    assert breaker.broken == 1


def test_every_personality_has_a_name() -> None:
    assert set(PERSONALITIES) == {
        "openai",
        "no_json_schema",
        "tools_only",
        "ignores_format",
        "ollama",
        "vllm",
        "reasoning",
        "no_max_completion_tokens",
        "breaks_schema_once",
    }
    with pytest.raises(ValueError, match="unknown personality"):
        FakeOpenAI(personality="lmstudio")


# --- the real pipeline against each personality --------------------------------------------------

# personality: (model, calls the first article may cost, the mode that answers; None: any)
SERVERS: dict[str, tuple[str, int, str | None]] = {
    "openai": ("gpt-4o-mini", 1, "json_schema"),
    "no_json_schema": ("gpt-4o-mini", 2, "json_object"),  # json_schema refused once, then json_object
    "tools_only": ("gpt-4o-mini", 3, "tools"),  # json_schema and json_object refused, then a tool call
    "ignores_format": ("gpt-4o-mini", 3, None),  # prose JSON: at most two ignored modes, then one that works
    "ollama": ("llama3.1:8b", 1, "json_schema"),  # a short article fits num_ctx
    "vllm": ("qwen2.5:7b", 1, "json_schema"),  # a short article fits the window
    "reasoning": ("gpt-5-mini", 2, "json_schema"),  # max_tokens refused once (not OpenAI's URL), then accepted
    "no_max_completion_tokens": ("gpt-4o-mini", 1, "json_schema"),  # max_tokens from the start: not OpenAI
    "breaks_schema_once": ("gpt-4o-mini", 2, "json_schema"),  # the broken answer, then one repair call
}


@pytest.mark.parametrize("personality", list(SERVERS))
async def test_every_server_gives_the_brief_with_the_articles_exact_quotes(
    settings_factory: Any, fake_openai: FakeOpenAI, personality: str
) -> None:
    model, most, mode = SERVERS[personality]
    fake_openai.personality = personality
    async with opened(settings_factory, openai_model=model) as services:
        brief = await services.pipeline.analyse(LIBRARY)
        first = fake_openai.calls
        second = await services.pipeline.analyse(MARKET)
    assert_faithful(brief.analysis, LIBRARY)
    assert_faithful(second.analysis, MARKET)
    assert 1 <= first <= most
    assert fake_openai.calls == first + 1  # what worked is remembered: the next article costs one call
    one, two = answered(fake_openai)[-2], answered(fake_openai)[-1]
    assert two.mode == one.mode and (mode is None or one.mode == mode)
    assert section(two, "article").startswith("أسعار الخضار")
    for request in fake_openai.requests:
        assert not {"max_tokens", "max_completion_tokens"} <= request.body.keys()
    if personality == "reasoning":
        for request in (one, two):
            assert "temperature" not in request.body
            assert request.body.get("reasoning_effort") == "low"
            assert request.cap_param == "max_completion_tokens"
    else:
        for request in (one, two):
            assert request.body.get("temperature") == 0.2
            assert "reasoning_effort" not in request.body
            assert request.cap_param == "max_tokens"  # the fake is not OpenAI's or Azure's URL


async def test_what_worked_is_remembered_in_redis_for_every_replica(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    """The probe costs failed calls once per endpoint, not once per article or per replica."""
    fake_openai.personality = "tools_only"
    async with opened(settings_factory) as first:
        await first.pipeline.analyse(LIBRARY)
    probes = fake_openai.calls
    assert probes <= 3
    async with opened(settings_factory) as second:  # another replica, or the bot after a restart
        brief = await second.pipeline.analyse(MARKET)
    assert fake_openai.calls == probes + 1
    assert fake_openai.requests[-1].mode == "tools"
    assert_faithful(brief.analysis, MARKET)


async def test_json_object_mode_puts_the_schema_at_the_end_of_the_system_prompt(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    fake_openai.personality = "no_json_schema"
    async with opened(settings_factory) as services:
        await services.pipeline.analyse(LIBRARY)
    request = answered(fake_openai)[-1]
    assert request.mode == "json_object" and "tools" not in request.body
    last_system = [m for m in request.messages if m["role"] == "system"][-1]["content"]
    paragraph = last_system.rsplit("\n\n", 1)[-1]
    assert paragraph.startswith("Reply with one JSON object only, valid against this JSON schema named Analysis:\n")
    assert request.schema is not None and set(request.schema["properties"]) == set(Analysis.model_fields)
    assert "مكتبة عامة متنقلة" not in last_system  # the article stays in the user message


@pytest.mark.parametrize(
    "article",
    [
        pytest.param(FLOOD_LONGER, id="prompt-cut-by-40-percent"),  # 3,440 prompt tokens read as 2,048
        # About 2,530 prompt tokens read as 2,048: 485 tokens (19 %) lost, and with them the article's
        # first three quotes. Ollama reports a figure at (just under) its num_ctx.
        pytest.param(FLOOD, id="prompt-cut-by-19-percent"),
    ],
)
async def test_ollama_cutting_a_long_prompt_is_noticed_and_the_article_resplit(
    settings_factory: Any, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture, article: str
) -> None:
    """Ollama answers from the article's tail without a word: the bot sees usage.prompt_tokens far
    below what it sent, learns the window and analyses the article again in parts that fit."""
    fake_openai.personality = ollama = Ollama(num_ctx=2048)
    caplog.set_level(logging.WARNING)
    async with opened(settings_factory, openai_model="llama3.1:8b") as services:
        brief = await services.pipeline.analyse(article)
        learned = services.analyser.context_tokens
        first = fake_openai.calls
        again = await services.pipeline.analyse(MARKET)
    assert len(ollama.truncated) == 1
    sent, kept = ollama.truncated[0]
    assert sent > 2048 >= kept
    cut, *parts = analysis_requests(fake_openai)[:-1]
    assert cut.model_view is not None
    assert not set(quotes_of(FLOOD_HEAD)) & {q["text"] for q in json.loads(cut.reply.content)["quotes"]}
    # The brief has every quote, those of the cut head too, each the article's exact words.
    assert_faithful(brief.analysis, article)
    assert set(quotes_of(FLOOD_HEAD)) <= {q.text for q in brief.analysis.quotes}
    assert learned <= 2048
    assert parts and all(r.model_view is None and r.prompt_tokens <= 2048 for r in parts)
    assert len(parts) <= math.ceil(count_tokens(article) / (2048 // 3))
    assert first == 1 + len(parts) + 1  # the cut call, the parts, one merge
    assert len(answered(fake_openai, "Headline")) == 1
    assert fake_openai.calls == first + 1 and again.analysis.quotes  # the next article fits: one call
    warnings = [r.getMessage() for r in caplog.records if "OPENAI_CONTEXT_TOKENS" in r.getMessage()]
    assert len(warnings) == 1
    assert "num_ctx" in warnings[0] or "OLLAMA_CONTEXT_LENGTH" in warnings[0]


async def test_vllm_counts_prompt_and_completion_against_its_window(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    fake_openai.personality = "vllm"  # max_model_len 4096
    async with opened(settings_factory, openai_model="qwen2.5:7b") as services:
        brief = await services.pipeline.analyse(FLOOD)
        learned = services.analyser.context_tokens
        first = fake_openai.calls
        await services.pipeline.analyse(MARKET)
    refused = [r for r in fake_openai.requests if r.status == 400]
    assert len(refused) == 1
    assert refused[0].prompt_tokens <= 4096 < refused[0].prompt_tokens + refused[0].max_tokens
    parts = answered(fake_openai)[:-1]
    assert all(r.prompt_tokens + r.max_tokens <= 4096 for r in parts)
    assert 1 <= len(parts) <= 3
    merges = len(answered(fake_openai, "Headline"))
    assert merges == (len(parts) > 1)
    assert first == 1 + len(parts) + merges  # the refused call, the part(s), a merge of several
    assert learned <= 4096
    assert_faithful(brief.analysis, FLOOD)
    assert fake_openai.calls == first + 1


async def test_a_reasoning_model_cut_off_while_thinking_is_asked_again_with_more_room(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    fake_openai.personality = reasoning = Reasoning(exhaust_first=True)
    async with opened(settings_factory, openai_model="gpt-5-mini") as services:
        brief = await services.pipeline.analyse(LIBRARY)
        first = fake_openai.calls
        await services.pipeline.analyse(MARKET)
    cut, retried, _ = answered(fake_openai)
    assert cut.reply is not None and cut.reply.finish_reason == "length" and reasoning.cut_off == 1
    assert retried.max_tokens > cut.max_tokens
    assert section(retried, "article") == section(cut, "article")  # the whole article again, not split
    assert first <= 3  # max_tokens refused once, the cut-off answer, the retry
    assert fake_openai.calls == first + 1
    assert_faithful(brief.analysis, LIBRARY)


async def test_a_reasoning_model_under_an_unknown_name_learns_what_it_refuses(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    """An Azure deployment may give gpt-5-mini any name: its 400s teach the bot (once) to send
    max_completion_tokens and no temperature."""
    fake_openai.personality = "reasoning"
    async with opened(settings_factory, openai_model="newsroom-writer") as services:
        brief = await services.pipeline.analyse(LIBRARY)
        first = fake_openai.calls
        await services.pipeline.analyse(MARKET)
    assert first <= 3  # max_tokens refused, temperature refused, the answer
    assert fake_openai.calls == first + 1
    for request in answered(fake_openai):
        assert "temperature" not in request.body and request.cap_param == "max_completion_tokens"
    assert_faithful(brief.analysis, LIBRARY)


async def test_schema_breaking_json_gets_one_repair_call(settings_factory: Any, fake_openai: FakeOpenAI) -> None:
    fake_openai.personality = "breaks_schema_once"
    async with opened(settings_factory) as services:
        brief = await services.pipeline.analyse(LIBRARY)
    assert fake_openai.calls == 2
    broken, repair = analysis_requests(fake_openai)
    assert repair.is_repair and not broken.is_repair
    assert repair.messages[:2] == broken.messages
    assistant = repair.messages[2]
    assert assistant["role"] == "assistant"
    assert broken.reply is not None and broken.reply.content is not None
    assert json.loads(broken.reply.content) == json.loads(_assistant_text(assistant))
    assert repair.messages[3]["role"] == "user" and "did not match the schema" in repair.messages[3]["content"]
    assert_faithful(brief.analysis, LIBRARY)


def _assistant_text(message: dict[str, Any]) -> str:
    if message.get("content"):
        return str(message["content"])
    return str(message["tool_calls"][0]["function"]["arguments"])


async def test_json_that_breaks_the_schema_twice_is_a_clear_error(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    fake_openai.personality = BreaksSchema(times=2)
    async with opened(settings_factory) as services:
        with pytest.raises(LLMBadOutput) as caught:
            await services.pipeline.analyse(LIBRARY)
    assert fake_openai.calls == 2  # one repair, no more
    assert_readers_words(caught.value)


@pytest.mark.parametrize(
    ("personality", "structured"),
    [("no_json_schema", "json_schema"), ("tools_only", "json_object"), ("tools_only", "json_schema")],
)
async def test_a_forced_mode_the_server_refuses_fails_in_the_bots_words(
    settings_factory: Any, fake_openai: FakeOpenAI, personality: str, structured: str
) -> None:
    fake_openai.personality = personality
    async with opened(settings_factory, openai_structured=structured) as services:
        with pytest.raises(LLMError) as caught:
            await services.pipeline.analyse(LIBRARY)
    assert fake_openai.calls == 1  # OPENAI_STRUCTURED names the one mode to use: nothing else is tried
    assert fake_openai.requests[0].mode == structured
    assert_readers_words(caught.value)


READER = 1001
FORWARDED = {
    "type": "channel",
    "chat": {"id": -1001234567890, "type": "channel", "title": "ثقافة الواحات"},
    "message_id": 12,
    "date": 1700000000,
}


async def test_a_reader_hears_the_bots_sentence_never_the_servers(
    bot_settings: Any, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    fake_openai.personality = "no_json_schema"
    async with run_bot(bot_settings(openai_structured="json_schema"), telegram):
        telegram.send_text(READER, LIBRARY, forward_origin=FORWARDED)

        def settled() -> bool:
            messages = telegram.bot_messages(READER)
            return bool(messages) and not any("⏳" in m.text for m in messages)

        await telegram.wait_for(settled, 15)
        [reply] = telegram.bot_messages(READER)
    assert fake_openai.calls == 1
    for word in SERVER_WORDS:
        assert word not in reply.text
    sentences = [v.split("{", 1)[0].strip() for k, v in catalogue("ar").items() if k.startswith("error_llm")]
    assert any(s and s in reply.text for s in sentences), reply.text


# --- what a second reader found: detectors that must not misfire, probes that must not multiply ---


def _counting(fake: FakeOpenAI, model: Any, share: float | None) -> None:
    """A server whose tokenizer counts `share` of our tokens (None: it reports 0, a cached prompt)."""

    def answer(request: Request) -> Reply:
        reply = model(request)
        reply.prompt_tokens = 0 if share is None else int(request.prompt_tokens * share)
        return reply

    fake.set_responder(answer)


@pytest.mark.parametrize("share", [0.6, None], ids=["tokenizer-counting-40-percent-fewer", "reports-0-cached"])
async def test_a_server_that_counts_differently_never_shrinks_the_window_to_nothing(
    settings_factory: Any, fake_openai: FakeOpenAI, model: Any, share: float | None
) -> None:
    _counting(fake_openai, model, share)
    async with opened(settings_factory, openai_context_tokens=16_000) as services:
        for text in (FLOOD, MARKET, LIBRARY):
            brief = await services.pipeline.analyse(text)
            assert brief.analysis.quotes  # briefed, not "context too small"
        # At most one false alarm, never one per re-split part.
        assert services.chat.context_tokens >= 16_000 * 0.5


async def test_a_reasoning_model_on_a_small_window_fits_its_room(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    fake_openai.personality = "vllm"  # 4096 tokens, prompt + cap
    async with opened(settings_factory, openai_reasoning_effort="low", openai_context_tokens=4096) as services:
        brief = await services.pipeline.analyse(LIBRARY)
        assert brief.analysis.quotes
        assert services.chat.context_tokens == 4096  # never learned a smaller window it does not have
        assert all(r.status == 200 for r in analysis_requests(fake_openai))


async def test_a_model_that_refuses_reasoning_effort_is_asked_without_it(
    settings_factory: Any, fake_openai: FakeOpenAI, model: Any
) -> None:
    def answer(request: Request) -> Reply:
        if "reasoning_effort" in request.body:
            return Reply.error(400, "Unrecognized request argument supplied: reasoning_effort")
        return model(request)

    fake_openai.set_responder(answer)
    async with opened(settings_factory, openai_reasoning_effort="low") as services:
        brief = await services.pipeline.analyse(LIBRARY)
        again = await services.pipeline.analyse(MARKET)
    assert brief.analysis.quotes and again.analysis.quotes
    assert fake_openai.calls == 3  # one refused, then one call per article without it


async def test_the_probe_is_paid_once_whatever_runs_at_the_same_time(
    settings_factory: Any, fake_openai: FakeOpenAI
) -> None:
    import asyncio

    fake_openai.personality = "tools_only"
    async with opened(settings_factory) as services:
        briefs = await asyncio.gather(*(services.pipeline.analyse(t) for t in (LIBRARY, MARKET, FLOOD)))
    assert all(b.analysis.quotes for b in briefs)
    refused = [r for r in fake_openai.requests if r.status == 400]
    assert len(refused) == 2  # json_schema and json_object refused once each, for the endpoint
