"""The OpenAI-compatible chat client: the only module that imports `openai`.

Retries and timeouts are the SDK's own (`max_retries`, `timeout`); every failure leaves this
module as one of the bot's error types from `bot.errors`. The SDK takes about a second to import,
so it is imported on the first request (or schema), not with this module: a command that refuses
its input or answers from the cache never loads it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pydantic

from bot import metrics
from bot.config import Settings
from bot.errors import (
    LLMAuthError,
    LLMBadOutput,
    LLMError,
    LLMRateLimited,
    LLMRefused,
    LLMUnavailable,
)
from bot.models import Usage

if TYPE_CHECKING:
    import httpx
    import openai
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

T = TypeVar("T", bound=pydantic.BaseModel)
QUEUE_TIMEOUT_SHARE = 2  # a call waits at most this many total timeouts for one of the LLM_CONCURRENCY slots

_LIMIT_PATTERNS = (
    re.compile(r"maximum context length is (\d+)", re.IGNORECASE),  # OpenAI, vLLM, Azure
    re.compile(r"context (?:length|window|size)(?: of| is|:)? \(?(\d+)", re.IGNORECASE),
    re.compile(r"n_ctx(?:_slot)?\W+(\d+)", re.IGNORECASE),  # llama.cpp
)
_CONTEXT_WORDS = re.compile(
    r"context[_ ]length|context size|context window|maximum context|exceed_context_size|too many tokens"
    r"|prompt is too long|input is too long",
    re.IGNORECASE,
)


class ContextExceeded(LLMError):
    """The server rejected the prompt as longer than its context window (handled by the caller)."""

    key = "error_llm_context"

    def __init__(self, message: str, limit: int | None) -> None:
        super().__init__(message)
        self.limit = limit


class OutputTruncated(LLMBadOutput):
    """The answer hit the output-token limit before the JSON was complete."""


@dataclass
class Completion(Generic[T]):
    """A parsed answer and what it cost."""

    value: T
    usage: Usage


def schema_json(schema: type[pydantic.BaseModel]) -> str:
    """The strict JSON schema the SDK sends for `schema`, compact (to count its tokens)."""
    from openai.lib._pydantic import to_strict_json_schema

    return json.dumps(to_strict_json_schema(schema), separators=(",", ":"), ensure_ascii=False)


class ChatClient:
    """Structured-output chat calls against any OpenAI-compatible endpoint."""

    def __init__(self, settings: Settings) -> None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        self.model = settings.openai_model
        # The most one call may take, the SDK's retries included: a reader hears back within it.
        self.total_timeout = settings.openai_total_timeout
        self.queue_timeout = QUEUE_TIMEOUT_SHARE * settings.openai_total_timeout  # the longest wait for a turn
        # The endpoint's context window: from the settings, lowered when the server says it is smaller.
        self.context_tokens = settings.context_tokens
        self._options: dict[str, Any] = {
            # Local servers (Ollama, llama.cpp) accept any key; the SDK insists on one.
            "api_key": key or "not-needed",
            "base_url": str(settings.openai_base_url) if settings.openai_base_url else None,
            "timeout": settings.openai_timeout,
            "max_retries": settings.openai_max_retries,
        }
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
            http = DefaultAsyncHttpxClient(event_hooks={"response": [_count_429]})
            self._sdk = AsyncOpenAI(**self._options, http_client=http)
        return self._sdk

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

    async def parse(self, messages: list[dict[str, str]], schema: type[T], max_output_tokens: int) -> Completion[T]:
        """Send one chat request with `schema` as strict structured output; return the validated object."""
        import openai

        try:
            # A turn comes within queue_timeout, or the reader hears the bot is busy: a waiting call
            # must not outlive the analysis lock another replica respects (ArticlePipeline).
            async with asyncio.timeout(self.queue_timeout):
                await self._gate.acquire()
        except TimeoutError:
            raise _unbilled(LLMRateLimited("every model call slot stayed busy")) from None
        started: float | None = None
        try:
            async with asyncio.timeout(self.total_timeout):
                started = time.perf_counter()
                completion = await self._client.chat.completions.parse(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    response_format=schema,
                    max_completion_tokens=max_output_tokens,
                )
        except TimeoutError as exc:
            late = LLMUnavailable(f"the model endpoint did not answer within {self.total_timeout:.0f} s")
            raise _failed(late) from exc
        except openai.LengthFinishReasonError as exc:
            raise _failed(OutputTruncated("the model's answer was cut off at the output limit")) from exc
        except openai.ContentFilterFinishReasonError as exc:
            raise _failed(LLMRefused("the endpoint's content filter stopped the answer")) from exc
        except (pydantic.ValidationError, json.JSONDecodeError, ValueError) as exc:
            raise _failed(LLMBadOutput(f"the model's answer did not match the {schema.__name__} schema")) from exc
        except openai.OpenAIError as exc:
            raise _failed(_translate(exc)) from exc
        finally:
            self._gate.release()
            if started is not None:
                metrics.MODEL_SECONDS.observe(time.perf_counter() - started)
        choice = completion.choices[0]
        usage = Usage(calls=1)
        if completion.usage is not None:
            usage = Usage(
                prompt_tokens=completion.usage.prompt_tokens,
                completion_tokens=completion.usage.completion_tokens,
                calls=1,
            )
        _count(usage)
        if choice.message.refusal:
            raise LLMRefused(f"the model refused: {choice.message.refusal[:200]}")
        if choice.message.parsed is None:
            raise LLMBadOutput("the model returned no content")
        return Completion(choice.message.parsed, usage)


def _failed(error: LLMError) -> LLMError:
    """Count a call that brought no answer."""
    metrics.MODEL_CALLS.labels(outcome="error").inc()
    metrics.record(metrics.Event.MODEL_CALL)
    return error


def _count(usage: Usage) -> None:
    """Count a call that was answered, and its tokens."""
    metrics.MODEL_CALLS.labels(outcome="ok").inc()
    metrics.TOKENS.labels(direction="input").inc(usage.prompt_tokens)
    metrics.TOKENS.labels(direction="output").inc(usage.completion_tokens)
    metrics.record(metrics.Event.MODEL_CALL)
    metrics.record(metrics.Event.PROMPT_TOKENS, usage.prompt_tokens)
    metrics.record(metrics.Event.COMPLETION_TOKENS, usage.completion_tokens)


async def _count_429(response: httpx.Response) -> None:
    """httpx response hook: count every 429 the endpoint sends (the SDK retries some by itself)."""
    if response.status_code == 429:
        metrics.RATE_LIMITED.labels(server="model").inc()


def _translate(exc: openai.OpenAIError) -> LLMError:
    """Map an SDK error (after the SDK's own retries) to one of the bot's error types."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailable("the model endpoint timed out")
    if isinstance(exc, openai.APIConnectionError):
        return _unbilled(LLMUnavailable("the model endpoint cannot be reached"))
    if isinstance(exc, openai.RateLimitError):
        if getattr(exc, "code", None) == "insufficient_quota":
            log.error("the OpenAI account has no quota left: %s", exc.message)
            return LLMUnavailable("the model endpoint's quota is used up")
        return LLMRateLimited("the model endpoint keeps answering 429")
    if isinstance(exc, openai.APIStatusError):
        message = _error_message(exc)
        if exc.status_code in (400, 413, 422) and _is_context_error(exc, message):
            return _unbilled(ContextExceeded(message, _context_limit(exc, message)))
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError | openai.NotFoundError):
            log.error("the model endpoint rejected the request (%s): %s", exc.status_code, message)
            return _unbilled(
                LLMAuthError(f"the model endpoint said {exc.status_code}: check OPENAI_API_KEY and OPENAI_MODEL")
            )
        if exc.status_code >= 500:
            return LLMUnavailable(f"the model endpoint failed ({exc.status_code})")
        log.error("the model endpoint rejected the request (%s): %s", exc.status_code, message)
        return LLMError(f"the model endpoint rejected the request ({exc.status_code})")
    return LLMError(str(exc))


def _unbilled(error: LLMError) -> LLMError:
    """An error for a request no model worked on (nothing to pay for)."""
    error.billed = False
    return error


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return exc.message


def _is_context_error(exc: openai.APIStatusError, message: str) -> bool:
    code = getattr(exc, "code", None)
    kind = getattr(exc, "type", None)
    return (
        code == "context_length_exceeded" or kind == "exceed_context_size_error" or bool(_CONTEXT_WORDS.search(message))
    )


def _context_limit(exc: openai.APIStatusError, message: str) -> int | None:
    """The context window the server states, from its message or (llama.cpp) its error fields."""
    body: Any = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("n_ctx"), int):
            return int(inner["n_ctx"])
    for pattern in _LIMIT_PATTERNS:
        match = pattern.search(message)
        if match:
            return int(match.group(1))
    return None
