"""Server personalities for FakeOpenAI: how the model servers people run depart from OpenAI's API.

Set one with ``FakeOpenAI(personality="ollama")`` or ``fake.personality = "vllm"`` (a fresh
instance with default settings), or pass an instance for other settings, e.g.
``fake.personality = Ollama(num_ctx=4096)``. Each keeps what it did in plain attributes (e.g.
``Ollama.truncated``, ``BreaksSchema.broken``) for tests to assert on. Their 400s carry OpenAI's
error body, ``{"error": {"message", "type": "invalid_request_error", "param", "code"}}``, with the
wording the real servers use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tests.fakes.openai_api import (
    Personality,
    Reply,
    Request,
    _content_text,
    count_prompt_tokens,
    count_tokens,
    invalid_request,
)


class OpenAI(Personality):
    """OpenAI with a non-reasoning model: strict json_schema, json_object and tools all work (the default)."""

    name = "openai"


class NoJsonSchema(Personality):
    """A server (or an older model) without structured outputs: json_schema is a 400; json_object and tools work."""

    name = "no_json_schema"

    def reject(self, req: Request) -> Reply | None:
        if req.mode != "json_schema":
            return None
        return invalid_request(
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. "
            "Learn more about supported models at the Structured Outputs guide: "
            "https://platform.openai.com/docs/guides/structured-outputs",
            param="response_format",
        )


class ToolsOnly(Personality):
    """A server that knows function calling but no response_format at all: any response_format is a 400."""

    name = "tools_only"

    def reject(self, req: Request) -> Reply | None:
        fmt = req.body.get("response_format")
        if fmt is None or (isinstance(fmt, dict) and fmt.get("type") == "text"):
            return None
        return invalid_request(
            "Unsupported parameter: 'response_format' is not supported by this server. "
            "Use 'tools' with 'tool_choice' for structured output.",
            param="response_format",
            code="unsupported_parameter",
        )


class IgnoresFormat(Personality):
    """A server that drops response_format without a word: the model answers chatty, fenced JSON.

    A forced tool call is still honoured unless ``ignore_tools`` (then tools get prose too).
    """

    name = "ignores_format"

    def __init__(self, *, ignore_tools: bool = False) -> None:
        self.ignore_tools = ignore_tools
        self.wrapped = 0  # answers sent as prose

    def shape(self, req: Request, reply: Reply) -> Reply:
        if (req.mode == "tools" and not self.ignore_tools) or not reply.content:
            return reply
        try:
            obj = json.loads(reply.content)
        except ValueError:
            return reply
        self.wrapped += 1
        pretty = json.dumps(obj, ensure_ascii=False, indent=2)
        prose = f"Here is the analysis:\n```json\n{pretty}\n```\nHope this helps!"
        return replace(reply, content=prose, answer_as="content", completion_tokens=None)


class Ollama(Personality):
    """Ollama: takes every option, but a prompt longer than ``num_ctx`` is cut without an error.

    Like Ollama's runner it keeps the start (here: the whole system prompt) and the end of the
    text, dropping words from the beginning of the user message's <article> (or of the last user
    message); the model answers from what is left and ``usage.prompt_tokens`` reports the kept count.
    ``truncated`` lists (tokens sent, tokens kept) for each cut prompt.
    """

    name = "ollama"

    def __init__(self, num_ctx: int = 2048) -> None:
        self.num_ctx = num_ctx
        self.truncated: list[tuple[int, int]] = []

    def prepare(self, req: Request) -> Request:
        if req.prompt_tokens <= self.num_ctx:
            return req
        messages = [dict(m) for m in req.messages]
        users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
        with_article = [i for i in users if "<article>\n" in _content_text(messages[i].get("content"))]
        index = with_article[0] if with_article else (users or [len(messages) - 1])[-1]
        content = _content_text(messages[index].get("content"))
        found = re.search(r"<article>\n(.*?)\n</article>", content, re.DOTALL)
        head, body, tail = (
            (content[: found.start(1)], found.group(1), content[found.end(1) :]) if found else ("", content, "")
        )

        def fits(kept: str) -> bool:
            messages[index]["content"] = head + kept + tail
            return count_prompt_tokens(messages) <= self.num_ctx

        kept = _keep_tail(body, fits)
        messages[index]["content"] = head + kept + tail
        if (
            count_prompt_tokens(messages) > self.num_ctx
        ):  # the text alone did not make room: cut the system prompt's end
            system = next((i for i, m in enumerate(messages) if m.get("role") in ("system", "developer")), None)
            if system is not None:
                text = _content_text(messages[system].get("content"))

                def fits_system(kept: str) -> bool:
                    messages[system]["content"] = kept
                    return count_prompt_tokens(messages) <= self.num_ctx

                messages[system]["content"] = _keep_head(text, fits_system)
        seen = Request(body={**req.body, "messages": messages}, headers=req.headers, path=req.path)
        self.truncated.append((req.prompt_tokens, seen.prompt_tokens))
        return seen


class VLLM(Personality):
    """vLLM: a fixed context window; prompt + max_tokens beyond it is a 400 in vLLM's words."""

    name = "vllm"
    context_error_style = "vllm"

    def __init__(self, max_model_len: int = 4096) -> None:
        self.context_limit = max_model_len


