"""What a model server accepts, decided without a server (bot.llm.structured)."""

from __future__ import annotations

import pytest

from bot.llm.structured import (
    OPENAI_HOSTS,
    Profile,
    default_profile,
    extract_json,
    is_openai,
    is_reasoning,
    looks_cut,
    rejected_option,
)


@pytest.mark.parametrize(
    ("sent", "reported", "cut"),
    [
        (2530, 2047, True),  # Ollama at num_ctx 2048, 19 % short: the figure sits just under a usual window
        (5000, 2048, True),  # far short of what was sent
        (3000, 2900, False),  # a tokenizer that counts a little less
        (2600, 2300, False),  # 12 % fewer, but nowhere near a usual window
        (5000, 3000, False),  # 40 % fewer: an Arabic-first tokenizer, not a cut
        (7000, 3000, True),  # less than half
        (400, 200, False),  # a small gap in tokens says nothing
        (2000, 2600, False),  # most tokenizers count Arabic higher than o200k_base
    ],
)
def test_a_cut_prompt_is_told_from_a_different_tokenizer(sent: int, reported: int, cut: bool) -> None:
    assert looks_cut(sent, reported) is cut


def test_json_is_found_in_prose_and_fences() -> None:
    assert extract_json('{"a": 1}') == {"a": 1}
    assert extract_json('Here it is:\n```json\n{"a": {"b": 2}}\n```\nHope this helps') == {"a": {"b": 2}}
    assert extract_json("I would rather not.") is None
    assert extract_json("") is None and extract_json(None) is None


def test_which_option_a_refusal_names() -> None:
    schema = "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
    assert rejected_option(400, schema, "response_format", "json_schema") == "mode"
    assert (
        rejected_option(400, "Unrecognized request argument supplied: max_completion_tokens", None, "json_schema")
        == "cap"
    )
    cap = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    assert rejected_option(400, cap, "max_tokens", "json_schema") == "cap"
    temperature = "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported."
    assert rejected_option(400, temperature, "temperature", "json_schema") == "temperature"
    assert rejected_option(400, "messages: field required", "messages", "json_schema") is None
    assert rejected_option(500, schema, "response_format", "json_schema") is None  # a server error is not a refusal


def test_openai_and_reasoning_models_are_recognised() -> None:
    openai_api, azure = OPENAI_HOSTS[0], OPENAI_HOSTS[1]  # names only: nothing here connects anywhere
    assert is_openai(None) and is_openai(f"https://{openai_api}/v1") and is_openai(f"https://naba.{azure}/openai/v1")
    assert not is_openai("http://127.0.0.1:11434/v1") and not is_openai("http://127.0.0.1:4000/openai/v1")
    assert is_reasoning("gpt-5-mini", None) and is_reasoning("o3", None) and is_reasoning("openai/o4-mini", None)
    assert not is_reasoning("gpt-4o-mini", None) and is_reasoning("qwen3:8b", "low")
    assert default_profile(None, "gpt-5", None, "auto") == Profile("json_schema", "max_completion_tokens", False)
    assert default_profile("http://127.0.0.1:8000/v1", "qwen2.5", None, "tools") == Profile("tools", "max_tokens", True)
    assert Profile.from_json(Profile("tools").to_json()) == Profile("tools") and Profile.from_json("{}") == Profile()
    assert Profile.from_json('{"mode": "xml"}') is None and Profile.from_json(b"not json") is None
