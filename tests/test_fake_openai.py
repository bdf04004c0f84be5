"""The fake OpenAI server behaves the way the real ``openai`` SDK expects."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import openai
import pydantic
import pytest

from tests.fakes.openai_api import FakeOpenAI, Reply, Request, count_prompt_tokens

MODEL = "gpt-4o-mini"


class Brief(pydantic.BaseModel):
    """A tiny structured-output model."""

    title: str
    points: list[str]


BRIEF = {"title": "عنوان", "points": ["أ", "ب"]}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(api_key="test", base_url=fake.base_url, max_retries=0, timeout=5) as c:
        yield c


def _client(fake: FakeOpenAI, *, max_retries: int = 0, timeout: float = 5) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="test", base_url=fake.base_url, max_retries=max_retries, timeout=timeout)


async def _parse(client: openai.AsyncOpenAI, user: str = "خبر عاجل", **kw: object) -> Brief:
    completion = await client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "system", "content": "Summarise."}, {"role": "user", "content": user}],
        response_format=Brief,
        **kw,  # type: ignore[arg-type]
    )
    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    return parsed


async def test_parse_returns_validated_object_and_records_the_request(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    fake.enqueue(Reply.json(BRIEF))
    completion = await client.chat.completions.parse(
        model=MODEL,
        messages=[{"role": "system", "content": "Summarise."}, {"role": "user", "content": "خبر عاجل"}],
        response_format=Brief,
    )
    assert completion.choices[0].message.parsed == Brief(**BRIEF)
    assert completion.model == MODEL
    usage = completion.usage
    assert usage is not None
    req = fake.requests[0]
    assert usage.prompt_tokens == req.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert fake.calls == 1
    assert req.model == MODEL
    assert req.system == "Summarise."
    assert req.user == "خبر عاجل"
    assert req.schema_name == "Brief"
    assert req.schema is not None
    assert req.schema["additionalProperties"] is False
    assert req.body["response_format"]["json_schema"]["strict"] is True
    assert req.headers["Authorization"] == "Bearer test"


async def test_reply_token_overrides_and_plain_create(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.json({"a": 1}, prompt_tokens=1000, completion_tokens=7))
    messages = [{"role": "user", "content": "hi"}]
    completion = await client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == '{"a": 1}'
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (1000, 7)
    assert fake.requests[0].schema_name is None


async def test_rate_limit_then_success_is_retried_by_the_sdk(fake: FakeOpenAI) -> None:
    fake.enqueue(Reply.rate_limited(), Reply.json(BRIEF))
    async with _client(fake, max_retries=1) as client:
        assert await _parse(client) == Brief(**BRIEF)
    assert fake.calls == 2


async def test_server_error_then_success_with_two_retries(fake: FakeOpenAI) -> None:
    fake.enqueue(Reply.error(500, "boom", retry_after=0.01), Reply.json(BRIEF))
    async with _client(fake, max_retries=2) as client:
        assert await _parse(client) == Brief(**BRIEF)
    assert fake.calls == 2


async def test_server_error_exhausts_retries(fake: FakeOpenAI) -> None:
    fake.enqueue(*[Reply.error(500, "boom", retry_after=0.01)] * 2)
    async with _client(fake, max_retries=1) as client:
        with pytest.raises(openai.InternalServerError) as info:
            await _parse(client)
    assert info.value.status_code == 500
    assert info.value.message == "Error code: 500 - boom"
    assert info.value.body == {"message": "boom", "type": "server_error", "param": None, "code": None}
    assert info.value.request_id is not None
    assert fake.calls == 2


async def test_rate_limit_without_retries_raises(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.rate_limited())
    with pytest.raises(openai.RateLimitError) as info:
        await _parse(client)
    assert info.value.status_code == 429
    assert info.value.code == "rate_limit_exceeded"
    assert info.value.response.headers["retry-after-ms"] == "10"


async def test_length_finish_reason(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.text('{"title": "x", "poi', finish_reason="length"))
    with pytest.raises(openai.LengthFinishReasonError) as info:
        await _parse(client)
    assert info.value.completion.choices[0].finish_reason == "length"


async def test_refusal(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.refusal("لا أستطيع"))
    completion = await client.chat.completions.parse(
        model=MODEL, messages=[{"role": "user", "content": "x"}], response_format=Brief
    )
    message = completion.choices[0].message
    assert message.refusal == "لا أستطيع"
    assert message.parsed is None
    assert message.content is None


async def test_truncated_json_raises_pydantic_validation_error(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.text('{"a": '), Reply.json({"title": "x"}))
    with pytest.raises(pydantic.ValidationError, match="json_invalid"):
        await _parse(client)
    with pytest.raises(pydantic.ValidationError, match="missing"):
        await _parse(client)


async def test_hang_times_out_quickly(fake: FakeOpenAI) -> None:
    fake.enqueue(Reply.hang())
    started = time.monotonic()
    async with _client(fake, timeout=0.3) as client:
        with pytest.raises(openai.APITimeoutError):
            await _parse(client)
    assert time.monotonic() - started < 2
    assert fake.calls == 1


async def test_sdk_retries_after_a_timeout(fake: FakeOpenAI) -> None:
    fake.enqueue(Reply.hang(), Reply.json(BRIEF))
    async with _client(fake, max_retries=1, timeout=0.3) as client:
        assert await _parse(client) == Brief(**BRIEF)
    assert fake.calls == 2


async def test_disconnect_is_a_connection_error(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.disconnect())
    with pytest.raises(openai.APIConnectionError) as info:
        await _parse(client)
    assert not isinstance(info.value, openai.APITimeoutError)


@pytest.mark.parametrize("style", ["openai", "vllm", "llamacpp"])
async def test_context_limit(style: str) -> None:
    with FakeOpenAI(context_limit=50, context_error_style=style) as fake:
        fake.enqueue(Reply.json(BRIEF))
        async with _client(fake, max_retries=2) as client:
            with pytest.raises(openai.BadRequestError) as info:
                await _parse(client, user="خبر " * 200, max_completion_tokens=20)
            err = info.value
            assert err.status_code == 400
            assert "50 tokens" in err.message
            assert isinstance(err.body, dict)
            n = fake.requests[0].prompt_tokens
            assert n > 50
            if style == "llamacpp":
                assert err.code == "400"  # llama.cpp sends the HTTP status as an int code
                assert err.type == "exceed_context_size_error"
                assert (err.body["n_ctx"], err.body["n_prompt_tokens"]) == (50, n)
                assert "exceeds the available context size" in err.message
            else:
                assert err.code == "context_length_exceeded"
                assert (err.type, err.param) == ("invalid_request_error", "messages")
            if style == "vllm":
                expected = f"you requested {n + 20} tokens ({n} in the messages, 20 in the completion)"
                assert expected in err.message
            assert fake.calls == 1  # 400 is not retried
            # The rejection did not consume the queued reply; a short prompt gets it.
            assert await _parse(client, user="قصير") == Brief(**BRIEF)


async def test_context_limit_counts_max_tokens() -> None:
    with FakeOpenAI(context_limit=100) as fake:
        fake.set_responder(lambda req: Reply.json(BRIEF))
        async with _client(fake) as client:
            await _parse(client, user="a")
            with pytest.raises(openai.BadRequestError):
                await _parse(client, user="a", max_tokens=100)


async def test_latency_overlaps_concurrent_requests() -> None:
    with FakeOpenAI(latency=0.3, responder=lambda req: Reply.json(BRIEF)) as fake:
        async with _client(fake) as client:
            started = time.monotonic()
            results = await asyncio.gather(*[_parse(client) for _ in range(5)])
            elapsed = time.monotonic() - started
    assert results == [Brief(**BRIEF)] * 5
    assert 0.3 <= elapsed < 1.5
    assert fake.max_concurrent == 5
    assert fake.calls == 5


async def test_responder_echoes_the_user_message(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.set_responder(lambda req: Reply.json({"title": req.user.upper(), "points": [req.system]}))
    assert await _parse(client, user="hello") == Brief(title="HELLO", points=["Summarise."])
    assert await _parse(client, user="again") == Brief(title="AGAIN", points=["Summarise."])


async def test_async_responder_and_queue_precedence(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    async def responder(req: Request) -> Reply:
        await asyncio.sleep(0)
        return Reply.json({"title": "responder", "points": []})

    fake.set_responder(responder)
    fake.enqueue(Reply.json({"title": "queued", "points": []}))
    assert (await _parse(client)).title == "queued"
    assert (await _parse(client)).title == "responder"


async def test_no_responder_is_a_500(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.InternalServerError, match="no responder"):
        await _parse(client)


async def test_responder_exception_is_recorded(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    def responder(req: Request) -> Reply:
        raise RuntimeError("oops")

    fake.set_responder(responder)
    with pytest.raises(openai.InternalServerError, match="oops"):
        await _parse(client)
    assert [str(e) for e in fake.errors] == ["oops"]


async def test_api_key_is_checked() -> None:
    with FakeOpenAI(api_key="right", responder=lambda req: Reply.json(BRIEF)) as fake:
        async with openai.AsyncOpenAI(api_key="wrong", base_url=fake.base_url, max_retries=2) as client:
            with pytest.raises(openai.AuthenticationError) as info:
                await _parse(client)
        assert info.value.code == "invalid_api_key"
        assert fake.calls == 1
        async with openai.AsyncOpenAI(api_key="right", base_url=fake.base_url) as client:
            assert await _parse(client) == Brief(**BRIEF)


async def test_models_endpoint_and_reset(fake: FakeOpenAI, client: openai.AsyncOpenAI) -> None:
    fake.enqueue(Reply.json(BRIEF))
    await client.chat.completions.create(model="qwen3", messages=[{"role": "user", "content": "x"}])
    models = await client.models.list()
    assert [m.id for m in models.data] == ["qwen3", "gpt-4o-mini"]
    assert (fake.calls, len(fake.requests)) == (1, 2)
    fake.enqueue(Reply.json(BRIEF))
    fake.reset()
    assert (fake.calls, fake.requests, fake.max_concurrent) == (0, [], 0)
    with pytest.raises(openai.InternalServerError):
        await _parse(client)


def test_prompt_tokens_grow_with_content() -> None:
    short = count_prompt_tokens([{"role": "user", "content": "hi"}])
    long = count_prompt_tokens([{"role": "user", "content": "hi " * 100}])
    parts = Request(body={"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]})
    assert 0 < short < long
    assert parts.prompt_tokens == short
    assert parts.user == "hi"


def test_serves_a_subprocess(fake: FakeOpenAI) -> None:
    fake.enqueue(Reply.json({"title": "sub", "points": []}))
    script = (
        "import openai\n"
        "c = openai.OpenAI(max_retries=0)\n"
        "r = c.chat.completions.create(model='m', messages=[{'role': 'user', 'content': 'x'}])\n"
        "print(r.choices[0].message.content)\n"
    )
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sub", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '{"title": "sub", "points": []}'
    assert fake.requests[0].headers["Authorization"] == "Bearer sub"
