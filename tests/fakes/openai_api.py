"""A scriptable fake of the OpenAI chat-completions HTTP API for the real ``openai`` client.

Point ``AsyncOpenAI(base_url=fake.base_url)`` (or ``OPENAI_BASE_URL`` in a subprocess) at it, then
``enqueue`` replies (consumed first, one per request) or ``set_responder`` a function of the request.

A reply is sent in the structured-output mode the request asked for: content for ``json_schema`` and
``json_object`` (and plain) requests, a tool call for ``tools`` requests. ``personality`` makes the
fake behave like a particular kind of server (see tests/fakes/personalities.py): "openai" (the
default), "no_json_schema", "tools_only", "ignores_format", "ollama", "vllm", "reasoning",
"no_max_completion_tokens", "breaks_schema_once".
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import ThreadedServer

CONTEXT_ERROR_STYLES = ("openai", "vllm", "llamacpp")
# The paragraph a json_object request ends its last system message with (then the schema's JSON).
SCHEMA_IN_PROMPT = re.compile(r"Reply with one JSON object only, valid against this JSON schema named ([^\s:]+):\n")


@functools.cache
def _encoding() -> Any:
    """Return tiktoken's o200k_base encoding, or None when it cannot be loaded (e.g. offline)."""
    try:
        import tiktoken

        return tiktoken.get_encoding("o200k_base")
    except Exception:
        return None


def count_tokens(text: str) -> int:
    """Count tokens in ``text`` with o200k_base, falling back to a len/3 estimate."""
    enc = _encoding()
    if enc is None:
        return len(text) // 3
    return len(enc.encode(text, disallowed_special=()))


def _content_text(content: Any) -> str:
    """Flatten a message's content (a string or a list of parts) to plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def count_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """Count a chat prompt like OpenAI's cookbook: 3 per message + role/content/name tokens + 3."""
    total = 3
    for message in messages:
        total += 3 + count_tokens(str(message.get("role", "")))
        total += count_tokens(_content_text(message.get("content")))
        if message.get("name"):
            total += 1 + count_tokens(str(message["name"]))
    return total


@dataclass
class Reply:
    """What the server answers to one ``/v1/chat/completions`` request."""

    kind: str = "completion"  # completion | error | disconnect
    content: str | None = None
    refusal_text: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    status: int = 200
    error_body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reasoning_tokens: int | None = None  # reported in usage.completion_tokens_details
    answer_as: str | None = None  # "content" | "tool_call"; None: the request's mode decides

    @classmethod
    def json(
        cls,
        obj: Any,
        *,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        finish_reason: str = "stop",
        delay: float = 0.0,
    ) -> Reply:
        """Answer with ``json.dumps(obj)`` as the assistant message content."""
        return cls(
            content=json.dumps(obj, ensure_ascii=False),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=finish_reason,
            delay=delay,
        )

    @classmethod
    def text(cls, content: str, *, finish_reason: str = "stop", delay: float = 0.0) -> Reply:
        """Answer with raw content, e.g. truncated JSON or prose."""
        return cls(content=content, finish_reason=finish_reason, delay=delay)

    @classmethod
    def refusal(cls, message: str = "I'm sorry, I can't help with that.") -> Reply:
        """Answer with ``message.refusal`` set and null content."""
        return cls(refusal_text=message)

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        type: str = "server_error",
        code: str | None = None,
        retry_after: float | None = None,
    ) -> Reply:
        """Answer with an OpenAI error body; ``retry_after`` adds Retry-After and retry-after-ms."""
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
            headers["retry-after-ms"] = f"{retry_after * 1000:g}"
        body = {"message": message, "type": type, "param": None, "code": code}
        return cls(kind="error", status=status, error_body=body, headers=headers)

    @classmethod
    def rate_limited(cls, retry_after: float = 0.01) -> Reply:
        """Answer 429 rate_limit_exceeded with a short Retry-After."""
        return cls.error(
            429,
            "Rate limit reached. Please try again later.",
            type="requests",
            code="rate_limit_exceeded",
            retry_after=retry_after,
        )

    @classmethod
    def hang(cls, seconds: float = 3600) -> Reply:
        """Sleep ``seconds`` (then answer 504), so the client's timeout fires first."""
        reply = cls.error(504, "FakeOpenAI: hang elapsed", type="timeout")
        reply.delay = seconds
        return reply

    @classmethod
    def disconnect(cls) -> Reply:
        """Close the connection without sending any response."""
        return cls(kind="disconnect")


