"""`naba doctor` as a newcomer runs it: a real process against the fake Bot API, the fake OpenAI
server and real Redis (or the embedded Valkey)."""

from __future__ import annotations

import json
import subprocess
import time

from bot.app.doctor import SAMPLE, SAMPLE_QUOTES, TITLES, looks_like_ollama
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram
from tests.test_cli import WRONG_TOKEN, _closed_port


def _lines(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The report's lines by check title (the mark and the title cut off the front of each)."""
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    lines: dict[str, str] = {}
    for line in done.stdout.splitlines()[:-1]:
        mark, rest = line.split(" ", 1)
        title = next(t for t in TITLES.values() if rest.startswith(f"{t} "))
        lines[title] = f"{mark} {rest[len(title) :].strip()}"
    assert list(lines) == list(TITLES.values()), done.stdout
    return lines


def _doctor(naba, telegram: FakeTelegram, *args: str, **env: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_BASE_URL": telegram.base_url, **env}
    return naba("doctor", *args, **env)  # type: ignore[no-any-return]


def _sample_calls(fake_openai: FakeOpenAI) -> int:
    return sum(1 for request in fake_openai.requests if "مدينة الواحة" in request.user)


def test_a_working_setup_is_all_ticks(naba, telegram: FakeTelegram, fake_openai: FakeOpenAI) -> None:
    done = _doctor(naba, telegram)
    lines = _lines(done)
    assert done.returncode == 0, done.stdout
    assert all(line.startswith("✓") for line in lines.values()), done.stdout
    assert "@naba_test_bot" in lines["Bot API"]
    assert "gpt-4o-mini is served" in lines["model endpoint"]
    assert lines["structured output"].startswith("✓ json_schema")
    assert f"quotes verbatim {len(SAMPLE_QUOTES)} of {len(SAMPLE_QUOTES)}" in lines["sample analysis"]
    assert "tokens in /" in lines["sample analysis"]
    assert done.stdout.splitlines()[-1] == "naba can run."
    output = done.stdout + done.stderr
    assert telegram.token not in output and telegram.token.split(":")[1] not in output
    assert "sk-test-key" not in output
    # The sample is analysed afresh every time: the check reads and writes no cache.
    assert _sample_calls(fake_openai) == 1
    again = _doctor(naba, telegram)
    assert again.returncode == 0 and _sample_calls(fake_openai) == 2


def test_no_model_at_all_is_fine_the_rules_make_the_briefs(
    naba, telegram: FakeTelegram, fake_openai: FakeOpenAI
) -> None:
    done = _doctor(naba, telegram, OPENAI_API_KEY="", OPENAI_BASE_URL="", ANALYZER="")
    lines = _lines(done)
    assert done.returncode == 0, done.stdout
    assert lines["model endpoint"].startswith("✓ none configured: the rule-based analyser makes the briefs")
    assert "OPENAI_API_KEY" in lines["model endpoint"]  # how to get model briefs
    assert lines["sample analysis"].startswith("- skipped") and fake_openai.calls == 0
    assert done.stdout.splitlines()[-1] == "naba can run."


def test_a_dead_model_endpoint_is_a_cross_and_quick(naba, telegram: FakeTelegram) -> None:
    started = time.monotonic()
    done = _doctor(naba, telegram, OPENAI_BASE_URL=f"http://127.0.0.1:{_closed_port()}/v1")
    elapsed = time.monotonic() - started
    lines = _lines(done)
    assert done.returncode == 1
    assert lines["model endpoint"].startswith("✗") and "cannot be reached" in lines["model endpoint"]
    assert "→ start the server, or fix OPENAI_BASE_URL" in lines["model endpoint"]
    assert lines["structured output"].startswith("- skipped") and lines["sample analysis"].startswith("- skipped")
    assert lines["Bot API"].startswith("✓") and lines["Redis"].startswith("✓")  # the other checks still ran
    assert elapsed < 15, f"took {elapsed:.1f} s"


def test_a_model_the_endpoint_does_not_list_is_a_cross(naba, telegram: FakeTelegram) -> None:
    done = _doctor(naba, telegram, OPENAI_MODEL="no-such-model")
    line = _lines(done)["model endpoint"]
    assert done.returncode == 1
    assert line.startswith("✗ no-such-model is not listed") and "gpt-4o-mini" in line
    assert "→ set OPENAI_MODEL" in line


def test_a_rejected_bot_token_is_a_cross_without_the_token(naba, telegram: FakeTelegram) -> None:
    done = _doctor(naba, telegram, TELEGRAM_BOT_TOKEN=WRONG_TOKEN)
    lines = _lines(done)
    assert done.returncode == 1
    assert lines["Bot API"].startswith("✗") and "rejected TELEGRAM_BOT_TOKEN" in lines["Bot API"]
    assert "@BotFather" in lines["Bot API"]
    assert lines["webhook"].startswith("- skipped")
    assert "WRONG-token" not in done.stdout + done.stderr


def test_a_webhook_naba_run_would_delete_is_a_warning(naba, telegram: FakeTelegram) -> None:
    telegram.webhook_url = "https://127.0.0.1:8443/hook"
    done = _doctor(naba, telegram)
    line = _lines(done)["webhook"]
    assert done.returncode == 0, done.stdout
    assert line.startswith("! https://127.0.0.1:8443/hook is set but WEBHOOK_URL is empty")
    assert "`naba run` deletes it" in line


def test_settings_that_do_not_load_skip_the_rest(naba, telegram: FakeTelegram, fake_openai: FakeOpenAI) -> None:
    done = _doctor(naba, telegram, OPENAI_TIMEOUT="soon")
    lines = _lines(done)
    assert done.returncode == 1
    assert lines["settings"].startswith("✗") and "OPENAI_TIMEOUT" in lines["settings"]
    assert all(line.startswith("- skipped: the settings do not load") for line in list(lines.values())[1:])
    assert telegram.calls == [] and fake_openai.requests == []


def test_the_embedded_valkey_is_checked_when_redis_url_is_empty(naba, telegram: FakeTelegram) -> None:
    done = _doctor(naba, telegram, REDIS_URL="")
    line = _lines(done)["Redis"]
    assert done.returncode == 0, done.stdout
    assert line.startswith("✓ Valkey") and "embedded, in" in line and "maxmemory-policy volatile-lru" in line


def test_json_is_one_object_for_scripts(naba, telegram: FakeTelegram) -> None:
    done = _doctor(naba, telegram, "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["ok"] is True
    assert [check["name"] for check in report["checks"]] == list(TITLES)
    assert all({"name", "ok", "level", "detail", "fix"} <= set(check) for check in report["checks"])
    analysis = report["checks"][-1]
    assert analysis["data"]["quotes_verbatim"] == len(SAMPLE_QUOTES) and analysis["data"]["prompt_tokens"] > 0
    failed = json.loads(_doctor(naba, telegram, "--json", TELEGRAM_BOT_TOKEN=WRONG_TOKEN).stdout)
    bot_api = next(check for check in failed["checks"] if check["name"] == "bot_api")
    assert failed["ok"] is False and bot_api["ok"] is False and bot_api["level"] == "fail" and bot_api["fix"]


def test_the_sample_quotes_are_in_the_sample() -> None:
    assert all(f"«{quote}»" in SAMPLE for quote in SAMPLE_QUOTES)


def test_ollama_is_recognised_by_its_port_or_name() -> None:
    assert looks_like_ollama("http://127.0.0.1:11434/v1")
    assert looks_like_ollama("http://ollama:8080/v1")
    assert not looks_like_ollama("http://127.0.0.1:8000/v1")