class Reasoning(Personality):
    """A gpt-5-mini-like reasoning model on OpenAI's API.

    Refuses ``temperature`` other than 1 and ``max_tokens`` (wants ``max_completion_tokens``) with
    OpenAI's 400s; spends ``reasoning_tokens`` before the answer, out of the output cap: when the cap
    is below reasoning + answer, finish_reason "length" with empty content (usage shows the reasoning).
    ``exhaust_first``: the first answered request thinks until its whole cap is spent.
    """

    name = "reasoning"

    def __init__(self, reasoning_tokens: int = 1500, *, exhaust_first: bool = False) -> None:
        self.reasoning_tokens = reasoning_tokens
        self.exhaust_first = exhaust_first
        self.answered = 0
        self.cut_off = 0  # answers that ended at the cap while reasoning

    def reject(self, req: Request) -> Reply | None:
        if "max_tokens" in req.body:
            return invalid_request(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                param="max_tokens",
                code="unsupported_parameter",
            )
        temperature = req.body.get("temperature")
        if temperature is not None and temperature != 1:
            return invalid_request(
                f"Unsupported value: 'temperature' does not support {json.dumps(temperature)} with this model. "
                "Only the default (1) value is supported.",
                param="temperature",
                code="unsupported_value",
            )
        return None

    def shape(self, req: Request, reply: Reply) -> Reply:
        cap = req.body.get("max_completion_tokens")
        reasoning = self.reasoning_tokens
        if self.exhaust_first and self.answered == 0 and isinstance(cap, int):
            reasoning = cap
        self.answered += 1
        answer = count_tokens(reply.content or reply.refusal_text or "")
        if isinstance(cap, int) and cap < reasoning + answer:
            self.cut_off += 1
            return Reply(
                content="",
                finish_reason="length",
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=cap,
                reasoning_tokens=min(cap, reasoning),
                headers=reply.headers,
            )
        completion = None if reply.completion_tokens is None else reply.completion_tokens + reasoning
        return replace(reply, reasoning_tokens=reasoning, completion_tokens=completion)


class NoMaxCompletionTokens(Personality):
    """A server (older Azure API versions, older vLLM/proxies) that only knows ``max_tokens``."""

    name = "no_max_completion_tokens"

    def reject(self, req: Request) -> Reply | None:
        if "max_completion_tokens" not in req.body:
            return None
        return invalid_request("Unrecognized request argument supplied: max_completion_tokens")


class BreaksSchema(Personality):
    """A server without constrained decoding: its first ``times`` answers of ``schema_name`` are valid
    JSON that breaks the schema (quotes as one string, "language" missing); later ones are right."""

    name = "breaks_schema_once"

    def __init__(self, times: int = 1, schema_name: str = "Analysis") -> None:
        self.remaining = times
        self.schema_name = schema_name
        self.broken = 0

    def shape(self, req: Request, reply: Reply) -> Reply:
        if self.remaining <= 0 or req.schema_name != self.schema_name or not reply.content:
            return reply
        try:
            obj = json.loads(reply.content)
        except ValueError:
            return reply
        if not isinstance(obj, dict):
            return reply
        self.remaining -= 1
        self.broken += 1
        broken: dict[str, Any] = {key: value for key, value in obj.items() if key != "language"}
        quotes = obj.get("quotes")
        if isinstance(quotes, list):
            broken["quotes"] = " / ".join(str(q.get("text", "")) if isinstance(q, dict) else str(q) for q in quotes)
        return replace(reply, content=json.dumps(broken, ensure_ascii=False), completion_tokens=None)


PERSONALITIES: dict[str, type[Personality]] = {
    cls.name: cls
    for cls in (
        OpenAI,
        NoJsonSchema,
        ToolsOnly,
        IgnoresFormat,
        Ollama,
        VLLM,
        Reasoning,
        NoMaxCompletionTokens,
        BreaksSchema,
    )
}


def make_personality(name: str) -> Personality:
    """A fresh personality with its default settings."""
    if name not in PERSONALITIES:
        raise ValueError(f"unknown personality {name!r}; one of {', '.join(PERSONALITIES)}")
    return PERSONALITIES[name]()


def _words(text: str) -> list[str]:
    """``text`` in pieces that each start a word, so that any run of them joins back exactly."""
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece]


def _keep_tail(text: str, fits: Callable[[str], bool]) -> str:
    """The longest end of ``text`` (whole words) for which ``fits`` holds ("" when none does)."""
    pieces = _words(text)
    low, high = 0, len(pieces)  # drop pieces[:k]; the smallest k that fits
    while low < high:
        mid = (low + high) // 2
        if fits("".join(pieces[mid:])):
            high = mid
        else:
            low = mid + 1
    return "".join(pieces[low:])


def _keep_head(text: str, fits: Callable[[str], bool]) -> str:
    """The longest start of ``text`` (whole words) for which ``fits`` holds."""
    pieces = _words(text)
    low, high = 0, len(pieces)  # keep pieces[:k]; the largest k that fits
    while low < high:
        mid = (low + high + 1) // 2
        if fits("".join(pieces[:mid])):
            low = mid
        else:
            high = mid - 1
    return "".join(pieces[:low])
