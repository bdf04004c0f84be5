"""The OpenAI-compatible chat client: the only module that imports `openai`.

Retries and timeouts are the SDK's own (`max_retries`, `timeout`); every failure leaves this
module as one of the bot's error types from `bot.errors`. The SDK takes about a second to import,
so it is imported on the first request (or schema), not with this module: a command that refuses
its input or answers from the cache never loads it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import pydantic

from bot import metrics
from bot.config import Settings
from bot.errors import (
    LLMBadOutput,
    LLMError,
    LLMRateLimited,
    LLMRefused,
    LLMUnavailable,
)
from bot.llm import structured
from bot.llm.failures import (
    ContextExceeded,
    OutputTruncated,
    count,
    count_429,
    error_message,
    failed,
    is_context_error,
    translate,
    unbilled,
)
from bot.llm.structured import Profile
from bot.llm.tokens import TokenCounter
from bot.models import Headline, Usage
from bot.store.endpoints import endpoint_id

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

T = TypeVar("T", bound=pydantic.BaseModel)
QUEUE_TIMEOUT_SHARE = 2  # a call waits at most this many total timeouts for one of the LLM_CONCURRENCY slots
REASONING_ROOM = 4000  # output tokens a reasoning model may think with, on top of its answer
CAP_MARGIN = 16  # tokens kept free in the window besides the prompt and the cap (servers count a few more)
CUT_CEILING = 64  # a second cut is believed only when the server reports the same ceiling (within this)


@dataclass
class Completion(Generic[T]):
    """A parsed answer and what it cost."""

    value: T
    usage: Usage


@functools.cache
def schema_json(schema: type[pydantic.BaseModel]) -> str:
    """The strict JSON schema sent for `schema`, compact (built once: to count its tokens, for json_object
    prompts, and as the request's schema)."""
    from openai.lib._pydantic import to_strict_json_schema

    return json.dumps(to_strict_json_schema(schema), separators=(",", ":"), ensure_ascii=False)


def strict_schema(schema: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of a model, as the SDK builds it for structured output (a fresh copy)."""
    loaded: dict[str, Any] = json.loads(schema_json(schema))
    return loaded


class EndpointMemory(Protocol):
    """Where the client keeps what it learned about an endpoint (the store: shared by the replicas)."""

    async def endpoint_profile(self, endpoint: str) -> str | None:
        """The remembered profile (JSON), if any."""

    async def remember_endpoint(self, endpoint: str, profile: str) -> None:
        """Remember a profile (JSON)."""


class ChatClient:
    """Structured-output chat calls against any OpenAI-compatible endpoint.

    What the endpoint accepts (bot.llm.structured.Profile) is learned from its refusals, once per
    base URL and model, and remembered in `memory`; callers never learn which server it is.
    """

    def __init__(self, settings: Settings, memory: EndpointMemory | None = None) -> None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        self.model = settings.openai_model
        # The most one call may take, the SDK's retries included: a reader hears back within it.
        self.total_timeout = settings.openai_total_timeout
        self.queue_timeout = QUEUE_TIMEOUT_SHARE * settings.openai_total_timeout  # the longest wait for a turn
        # The endpoint's context window: from the settings, lowered when the server says it is smaller.
        self.context_tokens = settings.context_tokens
        base_url = str(settings.openai_base_url) if settings.openai_base_url else None
        self._options: dict[str, Any] = {
            # Local servers (Ollama, llama.cpp) accept any key; the SDK insists on one.
            "api_key": key or "not-needed",
            "base_url": base_url,
            "timeout": settings.openai_timeout,
            "max_retries": settings.openai_max_retries,
        }
        self.structured = settings.openai_structured
        self.temperature = settings.openai_temperature
        self.reasoning = structured.is_reasoning(self.model, settings.openai_reasoning_effort)
        self.effort = settings.openai_reasoning_effort or ("low" if self.reasoning else None)
        self._default = structured.default_profile(
            base_url, self.model, settings.openai_reasoning_effort, settings.openai_structured
        )
        self._endpoint = endpoint_id(base_url, f"{self.model}|{settings.openai_reasoning_effort or ''}")
        self._memory = memory
        self._profile: Profile | None = None
        self._counter = TokenCounter(self.model)
        self._truncation_told = False
        self._cut_at: int | None = None  # the prompt tokens a server reported when it cut a prompt
        # Until one call succeeded, calls go one at a time: the first finds out what the endpoint takes.
        self._settled = settings.openai_structured != "auto"
        self._probing = asyncio.Lock()
        self._sdk: AsyncOpenAI | None = None
        # At most LLM_CONCURRENCY calls in flight from this process; the rest wait their turn (a crowd
        # of new articles queues here instead of provoking a storm of 429s at the endpoint).
        self._gate = asyncio.Semaphore(settings.llm_concurrency)

    @property
    def _client(self) -> AsyncOpenAI:
        """The SDK client, made (and the SDK imported) on first use."""
        if self._sdk is None:
            from openai import AsyncOpenAI, DefaultAsyncHttpxClient

            # Every 429 is counted, also those the SDK retries by itself.
            http = DefaultAsyncHttpxClient(event_hooks={"response": [count_429]})
            self._sdk = AsyncOpenAI(**self._options, http_client=http)
        return self._sdk

    @property
    def reasoning_room(self) -> int:
        """Output tokens a reasoning model may think with, on top of its answer (a quarter of a small window)."""
        return min(REASONING_ROOM, self.context_tokens // 4) if self.reasoning else 0

    def warm_up(self) -> None:
        """Import the SDK and make its client now (blocking: the bot calls it in a thread at start)."""
        _ = self._client

    def learn_context(self, limit: int) -> None:
        """Remember a smaller context window the server reported."""
        if limit < self.context_tokens:
            log.warning("the model server's context window is %d tokens, not %d", limit, self.context_tokens)
            self.context_tokens = limit

    async def close(self) -> None:
        """Close the HTTP connection pool (if a request ever opened one)."""
        if self._sdk is not None:
            await self._sdk.close()

    async def profile(self) -> Profile:
        """What the endpoint accepts, as far as the bot knows (remembered, else the defaults to try)."""
        if self._profile is None:
            remembered = None
            if self._memory is not None and self.structured == "auto":
                remembered = Profile.from_json(await self._memory.endpoint_profile(self._endpoint))
            if remembered is not None:
                self._settled = True
                if self.reasoning:  # OPENAI_REASONING_EFFORT may have been set since: never a temperature then
                    remembered = remembered.but(temperature=False)
            self._profile = remembered or self._default
        return self._profile

    async def _learn(self, profile: Profile) -> None:
        if profile != self._profile:
            log.info("the model endpoint takes %s (output cap %s)", profile.mode, profile.cap_param)
        self._profile = profile
        if self._memory is not None and self.structured == "auto":  # a forced mode is the settings', not learned
            await self._memory.remember_endpoint(self._endpoint, profile.to_json())

    async def negotiate(self) -> str:
        """Find the structured-output mode the endpoint supports, with one small real call (naba doctor)."""
        messages = [{"role": "system", "content": "Give a headline and a summary of the text, in Arabic and English."}]
        messages.append({"role": "user", "content": "قال المتحدث إن الاجتماع انتهى."})
        await self.parse(messages, Headline, 300)
        return (await self.profile()).mode

    async def list_models(self) -> list[str] | None:
        """The model names the endpoint lists (None when it has no models endpoint)."""
        import openai

        try:
            page = await self._client.models.list()
        except openai.NotFoundError:
            return None
        except openai.OpenAIError as exc:
            raise translate(exc) from exc
        return [model.id async for model in page]

    async def parse(self, messages: list[dict[str, str]], schema: type[T], max_output_tokens: int) -> Completion[T]:
        """One structured answer to `messages`, validated as `schema`, whatever the server supports.

        In `auto`, a server that refuses (or ignores) the JSON schema is asked in json_object mode
        with the schema in the prompt, then with a forced tool call, and what worked is remembered.
        An answer cut at the output cap is asked again once with twice the cap; one that parses but
        breaks the schema gets one repair call. A prompt the server read only part of (it reports
        clearly fewer prompt tokens than were sent) raises ContextExceeded with the window it read.
        """
        if not self._settled:
            async with self._probing:  # what the endpoint takes is found out once, not by every call at once
                if not self._settled:
                    return await self._parse(messages, schema, max_output_tokens)
        return await self._parse(messages, schema, max_output_tokens)

    async def _parse(self, messages: list[dict[str, str]], schema: type[T], max_output_tokens: int) -> Completion[T]:
        profile = await self.profile()
        sent = self._prompt_tokens(messages, schema, profile)
        # The cap never asks for more than the window leaves after the prompt (a reasoning model's room
        # included), so a small server's window is not mistaken for too small.
        room = max(max_output_tokens, self.context_tokens - sent - CAP_MARGIN)
        cap = min(max_output_tokens + self.reasoning_room, room)
        conversation = list(messages)
        usage = Usage()
        longer = repaired = False
        # A profile found through the server's refusals is remembered; one guessed from a glitch is not.
        learnable = True
        tried: set[str] = {f"cap:{profile.cap_param}"}  # modes and output-cap names asked for so far
        while True:
            tried.add(profile.mode)
            try:
                answer = await self._call(conversation, schema, profile, cap)
            except _Rejected as refused:
                profile = self._next_profile(profile, refused.option, tried, refused.error)
                continue
            except ContextExceeded as exc:
                if longer:  # the larger cap did not fit: the answer is too long for one call, not the window too small
                    raise _spent(OutputTruncated("the model's answer was cut off at the output limit"), usage) from exc
                raise
            usage += answer.usage
            if not longer and not repaired:  # a retry's or a repair's prompt is partly cached on some servers
                self._check_prompt(self._prompt_tokens(conversation, schema, profile), answer, usage)
            if answer.finish_reason == "length":
                if not longer and room > cap:
                    longer, cap = True, min(cap * 2, room)
                    continue
                raise _spent(OutputTruncated("the model's answer was cut off at the output limit"), usage)
            if answer.finish_reason == "content_filter":
                raise _spent(LLMRefused("the endpoint's content filter stopped the answer"), usage)
            if answer.refusal:
                raise _spent(LLMRefused(f"the model refused: {answer.refusal[:200]}"), usage)
            data = structured.extract_json(answer.text)
            if data is None:
                if self.structured == "auto" and profile.mode == "json_schema" and "json_object" not in tried:
                    profile, learnable = profile.but(mode="json_object"), False  # it ignored the schema this time
                    continue
                raise _spent(LLMBadOutput(f"the model's answer was not the {schema.__name__} JSON"), usage)
            try:
                value = schema.model_validate(data)
            except pydantic.ValidationError as exc:
                if repaired:
                    error = LLMBadOutput(f"the model's answer did not match the {schema.__name__} schema")
                    raise _spent(error, usage) from exc
                repaired = True
                conversation = [
                    *messages,
                    {"role": "assistant", "content": answer.text or ""},
                    {"role": "user", "content": structured.REPAIR.format(error=_brief_error(exc))},
                ]
                continue
            if profile != self._profile and learnable:
                await self._learn(profile)
            self._settled = True
            return Completion(value, usage)

    def _prompt_tokens(self, messages: list[dict[str, str]], schema: type[T], profile: Profile) -> int:
        """The prompt tokens of a request as the bot counts them (the schema too where it is in the prompt)."""
        sent = self._counter.count_messages(messages)
        if profile.mode in ("json_object", "tools"):
            sent += self._counter.count(schema_json(schema))
        return sent

    def _next_profile(self, profile: Profile, option: str, tried: set[str], error: LLMError) -> Profile:
        """The profile to try after the server refused one of its options (or raise: nothing left to try)."""
        if option == "cap":
            other = "max_tokens" if profile.cap_param == "max_completion_tokens" else "max_completion_tokens"
            if f"cap:{other}" in tried:
                raise error
            tried.add(f"cap:{other}")
            return profile.but(cap_param=other)
        if option == "temperature" and profile.temperature:
            return profile.but(temperature=False)
        if option == "effort" and profile.effort:
            return profile.but(effort=False)
        if option == "mode" and self.structured != "auto":
            raise unbilled(
                LLMError(
                    f"the model server refuses {profile.mode} output: set OPENAI_STRUCTURED=auto (or another mode)"
                )
            )
        if option == "mode":
            for mode in structured.MODES:
                if mode not in tried:
                    return profile.but(mode=mode)
            raise unbilled(
                LLMError(
                    "the model server accepts none of JSON schema, JSON mode or tool calls: "
                    "use a model that supports structured output"
                )
            )
        raise error

    def _check_prompt(self, sent: int, answer: _Answer, usage: Usage) -> None:
        """Raise ContextExceeded when the server read clearly less of the prompt than was sent (Ollama
        keeps the start and the end of a prompt longer than its num_ctx, reports what it kept, answers).

        Not judged: a server that reports no figure (or 0: a cached prompt), counts only estimated
        here (no tiktoken encoding), and, once a cut was seen, figures not at that same ceiling (a
        tokenizer that counts differently would otherwise shrink the window at every re-split).
        """
        reported = answer.prompt_tokens
        if not reported or reported <= 0 or not self._counter.exact:
            return
        if not structured.looks_cut(sent, reported):
            return
        if self._cut_at is not None and reported < self._cut_at - CUT_CEILING:
            return
        self._cut_at = reported
        if not self._truncation_told:
            self._truncation_told = True
            log.warning(
                "the model server read only %d of the %d prompt tokens sent (it cut the prompt): set "
                "OPENAI_CONTEXT_TOKENS to its real window, and for Ollama raise its context (num_ctx, or "
                "OLLAMA_CONTEXT_LENGTH); articles are split to fit meanwhile",
                reported,
                sent,
            )
        raise _spent(ContextExceeded("the model server cut the prompt", reported), usage)

    async def _call(self, messages: list[dict[str, str]], schema: type[T], profile: Profile, cap: int) -> _Answer:
        """One request to the endpoint, in `profile`'s way; the server's refusal of an option is _Rejected."""
        import openai

        name = schema.__name__
        body = messages
        if profile.mode == "json_object":
            body = structured.with_schema_in_prompt(messages, name, schema_json(schema))
        options = structured.request_options(
            profile, name, strict_schema(schema), cap, temperature=self.temperature, effort=self.effort
        )
        try:
            # A turn comes within queue_timeout, or the reader hears the bot is busy: a waiting call
            # must not outlive the analysis lock another replica respects (ArticlePipeline).
            async with asyncio.timeout(self.queue_timeout):
                await self._gate.acquire()
        except TimeoutError:
            raise unbilled(LLMRateLimited("every model call slot stayed busy")) from None
        started: float | None = None
        try:
            async with asyncio.timeout(self.total_timeout):
                started = time.perf_counter()
                completion = await self._client.chat.completions.create(
                    model=self.model,
                    messages=body,  # type: ignore[arg-type]
                    **options,
                )
        except TimeoutError as exc:
            late = LLMUnavailable(f"the model endpoint did not answer within {self.total_timeout:.0f} s")
            raise failed(late) from exc
        except openai.APIStatusError as exc:
            message = error_message(exc)
            option = structured.rejected_option(exc.status_code, message, getattr(exc, "param", None), profile.mode)
            if option is not None and not is_context_error(exc, message):
                # Part of finding out what the server takes (once per endpoint): not an error yet.
                log.info("the model endpoint refused the request's %s (%s): %s", option, exc.status_code, message)
                refused = unbilled(LLMError(f"the model endpoint refused the request ({exc.status_code})"))
                raise _Rejected(option, refused) from exc
            raise failed(translate(exc)) from exc
        except openai.OpenAIError as exc:
            raise failed(translate(exc)) from exc
        finally:
            self._gate.release()
            if started is not None:
                metrics.MODEL_SECONDS.observe(time.perf_counter() - started)
        return _answer_of(completion, profile.mode)


@dataclass
class _Answer:
    """What one call brought back."""

    text: str | None
    refusal: str | None
    finish_reason: str | None
    usage: Usage
    prompt_tokens: int | None


class _Rejected(Exception):
    """The server refused one option of the request (the structured mode, the cap's name, temperature)."""

    def __init__(self, option: str, error: LLMError) -> None:
        super().__init__(option)
        self.option = option
        self.error = error


def _answer_of(completion: Any, mode: str) -> _Answer:
    choice = completion.choices[0]
    message = choice.message
    text = message.content
    if mode == "tools" and getattr(message, "tool_calls", None):
        text = message.tool_calls[0].function.arguments
    elif not text and getattr(message, "tool_calls", None):
        text = message.tool_calls[0].function.arguments  # a server that answers with a tool call anyway
    usage = Usage(calls=1)
    reported = None
    if completion.usage is not None:
        reported = completion.usage.prompt_tokens
        usage = Usage(
            prompt_tokens=completion.usage.prompt_tokens or 0,
            completion_tokens=completion.usage.completion_tokens or 0,
            calls=1,
        )
    count(usage)
    return _Answer(text, getattr(message, "refusal", None), choice.finish_reason, usage, reported)


def _spent(error: LLMError, usage: Usage) -> LLMError:
    """An error raised after answered calls, with what they cost (budgets charge it; see failure_cost)."""
    error.usage = usage
    return error


def _brief_error(exc: pydantic.ValidationError) -> str:
    """The validation errors in a few lines (what the repair call tells the model)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'root'}: {error['msg']}" for error in exc.errors()[:8]
    )
