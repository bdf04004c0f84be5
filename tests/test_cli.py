"""`naba analyze` and `naba eval` as a user runs them: a real process, the fake OpenAI server, real Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.models import Analysis
from tests.articles import BANK, PORT, WATER, WATER_QUOTES
from tests.conftest import REPO, SHARED
from tests.fakes.openai_api import FakeOpenAI, Reply


@pytest.fixture
def naba(fake_openai: FakeOpenAI, redis_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `python -m bot …` in a clean environment aimed at the fakes."""

    def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "TIKTOKEN_CACHE_DIR": os.environ.get("TIKTOKEN_CACHE_DIR", ""),
            "OPENAI_API_KEY": "sk-test-key-0123456789abcdef",
            "OPENAI_BASE_URL": fake_openai.base_url,
            "OPENAI_MAX_RETRIES": "0",
            "REDIS_URL": redis_url,
            "DATA_DIR": str(tmp_path / "data"),
        }
        environment.update(env)
        environment = {k: v for k, v in environment.items() if v}
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    return run


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
