"""The model server's failures as the bot's error types, and what is counted of each call.

Kept apart from the client (bot/llm/client.py), which stays the one place that sends requests;
the SDK is imported inside the functions that need it, as there.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.errors import (
    LLMAuthError,
    LLMBadOutput,
    LLMError,
    LLMRateLimited,
    LLMUnavailable,
)
from bot.models import Usage

if TYPE_CHECKING:
    import httpx
    import openai

log = logging.getLogger(__name__)

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
        self.usage = Usage()  # what the call cost when the server answered anyway (a cut prompt)


class OutputTruncated(LLMBadOutput):
    """The answer hit the output-token limit before the JSON was complete."""


def failed(error: LLMError) -> LLMError:
    """Count a call that brought no answer."""
    metrics.MODEL_CALLS.labels(outcome="error").inc()
    metrics.record(metrics.Event.MODEL_CALL)
    return error


def count(usage: Usage) -> None:
    """Count a call that was answered, and its tokens."""
    metrics.MODEL_CALLS.labels(outcome="ok").inc()
    metrics.TOKENS.labels(direction="input").inc(usage.prompt_tokens)
    metrics.TOKENS.labels(direction="output").inc(usage.completion_tokens)
    metrics.record(metrics.Event.MODEL_CALL)
    metrics.record(metrics.Event.PROMPT_TOKENS, usage.prompt_tokens)
    metrics.record(metrics.Event.COMPLETION_TOKENS, usage.completion_tokens)


async def count_429(response: httpx.Response) -> None:
    """httpx response hook: count every 429 the endpoint sends (the SDK retries some by itself)."""
    if response.status_code == 429:
        metrics.RATE_LIMITED.labels(server="model").inc()


def translate(exc: openai.OpenAIError) -> LLMError:
    """Map an SDK error (after the SDK's own retries) to one of the bot's error types."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailable("the model endpoint timed out")
    if isinstance(exc, openai.APIConnectionError):
        return unbilled(LLMUnavailable("the model endpoint cannot be reached"))
    if isinstance(exc, openai.RateLimitError):
        if getattr(exc, "code", None) == "insufficient_quota":
            log.error("the OpenAI account has no quota left: %s", exc.message)
            return LLMUnavailable("the model endpoint's quota is used up")
        return LLMRateLimited("the model endpoint keeps answering 429")
    if isinstance(exc, openai.APIStatusError):
        message = error_message(exc)
        if exc.status_code in (400, 413, 422) and is_context_error(exc, message):
            return unbilled(ContextExceeded(message, _context_limit(exc, message)))
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError | openai.NotFoundError):
            log.error("the model endpoint rejected the request (%s): %s", exc.status_code, message)
            return unbilled(
                LLMAuthError(f"the model endpoint said {exc.status_code}: check OPENAI_API_KEY and OPENAI_MODEL")
            )
        if exc.status_code >= 500:
            return LLMUnavailable(f"the model endpoint failed ({exc.status_code})")
        log.error("the model endpoint rejected the request (%s): %s", exc.status_code, message)
        return LLMError(f"the model endpoint rejected the request ({exc.status_code})")
    return LLMError(str(exc))


def unbilled(error: LLMError) -> LLMError:
    """An error for a request no model worked on (nothing to pay for)."""
    error.billed = False
    return error


def error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    return exc.message


def is_context_error(exc: openai.APIStatusError, message: str) -> bool:
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