@dataclass
class Request:
    """One request the fake received: the decoded JSON body plus helpers."""

    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/v1/chat/completions"
    prompt_tokens: int = field(init=False, default=0)
    # What the model was shown when the server's personality changed the prompt (Ollama's truncation).
    model_view: Request | None = field(default=None, repr=False)
    status: int | None = None  # the HTTP status answered (None while in flight or when disconnected)
    reply: Reply | None = field(default=None, repr=False)  # the completion sent back, as shaped

    def __post_init__(self) -> None:
        self.prompt_tokens = count_prompt_tokens(self.messages) if self.messages else 0

    @property
    def model(self) -> str:
        """The requested model name."""
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent."""
        messages = self.body.get("messages")
        return messages if isinstance(messages, list) else []

    def _joined(self, *roles: str) -> str:
        return "\n".join(_content_text(m.get("content")) for m in self.messages if m.get("role") in roles)

    @property
    def system(self) -> str:
        """Concatenated system/developer message contents."""
        return self._joined("system", "developer")

    @property
    def user(self) -> str:
        """Concatenated user message contents."""
        return self._joined("user")

    @property
    def max_tokens(self) -> int:
        """``max_completion_tokens`` or ``max_tokens`` or 0."""
        return int(self.body.get("max_completion_tokens") or self.body.get("max_tokens") or 0)

    @property
    def cap_param(self) -> str | None:
        """Which output cap the request sent: "max_completion_tokens", "max_tokens" or None."""
        return next((p for p in ("max_completion_tokens", "max_tokens") if p in self.body), None)

    @property
    def mode(self) -> str | None:
        """The structured-output mode asked for: "json_schema", "json_object", "tools" or None."""
        fmt = self.body.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object"):
            return str(fmt["type"])
        return "tools" if self._tool is not None else None

    @property
    def _tool(self) -> dict[str, Any] | None:
        tools = self.body.get("tools")
        if isinstance(tools, list) and tools and isinstance(tools[0], dict):
            return tools[0].get("function") or {}
        return None

    @property
    def _schema_in_prompt(self) -> tuple[str, dict[str, Any] | None] | None:
        """NAME and schema from the json_object paragraph at the end of the last system message."""
        systems = [m for m in self.messages if m.get("role") in ("system", "developer")]
        text = _content_text(systems[-1].get("content")) if systems else ""
        matches = list(SCHEMA_IN_PROMPT.finditer(text))
        if not matches:
            return None
        match = matches[-1]
        try:
            schema, _ = json.JSONDecoder().raw_decode(text, match.end())
        except ValueError:
            schema = None
        return match.group(1), schema if isinstance(schema, dict) else None

    def _spec(self) -> tuple[str | None, dict[str, Any] | None]:
        mode = self.mode
        if mode == "json_schema":
            spec = self.body["response_format"].get("json_schema") or {}
            return spec.get("name"), spec.get("schema")
        if mode == "tools":
            tool = self._tool or {}
            return tool.get("name"), tool.get("parameters")
        if mode == "json_object":
            found = self._schema_in_prompt
            return found if found is not None else (None, None)
        return None, None

    @property
    def schema_name(self) -> str | None:
        """The schema's name in any mode: json_schema.name, tools[0].function.name, or from the prompt."""
        return self._spec()[0]

    @property
    def schema(self) -> dict[str, Any] | None:
        """The JSON schema in any mode (json_schema.schema, the tool's parameters, the prompt's schema)."""
        return self._spec()[1]

    @property
    def is_repair(self) -> bool:
        """A repair call: an assistant answer followed by a user message saying it broke the schema."""
        return any(m.get("role") == "assistant" for m in self.messages) and "did not match the schema" in (
            _content_text(self.messages[-1].get("content")) if self.messages else ""
        )


class Personality:
    """How a kind of model server departs from OpenAI's; the base class is OpenAI itself (strict json_schema).

    Subclasses (tests/fakes/personalities.py) override the hooks; the fake calls them in this order:
    ``reject`` (a 400 before anything else, the queue untouched), the context check with
    ``context_limit`` / ``context_error_style`` (when the fake sets none itself), ``prepare`` (what the
    model is shown), then ``shape`` (how the server sends the model's reply back).
    """

    name = "openai"
    context_limit: int | None = None
    context_error_style: str | None = None

    def reject(self, req: Request) -> Reply | None:
        """An error reply for a request this server refuses, else None."""
        return None

    def prepare(self, req: Request) -> Request:
        """The request as the model sees it."""
        return req

    def shape(self, req: Request, reply: Reply) -> Reply:
        """The reply as the server returns it."""
        return reply


