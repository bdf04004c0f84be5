"""Settings through the real pydantic-settings: `.env` files, the environment, and what "empty" means."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from tests.conftest import REPO

EXAMPLE = REPO / ".env.example"


def test_the_env_example_as_copied_is_valid_and_changes_no_default(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    from_example = load_settings(_env_file=env)
    defaults = load_settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()
    assert from_example.openai_base_url is None and from_example.openai_context_tokens is None
    assert from_example.webhook_url is None and from_example.webhook_secret is None
    assert from_example.telegram_bot_token is None and from_example.redis_url is None


def test_the_env_example_documents_every_setting() -> None:
    keys = set(re.findall(r"^([A-Z_]+)=", EXAMPLE.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} - keys == set()


def test_empty_values_in_an_env_file_mean_unset(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "TELEGRAM_BOT_TOKEN=123456:filled-in-token\nOPENAI_BASE_URL=\nOPENAI_CONTEXT_TOKENS=\nWEBHOOK_URL=\n"
        "WEBHOOK_SECRET=\nOPENAI_TIMEOUT=\nALLOWED_USER_IDS=\nLOG_LEVEL=\n",
        encoding="utf-8",
    )
    settings = load_settings(_env_file=env)
    assert settings.telegram_bot_token is not None
    assert settings.openai_base_url is None and settings.openai_context_tokens is None
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.openai_timeout == 60 and settings.allowed_user_ids == [] and settings.log_level == "INFO"
    assert settings.context_tokens == 128_000


def test_an_empty_environment_variable_means_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("OPENAI_MODEL=qwen2.5:14b\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    monkeypatch.setenv("WEBHOOK_PORT", "")
    monkeypatch.setenv("OPENAI_MODEL", "")
    settings = load_settings(_env_file=env)
    assert settings.openai_base_url is None and settings.webhook_port == 8443
    assert settings.openai_model == "qwen2.5:14b"  # an empty variable does not hide the .env value


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_token_is_the_same_as_none(tmp_path: Path, blank: str) -> None:
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={blank}\nOPENAI_API_KEY={blank}\n", encoding="utf-8")
    settings = load_settings(_env_file=env)
    assert settings.telegram_bot_token is None and settings.openai_api_key is None


def test_a_pasted_token_loses_its_spaces(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text('TELEGRAM_BOT_TOKEN=" 123456:ABC-def "\n', encoding="utf-8")
    token = load_settings(_env_file=env).telegram_bot_token
    assert token is not None and token.get_secret_value() == "123456:ABC-def"


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"redis_url": "127.0.0.1:6379"}, "REDIS_URL"),
        ({"webhook_url": "https://naba.example.org/telegram"}, "WEBHOOK_SECRET"),
        ({"openai_context_tokens": "lots"}, "OPENAI_CONTEXT_TOKENS"),
        ({"telegram_base_url": "127.0.0.1:8081/bot"}, "TELEGRAM_BASE_URL"),
        ({"telegram_base_url": "http://127.0.0.1:8081"}, "TELEGRAM_BASE_URL"),
        ({"telegram_base_url": "http://127.0.0.1:8081/bot/"}, "TELEGRAM_BASE_URL"),
        ({"telegram_base_url": "http://127.0.0.1:port/bot"}, "TELEGRAM_BASE_URL"),
        ({"redis_url": "redis://127.0.0.1:notaport/0"}, "REDIS_URL"),
        ({"redis_url": "redis+cluster://127.0.0.1:7000/3"}, "REDIS_URL"),  # a cluster has database 0 only
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(values: dict[str, object], name: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None, **values)
    assert name in str(raised.value) and "\n" not in str(raised.value)


def test_a_redis_cluster_is_named_by_its_url() -> None:
    from bot.config import cluster_url

    for url in ("redis+cluster://127.0.0.1:7000", "rediss+cluster://u:p@db.example.org:6380/0"):
        assert load_settings(_env_file=None, redis_url=url).redis_url == url
    assert cluster_url("rediss+cluster://u:p@db.example.org:6380/0") == "rediss://u:p@db.example.org:6380/0"
    assert cluster_url("redis://127.0.0.1:6379/0") is None  # a single server stays one


def test_a_base_url_without_bot_names_the_example() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None, telegram_base_url="http://127.0.0.1:8081")
    example = Settings.model_fields["telegram_base_url"].default  # the public Bot API, as the example
    assert "TELEGRAM_BASE_URL" in str(raised.value) and example in str(raised.value)
    assert load_settings(_env_file=None, telegram_base_url="http://127.0.0.1:8081/bot").telegram_base_url


def test_whitespace_only_values_mean_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text('OPENAI_MODEL=qwen2.5:14b\nWEBHOOK_URL="  "\nOPENAI_TIMEOUT=" "\nLOG_LEVEL="\t"\n', encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", "  ")
    monkeypatch.setenv("WEBHOOK_PORT", " ")
    monkeypatch.setenv("OPENAI_MODEL", "   ")
    monkeypatch.setenv("REDIS_URL", " \t ")
    settings = load_settings(_env_file=env)
    assert settings.openai_base_url is None and settings.webhook_port == 8443 and settings.redis_url is None
    assert settings.webhook_url is None and settings.openai_timeout == 60 and settings.log_level == "INFO"
    assert settings.openai_model == "qwen2.5:14b"  # a blank variable does not hide the .env value


def test_a_non_utf8_env_file_is_a_config_error(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"OPENAI_MODEL=caf\xe9\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=env)
    assert "UTF-8" in str(raised.value) and str(env) in str(raised.value)
