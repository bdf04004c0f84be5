"""A scriptable fake of the OpenAI chat-completions HTTP API for the real ``openai`` client.

Point ``AsyncOpenAI(base_url=fake.base_url)`` (or ``OPENAI_BASE_URL`` in a subprocess) at it, then
``enqueue`` replies (consumed first, one per request) or ``set_responder`` a function of the request.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import ThreadedServer

CONTEXT_ERROR_STYLES = ("openai", "vllm", "llamacpp")


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
    def _json_schema(self) -> dict[str, Any] | None:
        fmt = self.body.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            return fmt.get("json_schema") or {}
        return None

    @property
    def schema_name(self) -> str | None:
        """``response_format.json_schema.name`` for json_schema requests."""
        spec = self._json_schema
        return None if spec is None else spec.get("name")

    @property
    def schema(self) -> dict[str, Any] | None:
        """``response_format.json_schema.schema`` for json_schema requests."""
        spec = self._json_schema
        return None if spec is None else spec.get("schema")


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
    ) -> None:
        super().__init__()
        if context_error_style not in CONTEXT_ERROR_STYLES:
            raise ValueError(f"context_error_style must be one of {CONTEXT_ERROR_STYLES}")
        self.responder = responder
        self.context_limit = context_limit
        self.context_error_style = context_error_style
        self.latency = latency
        self.api_key = api_key
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
        denied = self._unauthorized(request)
        if denied is not None:
            return denied
        data = [{"id": n, "object": "model", "created": 0, "owned_by": "fake"} for n in names]
        return self._json({"object": "list", "data": data})

    def _context_error(self, req: Request) -> web.Response | None:
        limit, n, max_tokens = self.context_limit, req.prompt_tokens, req.max_tokens
        if limit is None or n + max_tokens <= limit:
            return None
        body: dict[str, Any] = {"type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}
        head = f"This model's maximum context length is {limit} tokens. However, "
        if self.context_error_style == "openai":
            body["message"] = f"{head}your messages resulted in {n} tokens. Please reduce the length of the messages."
        elif self.context_error_style == "vllm":
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
            return await self._answer(request, req)
        finally:
            self._in_flight -= 1

    async def _answer(self, request: web.Request, req: Request) -> web.StreamResponse:
        denied = self._unauthorized(request) or self._context_error(req)
        if denied is not None:
            return denied
        reply = await self._reply_for(req)
        if self.latency or reply.delay:
            await asyncio.sleep(self.latency + reply.delay)
        if reply.kind == "disconnect":
            if request.transport is not None:
                request.transport.close()  # with handler_cancellation this also cancels us
            await asyncio.sleep(3600)
        if reply.kind == "error":
            return self._error(reply.status, reply.error_body or {}, reply.headers)
        return self._json(self._completion(req, reply), headers=reply.headers)

    def _completion(self, req: Request, reply: Reply) -> dict[str, Any]:
        text = reply.content if reply.content is not None else reply.refusal_text or ""
        prompt = req.prompt_tokens if reply.prompt_tokens is None else reply.prompt_tokens
        completion = count_tokens(text) if reply.completion_tokens is None else reply.completion_tokens
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.content,
            "refusal": reply.refusal_text,
            "annotations": [],
        }
        return {
            "id": f"chatcmpl-fake{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.model or "gpt-4o-mini",
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
            "system_fingerprint": "fp_fake",
        }