def invalid_request(message: str, param: str | None = None, code: str | None = None, status: int = 400) -> Reply:
    """A 400 with OpenAI's invalid_request_error body."""
    reply = Reply.error(status, message, type="invalid_request_error", code=code)
    assert reply.error_body is not None
    reply.error_body["param"] = param
    return reply


Responder = Callable[[Request], Reply | Awaitable[Reply]]


class FakeOpenAI(ThreadedServer):
    """An OpenAI-compatible chat-completions server on 127.0.0.1, scripted per test."""

    def __init__(
        self,
        *,
        responder: Responder | None = None,
        context_limit: int | None = None,
        context_error_style: str = "openai",
        latency: float = 0.0,
        api_key: str | None = None,
        personality: str | Personality = "openai",
        models: tuple[str, ...] | None = None,
    ) -> None:
        """``models``: the only model names served (others get 404 model_not_found); None serves any."""
        self.personality = personality  # type: ignore[assignment]  # first: an unknown name raises here
        super().__init__()
        if context_error_style not in CONTEXT_ERROR_STYLES:
            raise ValueError(f"context_error_style must be one of {CONTEXT_ERROR_STYLES}")
        self.responder = responder
        self.context_limit = context_limit
        self.context_error_style = context_error_style
        self.latency = latency
        self.api_key = api_key
        self.models = models
        self.requests: list[Request] = []
        self.errors: list[BaseException] = []  # exceptions raised by the responder
        self.max_concurrent = 0
        self._in_flight = 0
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The URL to pass as the client's ``base_url``."""
        return f"{self.origin}/v1"

    @property
    def personality(self) -> Personality:
        """The kind of server emulated; set a name (see PERSONALITIES) or a Personality instance."""
        return self._personality

    @personality.setter
    def personality(self, value: str | Personality) -> None:
        if isinstance(value, str):
            from tests.fakes.personalities import make_personality

            value = make_personality(value)
        self._personality = value

    @property
    def calls(self) -> int:
        """How many chat-completion requests arrived."""
        return sum(1 for r in self.requests if r.path.endswith("/chat/completions"))

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies, consumed in order (one per request) before the responder."""
        with self._lock:
            self._queue.extend(replies)

    def set_responder(self, responder: Responder | None) -> None:
        """Replace the default answer used when the queue is empty."""
        self.responder = responder

    def reset(self) -> None:
        """Clear the queue, the recorded requests and the concurrency high-water mark."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.errors.clear()
            self.max_concurrent = 0

    def build_app(self) -> web.Application:
        """Serve the chat-completions and models endpoints."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        return app

    def _error(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
        return self._json({"error": body}, status=status, headers=headers)

    def _json(self, data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        headers = {"x-request-id": f"req_fake_{next(self._ids)}", **(headers or {})}
        text = json.dumps(data, ensure_ascii=False)
        return web.Response(text=text, status=status, content_type="application/json", headers=headers)

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        body = {
            "message": "Incorrect API key provided.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        return self._error(401, body)

    async def _models(self, request: web.Request) -> web.Response:
        with self._lock:
            self.requests.append(Request(body={}, headers=dict(request.headers), path=request.path))
            names = dict.fromkeys([*(r.model for r in self.requests if r.model), "gpt-4o-mini"])
        if self.models is not None:
            names = dict.fromkeys(self.models)
        denied = self._unauthorized(request)
        if denied is not None:
            return denied
        data = [{"id": n, "object": "model", "created": 0, "owned_by": "fake"} for n in names]
        return self._json({"object": "list", "data": data})

    def _unknown_model(self, req: Request) -> web.Response | None:
        if self.models is None or req.model in self.models:
            return None
        message = f"The model `{req.model}` does not exist or you do not have access to it."
        reply = invalid_request(message, code="model_not_found", status=404)
        return self._error(404, reply.error_body or {})

    def _context_error(self, req: Request) -> web.Response | None:
        limit = self.context_limit if self.context_limit is not None else self.personality.context_limit
        n, max_tokens = req.prompt_tokens, req.max_tokens
        if limit is None or n + max_tokens <= limit:
            return None
        style = self.personality.context_error_style or self.context_error_style
        body: dict[str, Any] = {"type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}
        head = f"This model's maximum context length is {limit} tokens. However, "
        if style == "openai":
            body["message"] = f"{head}your messages resulted in {n} tokens. Please reduce the length of the messages."
        elif style == "vllm":
            body["message"] = (
                f"{head}you requested {n + max_tokens} tokens ({n} in the messages, "
                f"{max_tokens} in the completion). "
                "Please reduce the length of the messages or completion."
            )
        else:  # llama.cpp tools/server: format_error_response(ERROR_TYPE_EXCEED_CONTEXT_SIZE) + counts
            body = {
                "code": 400,
                "type": "exceed_context_size_error",
                "n_prompt_tokens": n,
                "n_ctx": limit,
                "message": f"request ({n} tokens) exceeds the available context size ({limit} tokens), "
                "try increasing it",
            }
        return self._error(400, body)

    def _next_reply(self) -> Reply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    async def _reply_for(self, req: Request) -> Reply:
        reply = self._next_reply()
        if reply is not None:
            return reply
        if self.responder is None:
            return Reply.error(500, "FakeOpenAI: no reply queued and no responder set")
        try:
            result = self.responder(req)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            self.errors.append(exc)
            return Reply.error(500, f"FakeOpenAI responder raised {type(exc).__name__}: {exc}")
        return result

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        req = Request(body=body if isinstance(body, dict) else {}, headers=dict(request.headers), path=request.path)
        with self._lock:
            self.requests.append(req)
        if not isinstance(body, dict):
            return self._error(
                400,
                {
                    "message": "We could not parse the JSON body of your request.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                },
            )
        self._in_flight += 1  # only touched on the server loop's thread
        self.max_concurrent = max(self.max_concurrent, self._in_flight)
        try:
            response = await self._answer(request, req)
            req.status = response.status
            return response
        finally:
            self._in_flight -= 1

    async def _answer(self, request: web.Request, req: Request) -> web.StreamResponse:
        personality = self.personality
        denied = self._unauthorized(request) or self._unknown_model(req)
        if denied is not None:
            return denied
        refused = personality.reject(req)
        if refused is not None:
            return self._error(refused.status, refused.error_body or {}, refused.headers)
        denied = self._context_error(req)
        if denied is not None:
            return denied
        seen = personality.prepare(req)
        if seen is not req:
            req.model_view = seen
        reply = await self._reply_for(seen)
        if reply.kind == "completion":
            reply = personality.shape(seen, reply)
            req.reply = reply
        if self.latency or reply.delay:
            await asyncio.sleep(self.latency + reply.delay)
        if reply.kind == "disconnect":
            if request.transport is not None:
                request.transport.close()  # with handler_cancellation this also cancels us
            await asyncio.sleep(3600)
        if reply.kind == "error":
            return self._error(reply.status, reply.error_body or {}, reply.headers)
        return self._json(self._completion(seen, reply), headers=reply.headers)

    def _completion(self, req: Request, reply: Reply) -> dict[str, Any]:
        text = reply.content if reply.content is not None else reply.refusal_text or ""
        prompt = req.prompt_tokens if reply.prompt_tokens is None else reply.prompt_tokens
        completion = reply.completion_tokens
        if completion is None:
            completion = count_tokens(text) + (reply.reasoning_tokens or 0)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.content,
            "refusal": reply.refusal_text,
            "annotations": [],
        }
        finish_reason = reply.finish_reason
        answer_as = reply.answer_as or ("tool_call" if req.mode == "tools" else "content")
        if answer_as == "tool_call" and reply.content and reply.refusal_text is None:
            # A forced function call: the JSON is the call's arguments, the content null.
            function = {"name": req.schema_name or "answer", "arguments": reply.content}
            message["content"] = None
            message["tool_calls"] = [{"id": f"call_fake{len(self.requests)}", "type": "function", "function": function}]
            finish_reason = "tool_calls" if finish_reason == "stop" else finish_reason
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        if reply.reasoning_tokens is not None:
            usage["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
            usage["completion_tokens_details"] = {
                "reasoning_tokens": reply.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            }
        return {
            "id": f"chatcmpl-fake{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.model or "gpt-4o-mini",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
            "usage": usage,
            "system_fingerprint": "fp_fake",
        }
