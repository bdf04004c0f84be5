"""What a model server accepts, and how to ask it for JSON: pure helpers of the chat client.

Servers differ: OpenAI and vLLM take a strict JSON schema, some only `json_object` (the schema then
goes in the prompt), some only a forced tool call; OpenAI's newer models want `max_completion_tokens`
where Ollama and older vLLM only read `max_tokens`; reasoning models refuse `temperature`. A
`Profile` says what one endpoint takes; the client learns it from the server's refusals and
remembers it (in Redis, per base URL and model), so nothing above bot/llm knows which server it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

MODES = ("json_schema", "json_object", "tools")
SCHEMA_PARAGRAPH = "Reply with one JSON object only, valid against this JSON schema named {name}:\n{schema}"
REPAIR = (
    "Your JSON did not match the schema: {error}\n"
    "Reply again with the whole corrected JSON object only, valid against the schema."
)
_REASONING_MODEL = re.compile(r"^(gpt-5(?!-chat)|o1|o3|o4)(\b|[-_.])", re.IGNORECASE)  # gpt-5-chat does not reason
OPENAI_HOSTS = ("api.openai.com", "openai.azure.com", "cognitiveservices.azure.com")  # and their subdomains
_OPENAI_HOSTS = re.compile(r"(^|\.)(" + "|".join(re.escape(host) for host in OPENAI_HOSTS) + ")$")


@dataclass(frozen=True)
class Profile:
    """What one endpoint accepts: the structured-output mode, the name of the output cap, temperature."""

    mode: str = "json_schema"
    cap_param: str = "max_tokens"
    temperature: bool = True
    effort: bool = True  # reasoning_effort is sent (when there is one to send)

    def to_json(self) -> str:
        """As kept in Redis."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> Profile | None:
        """A remembered profile (None when missing or unreadable)."""
        try:
            data = json.loads(raw) if raw else None
            profile = cls(**data) if isinstance(data, dict) else None
        except (TypeError, ValueError):
            return None
        return profile if profile is not None and profile.mode in MODES else None

    def but(self, **changes: Any) -> Profile:
        """This profile with some fields changed."""
        return replace(self, **changes)


def is_openai(base_url: str | None) -> bool:
    """OpenAI itself (no base URL) or Azure OpenAI: servers that want `max_completion_tokens`."""
    if not base_url:
        return True
    host = re.sub(r"^[a-z]+://", "", base_url.lower()).split("/", 1)[0].split(":", 1)[0]
    return bool(_OPENAI_HOSTS.search(host))


def is_reasoning(model: str, effort: str | None) -> bool:
    """A reasoning model (gpt-5*, o1/o3/o4*), or any model when OPENAI_REASONING_EFFORT is set."""
    return effort is not None or bool(_REASONING_MODEL.match(model.rsplit("/", 1)[-1]))


def default_profile(base_url: str | None, model: str, effort: str | None, structured: str) -> Profile:
    """What to try first on an endpoint nothing is known about yet."""
    return Profile(
        mode="json_schema" if structured == "auto" else structured,
        cap_param="max_completion_tokens" if is_openai(base_url) else "max_tokens",
        temperature=not is_reasoning(model, effort),
    )


def request_options(
    profile: Profile, name: str, schema: dict[str, Any], cap: int, *, temperature: float, effort: str | None
) -> dict[str, Any]:
    """The arguments of one chat request beyond model and messages, for `profile`'s mode."""
    options: dict[str, Any] = {profile.cap_param: cap}
    if profile.temperature:
        options["temperature"] = temperature
    if effort is not None and profile.effort:
        options["reasoning_effort"] = effort
    if profile.mode == "json_schema":
        options["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
    elif profile.mode == "json_object":
        options["response_format"] = {"type": "json_object"}
    else:
        options["tools"] = [
            {"type": "function", "function": {"name": name, "description": f"Return the {name}.", "parameters": schema}}
        ]
        options["tool_choice"] = {"type": "function", "function": {"name": name}}
    return options


def with_schema_in_prompt(messages: list[dict[str, str]], name: str, schema: str) -> list[dict[str, str]]:
    """The messages with the schema appended to the (last) system message, for `json_object` mode."""
    paragraph = SCHEMA_PARAGRAPH.format(name=name, schema=schema)
    out = [dict(m) for m in messages]
    for message in reversed(out):
        if message.get("role") == "system":
            message["content"] = f"{message['content']}\n\n{paragraph}"
            return out
    return [{"role": "system", "content": paragraph}, *out]


def extract_json(text: str | None) -> Any:
    """The JSON object in an answer: the whole text, or the object inside prose or a ```json fence; else None."""
    if not text or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        return json.loads(text[start : end + 1])
    except ValueError:
        return None


# A prompt the server read only part of: it reports clearly fewer tokens than were sent. Tokenizers
# differ (most count Arabic higher than o200k_base, which the bot counts with; a few Arabic-first
# ones count fewer), so only a clear gap counts: half as many, or 10 % fewer when the figure sits
# just under a usual context size (Ollama reports its num_ctx when it cut the prompt); and never a
# gap under CUT_MARGIN tokens.
CUT_SHARE, CUT_SHARE_AT_WINDOW, CUT_MARGIN = 0.5, 0.9, 256
USUAL_WINDOWS = tuple(2**n for n in range(11, 18))  # 2048 … 131072


def looks_cut(sent: int, reported: int) -> bool:
    """True when a server reporting `reported` prompt tokens for a prompt of `sent` (counted here) cut it."""
    if sent - reported < CUT_MARGIN:
        return False
    if reported < sent * CUT_SHARE:
        return True
    at_window = any(window - 64 <= reported <= window for window in USUAL_WINDOWS)
    return at_window and reported < sent * CUT_SHARE_AT_WINDOW


def rejected_option(status: int, message: str, param: str | None, mode: str) -> str | None:
    """Which option a 400 refused: "mode" (the structured output), "cap" (the output cap's name),
    "temperature", "effort" (reasoning_effort), or None when the refusal is about something else."""
    if status not in (400, 422):
        return None
    text = f"{param or ''} {message}".lower()
    if "max_completion_tokens" in text or ("max_tokens" in text and "not supported" in text):
        return "cap"
    if "temperature" in text and ("unsupported" in text or "not support" in text or "only the default" in text):
        return "temperature"
    if "reasoning_effort" in text or "reasoning effort" in text:
        return "effort"
    words = {
        "json_schema": ("response_format", "json_schema", "structured output"),
        "json_object": ("response_format", "json_object", "json mode"),
        "tools": ("tool", "function"),
    }[mode]
    return "mode" if any(word in text for word in words) else None
