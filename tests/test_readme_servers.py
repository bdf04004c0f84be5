"""The README's table of model servers: every row loads as settings, and the bot treats each server
as the table says (which output-cap parameter it gets first, which structured mode)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import load_settings
from bot.llm.structured import MODES, default_profile

README = Path(__file__).resolve().parent.parent / "README.md"


def rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    table = text.split("| server | `OPENAI_BASE_URL` |", 1)[1].split("\n\n", 1)[0]
    lines = [line for line in table.splitlines()[2:] if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def code(cell: str) -> str | None:
    match = re.search(r"`([^`]+)`", cell)
    return match.group(1) if match else None


def test_the_table_names_every_server_people_run() -> None:
    names = [row[0] for row in rows()]
    assert names == [
        "OpenAI",
        "Azure OpenAI",
        "OpenRouter",
        "Ollama",
        "vLLM",
        "llama.cpp (`llama-server`)",
        "LM Studio",
    ]


def test_each_row_loads_and_gets_the_right_output_cap() -> None:
    for name, base_url_cell, model_cell, _key, structured_cell, _context in rows():
        base_url = code(base_url_cell)
        if base_url is not None:
            base_url = base_url.replace("RESOURCE", "naba-test")
        model = (code(model_cell) or "some-model").split(",")[0]
        structured = code(structured_cell)
        assert structured in ("auto", *MODES), name
        settings = load_settings(
            _env_file=None, openai_base_url=base_url, openai_model=model, openai_structured=structured
        )
        profile = default_profile(
            str(settings.openai_base_url) if settings.openai_base_url else None, model, None, structured or "auto"
        )
        wants_completion_tokens = name in ("OpenAI", "Azure OpenAI")
        assert (profile.cap_param == "max_completion_tokens") is wants_completion_tokens, name


def test_the_ollama_row_says_to_raise_its_context() -> None:
    [ollama] = [row for row in rows() if row[0] == "Ollama"]
    assert "num_ctx" in ollama[5] and "11434" in ollama[1]
