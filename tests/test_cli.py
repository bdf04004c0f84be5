"""`naba analyze` and `naba eval` as a user runs them: a real process, the fake OpenAI server, real Redis."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.models import Analysis
from tests.articles import BANK, PORT, WATER, WATER_QUOTES
from tests.conftest import REPO, SHARED, busy_port, naba_environment
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
def water_file(tmp_path: Path) -> Path:
    path = tmp_path / "water.txt"
    path.write_text(WATER, encoding="utf-8")
    return path


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_analyze_prints_a_readable_brief_with_exact_quotes(naba, water_file: Path, fake_openai: FakeOpenAI) -> None:
    done = naba("analyze", str(water_file))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "الملخص" in out and "الأطراف" in out and "الاقتباسات" in out
    for quote in WATER_QUOTES:
        assert f"«{quote}»" in out
    assert "<b>" not in out and "&quot;" not in out
    assert "1 LLM call" in done.stderr

    again = naba("analyze", str(water_file))
    assert again.returncode == 0
    assert again.stdout == out
    assert "no LLM call" in again.stderr
    assert fake_openai.calls == 1


def test_analyze_json_is_the_grounded_analysis(naba, water_file: Path) -> None:
    done = naba("analyze", str(water_file), "--json")
    assert done.returncode == 0, done.stderr
    analysis = Analysis.model_validate_json(done.stdout)
    assert [q.text for q in analysis.quotes] == WATER_QUOTES
    assert analysis.language == "ar"


def test_analyze_in_english_from_stdin(naba) -> None:
    done = naba("analyze", "-", "--lang", "en", stdin=BANK)
    assert done.returncode == 0, done.stderr
    assert "Summary" in done.stdout and "Who" in done.stdout
    assert "Egypt's central bank holds rates" in done.stdout
    assert "«منطقي في ظل الضغوط على الجنيه»" in done.stdout  # the original words…
    assert "logical given the pressure on the pound" in done.stdout  # …and their translation
    assert "Iman Fouad" in done.stdout


def test_analyze_an_english_article(naba, tmp_path: Path) -> None:
    path = tmp_path / "port.txt"
    path.write_text(PORT, encoding="utf-8")
    done = naba("analyze", str(path), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "«We will not return until the safety agreement is signed»" in done.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "no text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
        (b"\xff\xfe\xfa bad", "not UTF-8"),
    ],
)
def test_analyze_bad_input_is_one_clear_line(
    naba, tmp_path: Path, fake_openai: FakeOpenAI, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    done = naba("analyze", str(path))
    assert done.returncode != 0
    _no_traceback(done)
    assert message in done.stderr
    assert fake_openai.calls == 0


def test_analyze_without_api_key(naba, water_file: Path) -> None:
    done = naba("analyze", str(water_file), OPENAI_API_KEY="", OPENAI_BASE_URL="")
    assert done.returncode != 0
    _no_traceback(done)
    assert "OPENAI_API_KEY" in done.stderr


def test_malformed_setting_is_named(naba, water_file: Path) -> None:
    done = naba("analyze", str(water_file), OPENAI_TIMEOUT="soon")
    assert done.returncode != 0
    _no_traceback(done)
    assert "OPENAI_TIMEOUT" in done.stderr


def test_llm_failure_is_one_clear_line(naba, water_file: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(Reply.error(503, "overloaded"))
    done = naba("analyze", str(water_file))
    assert done.returncode != 0
    _no_traceback(done)
    assert "model endpoint" in done.stderr


def test_secrets_never_reach_the_output(naba, water_file: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(
        Reply.error(401, "Incorrect API key provided: sk-test-key-0123456789abcdef", code="invalid_api_key")
    )
    done = naba("analyze", str(water_file), LOG_LEVEL="DEBUG")
    assert done.returncode != 0
    assert "0123456789abcdef" not in done.stderr + done.stdout


def _dataset(tmp_path: Path) -> Path:
    rows = [
        {
            "id": "water",
            "title": "",
            "text": WATER,
            "quotes": [
                {"speaker": "سامر الخطيب", "text": WATER_QUOTES[0]},
                {"speaker": "ليلى منصور", "text": WATER_QUOTES[1]},
                {"speaker": "ليلى منصور", "text": WATER_QUOTES[2]},
            ],
            "actors": [{"name": "سامر الخطيب"}, {"name": "الرباط"}],
        },
        {
            "id": "bank",
            "text": BANK,
            "quotes": [
                {
                    "speaker": "حسن عبد الرحيم",
                    "text": "التضخم بدأ يتراجع، لكننا سنبقى حذرين حتى نتأكد من استقرار الأسعار",
                }
            ],
            "optional_quotes": [{"speaker": "إيمان فؤاد", "text": "منطقي في ظل الضغوط على الجنيه"}],
            "actors": [{"name": "حسن عبد الرحيم"}],
        },
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_eval_reports_the_metrics(naba, tmp_path: Path) -> None:
    done = naba("eval", str(_dataset(tmp_path)), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    water, bank = report["articles"]
    assert water["quote_recall"] == 1.0 and water["quote_precision"] == 1.0
    assert water["speaker_accuracy"] == 1.0
    assert water["actor_recall"] == 0.5  # the stand-in model does not name Rabat
    # Bank: one gold quote, one optional, one that is neither (the IMF's): precision 2/3.
    assert bank["quote_recall"] == 1.0 and bank["quote_precision"] == pytest.approx(0.667, abs=0.001)
    total = report["total"]
    for key in (
        "quote_recall",
        "quote_precision",
        "speaker_accuracy",
        "actor_recall",
        "dropped_quotes",
        "tokens_in",
        "tokens_out",
        "seconds",
    ):
        assert key in total
    assert total["articles"] == 2 and total["tokens_in"] > 0


def test_eval_table_for_people(naba, tmp_path: Path) -> None:
    done = naba("eval", str(_dataset(tmp_path)), "--limit", "1")
    assert done.returncode == 0, done.stderr
    assert "q.rec" in done.stdout and "TOTAL" in done.stdout and "water" in done.stdout
    assert "bank" not in done.stdout


def test_eval_bad_dataset(naba, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    done = naba("eval", str(path))
    assert done.returncode != 0
    _no_traceback(done)
    assert "bad.jsonl:1" in done.stderr


SAMPLE = SHARED / "samples" / "libya-guterres-haftar.ar.txt"


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared is not beside the repo")
def test_shared_sample_quotes_are_exact(naba) -> None:
    done = naba("analyze", str(SAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    analysis = Analysis.model_validate_json(done.stdout)
    text = SAMPLE.read_text(encoding="utf-8")
    assert len(analysis.quotes) == 4
    assert all(q.text in text for q in analysis.quotes)


@pytest.mark.skipif(not (SHARED / "eval" / "dev.jsonl").exists(), reason="../shared is not beside the repo")
def test_shared_eval_runs(naba) -> None:
    done = naba("eval", str(SHARED / "eval" / "dev.jsonl"), "--json", "--limit", "3")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["articles"]) == 3 and report["total"]["quote_recall"] is not None


# --- the first five minutes: a copied .env.example, `naba run` failing in one line -------------------

SECRET_KEY = "sk-test-key-0123456789abcdef"
WRONG_TOKEN = "424242:WRONG-token-WRONG-token-WRONG"


def _one_clean_line(done: subprocess.CompletedProcess[str], *secrets: str) -> str:
    """A failure as a user should see it: non-zero exit, one stderr line, no traceback, no secret."""
    assert done.returncode != 0
    _no_traceback(done)
    for secret in (SECRET_KEY, *secrets):
        assert secret not in done.stdout + done.stderr
    return done.stderr.strip()


def _copied_env_example(directory: Path, token: str) -> Path:
    """What the README says to do: `cp .env.example .env`, then fill in the token and the API key."""
    directory.mkdir(exist_ok=True)
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    text = text.replace("\nTELEGRAM_BOT_TOKEN=\n", f"\nTELEGRAM_BOT_TOKEN={token}\n")
    text = text.replace("\nOPENAI_API_KEY=\n", f"\nOPENAI_API_KEY={SECRET_KEY}\n")
    assert token in text and SECRET_KEY in text, (
        ".env.example no longer has empty TELEGRAM_BOT_TOKEN= / OPENAI_API_KEY="
    )
    (directory / ".env").write_text(text, encoding="utf-8")
    return directory


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_copied_env_example_loads_and_analyzes(naba, tmp_path: Path, water_file: Path) -> None:
    project = _copied_env_example(tmp_path / "project", WRONG_TOKEN)
    script = (
        "from bot.config import load_settings\n"
        "s = load_settings()\n"
        "print(s.openai_base_url, s.openai_context_tokens, s.webhook_url, s.webhook_secret, s.redis_url,"
        " s.telegram_bot_token is not None, s.openai_api_key is not None, s.context_tokens)\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=project, timeout=60, check=False
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["None", "None", "None", "None", "None", "True", "True", "128000"]

    # The same .env for `naba analyze`; an empty REDIS_URL there means the embedded Valkey.
    done = naba("analyze", str(water_file), cwd=project, OPENAI_API_KEY="", REDIS_URL="")
    assert done.returncode == 0, done.stderr
    assert "الملخص" in done.stdout and "1 LLM call" in done.stderr


def test_run_with_a_copied_env_example_starts_and_stops(
    fake_openai: FakeOpenAI, redis_url: str, tmp_path: Path, telegram: FakeTelegram
) -> None:
    project = _copied_env_example(tmp_path / "project", telegram.token)
    env = naba_environment(fake_openai, redis_url, tmp_path, OPENAI_API_KEY="", TELEGRAM_BASE_URL=telegram.base_url)
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        # deleteWebhook is the updater's first call when polling starts (a getUpdates is seen when it returns).
        deadline = time.monotonic() + 30
        while not telegram.calls_to("deleteWebhook") and bot.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert telegram.calls_to("deleteWebhook"), "the bot did not start polling"
        time.sleep(0.3)
        bot.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = bot.communicate(timeout=30)
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate()
    assert bot.returncode == 0, err.decode()
    assert "Traceback" not in err.decode() and telegram.token not in err.decode()
    assert [call.method for call in telegram.calls[:1]] == ["getMe"]  # once: run_polling did not ask again
    assert len(telegram.calls_to("getMe")) == 1 and telegram.calls_to("setMyCommands")


def test_run_without_a_token_and_with_an_empty_one_say_the_same(naba) -> None:
    missing = naba("run")
    empty = naba("run", TELEGRAM_BOT_TOKEN="   ")
    assert "TELEGRAM_BOT_TOKEN is not set" in _one_clean_line(missing)
    assert _one_clean_line(empty) == missing.stderr.strip()


def test_run_with_a_rejected_token_is_one_line_without_the_token(naba, telegram: FakeTelegram) -> None:
    done = naba("run", TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_BASE_URL=telegram.base_url)
    line = _one_clean_line(done, WRONG_TOKEN, "WRONG-token")
    assert "rejected TELEGRAM_BOT_TOKEN" in line and "@BotFather" in line
    assert [call.status for call in telegram.calls_to("getMe")] == [401]
    # Debug logs say more, but never the token either.
    debug = naba("run", TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_BASE_URL=telegram.base_url, LOG_LEVEL="DEBUG")
    assert debug.returncode != 0 and "Traceback" not in debug.stderr
    assert "WRONG-token" not in debug.stdout + debug.stderr


def test_run_in_webhook_mode_checks_the_token_first(naba, telegram: FakeTelegram) -> None:
    done = naba(
        "run",
        TELEGRAM_BOT_TOKEN=WRONG_TOKEN,
        TELEGRAM_BASE_URL=telegram.base_url,
        WEBHOOK_URL="https://naba.example.org/telegram",
        WEBHOOK_SECRET="s3cret-Token_1",
    )
    line = _one_clean_line(done, WRONG_TOKEN, "s3cret-Token_1")
    assert "rejected TELEGRAM_BOT_TOKEN" in line
    methods = [call.method for call in telegram.calls]
    assert methods.count("getMe") == 1 and methods[0] == "getMe"  # asked once, before anything else
    assert not [m for m in methods if "ebhook" in m]  # no setWebhook/deleteWebhook after the refusal
    assert telegram.calls_to("setWebhook") == []


def test_run_in_webhook_mode_with_the_port_in_use_is_one_line(naba, telegram: FakeTelegram) -> None:
    with busy_port() as port:
        done = naba(
            "run",
            TELEGRAM_BOT_TOKEN=telegram.token,
            TELEGRAM_BASE_URL=telegram.base_url,
            WEBHOOK_URL="https://naba.example.org/telegram",
            WEBHOOK_SECRET="s3cret-Token_1",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            REDIS_URL="",
        )
    line = _one_clean_line(done, telegram.token, "s3cret-Token_1")
    assert f"port {port} is in use" in line and "WEBHOOK_PORT" in line


TOKEN_HALF = "ABCDEFGHIJ-klmnopqrst_uvwxyz"


def test_a_base_url_without_bot_is_one_line_without_the_token(naba) -> None:
    from bot.config import Settings

    example = Settings.model_fields["telegram_base_url"].default  # the public Bot API, named in the line
    for base_url in ("http://127.0.0.1:9", "http://127.0.0.1:9/bot/"):
        done = naba("run", TELEGRAM_BOT_TOKEN=f"123456:{TOKEN_HALF}", TELEGRAM_BASE_URL=base_url)
        line = _one_clean_line(done, TOKEN_HALF)
        assert "TELEGRAM_BASE_URL" in line and example in line


def test_credentials_in_the_base_url_are_masked(naba) -> None:
    base_url = f"http://naba:pr0xy-passw0rd@127.0.0.1:{_closed_port()}/bot"
    done = naba("run", TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_BASE_URL=base_url)
    line = _one_clean_line(done, WRONG_TOKEN, "pr0xy-passw0rd")
    assert "cannot be reached (ConnectError)" in line and "http://***@127.0.0.1" in line


def test_a_network_error_names_its_class_never_its_text() -> None:
    from telegram.error import NetworkError

    from bot.app.application import bot_api_problem
    from bot.app.logs import redact
    from bot.config import load_settings

    settings = load_settings(_env_file=None, telegram_bot_token=f"123456:{TOKEN_HALF}")
    try:
        try:
            raise ValueError(f"Invalid port: '{TOKEN_HALF}'")
        except ValueError as cause:
            raise NetworkError(f"httpx.InvalidURL: Invalid port: '{TOKEN_HALF}'") from cause
    except NetworkError as exc:
        line = bot_api_problem(exc, settings)
    assert TOKEN_HALF not in line and "(ValueError)" in line
    # And the half of the token after the colon is masked wherever it shows up.
    assert TOKEN_HALF not in redact(f"InvalidURL(\"Invalid port: '{TOKEN_HALF}'\")", settings)


def test_a_redis_password_in_the_query_is_masked(naba, telegram: FakeTelegram) -> None:
    url = f"redis://127.0.0.1:{_closed_port()}/0?password=hunter22secret"
    done = naba("run", TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url, REDIS_URL=url)
    line = _one_clean_line(done, telegram.token, "hunter22secret")
    assert "?password=***" in line and "REDIS_URL" in line

    from bot.app.logs import redact
    from bot.config import load_settings

    settings = load_settings(_env_file=None, redis_url=url)
    assert "hunter22secret" not in redact("AUTH hunter22secret failed", settings)


def test_a_redis_url_with_a_bad_port_is_one_line(naba, water_file: Path) -> None:
    for args in (("run",), ("analyze", str(water_file))):
        done = naba(*args, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, REDIS_URL="redis://:hunter22secret@127.0.0.1:notaport/0")
        line = _one_clean_line(done, WRONG_TOKEN, "hunter22secret")
        assert "REDIS_URL" in line and done.returncode == 1


def test_a_non_utf8_env_file_is_one_line(naba, tmp_path: Path, water_file: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_bytes(b"OPENAI_MODEL=caf\xe9\n")
    for args in (("run",), ("analyze", str(water_file))):
        done = naba(*args, cwd=project)
        line = _one_clean_line(done)
        assert ".env" in line and "UTF-8" in line and done.returncode == 1


@pytest.mark.parametrize("kind", ["zeros", "huge"])
def test_analyze_of_an_endless_or_huge_input_is_refused_at_once(naba, tmp_path: Path, kind: str) -> None:
    if kind == "zeros":
        path = Path("/dev/zero")
        if not path.exists():
            pytest.skip("no /dev/zero")
        message = "not a text file"
    else:
        path = tmp_path / "huge.txt"
        with path.open("wb") as file:
            file.truncate(0)
            file.write(("كلمة " * 1000 + "\n").encode() * 4_000)  # about 36 MB
        message = "the limit is 500"
    started = time.monotonic()
    done = naba("analyze", str(path), MAX_INPUT_CHARS="500")
    elapsed = time.monotonic() - started
    assert message in _one_clean_line(done) and done.returncode == 1
    assert elapsed < 1.5  # the process's own start included: only the first 2016 bytes are read


def test_the_bot_loads_the_sdk_and_the_tokenizer_before_the_first_article(bot) -> None:  # type: ignore[no-untyped-def]
    services = bot.services
    assert services.chat._sdk is not None  # the SDK client was made at start (in a thread)
    assert "overhead" in vars(services.analyser)  # tiktoken and its encoding were loaded at start


def test_run_with_an_unreachable_bot_api_is_one_line(naba) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/bot"
    done = naba("run", TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_BASE_URL=base_url)
    line = _one_clean_line(done, WRONG_TOKEN)
    assert "cannot be reached" in line and "TELEGRAM_BASE_URL" in line


@pytest.mark.slow
def test_run_with_a_bot_api_that_never_answers_is_one_line(naba) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}/bot"
        done = naba("run", TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_BASE_URL=base_url)
    line = _one_clean_line(done, WRONG_TOKEN)
    assert "did not answer in time" in line


def test_run_with_redis_refusing_is_one_line(naba, telegram: FakeTelegram) -> None:
    url = f"redis://:hunter2-password@127.0.0.1:{_closed_port()}/0"
    done = naba("run", TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url, REDIS_URL=url)
    line = _one_clean_line(done, telegram.token, "hunter2-password")
    assert "Redis at redis://***@127.0.0.1" in line and "REDIS_URL" in line
    assert telegram.calls == []  # refused before the bot said anything to Telegram


# --- refusals and cached answers load neither the model SDK nor tiktoken -----------------------------


def _imported(stderr: str) -> set[str]:
    """Top-level packages listed by `python -X importtime`."""
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0] for line in stderr.splitlines() if line.startswith("import time:")
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no text"),
        ("ثلاث كلمات فقط", "too few"),
        ("كلمة " * 120, "the limit is 500"),
    ],
    ids=["empty", "three-words", "too-long"],
)
def test_refusals_come_before_the_model_client_and_the_tokenizer(
    naba, tmp_path: Path, fake_openai: FakeOpenAI, text: str, message: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_text(text, encoding="utf-8")
    done = naba("analyze", str(path), MAX_INPUT_CHARS="500")
    assert message in _one_clean_line(done)
    traced = naba("analyze", str(path), MAX_INPUT_CHARS="500", python_options=("-X", "importtime"))
    assert traced.returncode == done.returncode
    assert not {"openai", "tiktoken", "telegram", "trafilatura"} & _imported(traced.stderr)
    assert fake_openai.calls == 0


def test_a_cached_analyze_loads_neither_the_sdk_nor_tiktoken(naba, water_file: Path) -> None:
    first = naba("analyze", str(water_file))
    assert first.returncode == 0, first.stderr
    assert {"openai", "tiktoken"} <= _imported(
        naba("analyze", "-", python_options=("-X", "importtime"), stdin=BANK).stderr
    )
    again = naba("analyze", str(water_file), python_options=("-X", "importtime"))
    assert again.returncode == 0 and again.stdout == first.stdout
    assert "no LLM call" in again.stderr
    assert not {"openai", "tiktoken", "telegram"} & _imported(again.stderr)


# --- file errors name the file -------------------------------------------------------------------------


def _bad_input(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A path that cannot be read as the command wants, and what the error must say about it."""
    path = tmp_path / "gold.jsonl"
    row = json.dumps({"id": "w", "text": WATER}, ensure_ascii=False)
    if kind == "directory":
        path.mkdir()
        return path, f"{path}: is a directory"
    if kind == "missing":
        return path, f"{path}: no such file"
    if kind == "program":
        return Path(sys.executable).resolve(), f"{Path(sys.executable).resolve()}: is not a text file"
    if kind == "latin-1":
        path.write_bytes(row.encode() + b"\n" + '{"id": "é"}'.encode("latin-1") + b"\n")
        return path, f"{path}:2: is not UTF-8"
    if kind == "bad-json":
        path.write_text(row + "\n{not json\n", encoding="utf-8")
        return path, f"{path}:2: not a gold article (Invalid JSON"
    if kind == "no-text":
        path.write_text(row + "\n\n" + '{"id": "x"}\n', encoding="utf-8")
        return path, f"{path}:3: not a gold article (text: Field required)"
    path.write_text("\n", encoding="utf-8")
    return path, f"{path}: holds no articles"


@pytest.mark.parametrize("kind", ["directory", "missing", "program", "latin-1", "bad-json", "no-text", "empty"])
def test_eval_file_errors_name_the_file(naba, tmp_path: Path, fake_openai: FakeOpenAI, kind: str) -> None:
    path, message = _bad_input(tmp_path, kind)
    done = naba("eval", str(path))
    assert done.returncode in (1, 2)
    assert message in _one_clean_line(done)
    assert fake_openai.calls == 0


@pytest.mark.parametrize("kind", ["directory", "program", "latin-1"])
def test_analyze_file_errors_name_the_file(naba, tmp_path: Path, kind: str) -> None:
    path, message = _bad_input(tmp_path, kind)
    done = naba("analyze", str(path))
    assert done.returncode in (1, 2)
    assert message in _one_clean_line(done)
