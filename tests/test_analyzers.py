"""ANALYZER on the command line: no model at all, the rules standing in, separate caches, and the
issue-10 figures of `naba eval --analyzer` on ../shared/eval with the tests' gold stand-in model
(exact, and lossy: a third of the quotes dropped, a speaker swapped, a quote paraphrased)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.articles import WATER, WATER_QUOTES
from tests.conftest import SHARED
from tests.fakes.model import GoldModel
from tests.fakes.openai_api import FakeOpenAI, Reply

EVAL = SHARED / "eval"
NO_MODEL = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ANALYZER": ""}  # nothing configured: auto means rules


@pytest.fixture
def water_file(tmp_path: Path) -> Path:
    path = tmp_path / "water.txt"
    path.write_text(WATER, encoding="utf-8")
    return path


def test_analyze_with_no_model_at_all_gives_the_labelled_rule_based_brief(
    naba, water_file: Path, fake_openai: FakeOpenAI
) -> None:
    done = naba("analyze", str(water_file), **NO_MODEL)
    assert done.returncode == 0, done.stderr
    assert "دون نموذج لغوي" in done.stdout  # labelled as made without a language model
    for quote in WATER_QUOTES:
        assert f"«{quote}»" in done.stdout
    assert "سامر الخطيب" in done.stdout
    assert "rule-based analyser" in done.stderr and fake_openai.calls == 0
    again = naba("analyze", str(water_file), **NO_MODEL)
    assert "from the cache" in again.stderr


def test_an_english_reader_of_an_offline_brief_is_told_translation_needs_a_model(
    naba, water_file: Path, fake_openai: FakeOpenAI
) -> None:
    done = naba("analyze", str(water_file), "--lang", "en", **NO_MODEL)
    assert done.returncode == 0, done.stderr
    assert "Made without a language model" in done.stdout
    assert "A translation needs a language model" in done.stdout
    assert "Quotes" in done.stdout and f"«{WATER_QUOTES[0]}»" in done.stdout
    assert "al-Khatib" in done.stdout  # the speaker's name in Latin letters
    assert fake_openai.calls == 0


def test_analyze_json_without_a_model_is_the_verbatim_analysis(naba, water_file: Path) -> None:
    done = naba("analyze", str(water_file), "--json", **NO_MODEL)
    assert done.returncode == 0, done.stderr
    analysis = json.loads(done.stdout)
    assert [q["text"] for q in analysis["quotes"]] == WATER_QUOTES
    assert all(q["text"] in WATER for q in analysis["quotes"])


def test_a_model_analyzer_without_a_model_is_one_line_naming_the_setting(naba, water_file: Path) -> None:
    for analyzer in ("llm", "hybrid"):
        done = naba("analyze", str(water_file), **{**NO_MODEL, "ANALYZER": analyzer})
        assert done.returncode != 0
        assert f"ANALYZER={analyzer} needs a model" in done.stderr and "Traceback" not in done.stderr
    done = naba("analyze", str(water_file), "--analyzer", "llm", **NO_MODEL)
    assert done.returncode != 0 and "ANALYZER=llm needs a model" in done.stderr


def test_when_the_model_fails_the_rules_stand_in_labelled(naba, water_file: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(*[Reply.error(503, "overloaded")] * 4)
    done = naba("analyze", str(water_file), ANALYZER="hybrid")
    assert done.returncode == 0, done.stderr
    assert "دون نموذج لغوي" in done.stdout and "تعذّر على نموذج اللغة" in done.stdout
    assert "stood in" in done.stderr
    for quote in WATER_QUOTES:
        assert f"«{quote}»" in done.stdout
    # With the model alone (llm) nothing stands in: the failure is the answer.
    fake_openai.enqueue(*[Reply.error(503, "overloaded")] * 4)
    failed = naba("analyze", str(water_file), ANALYZER="llm")
    assert failed.returncode != 0 and "Traceback" not in failed.stderr


def test_each_analyzer_has_its_own_cache(naba, water_file: Path, fake_openai: FakeOpenAI) -> None:
    assert naba("analyze", str(water_file), "--analyzer", "rules").returncode == 0
    assert fake_openai.calls == 0  # rules: no model call although one is configured
    hybrid = naba("analyze", str(water_file), "--analyzer", "hybrid")
    assert "1 LLM call" in hybrid.stderr  # the rules' cached brief is not the hybrid one
    llm = naba("analyze", str(water_file), "--analyzer", "llm")
    assert "1 LLM call" in llm.stderr
    assert "from the cache" in naba("analyze", str(water_file), "--analyzer", "hybrid").stderr


def _gold_rows() -> list[dict[str, Any]]:
    rows = []
    for name in ("dev.jsonl", "dev2.jsonl"):
        text = (EVAL / name).read_text(encoding="utf-8")
        rows += [json.loads(line) for line in text.splitlines() if line.strip()]
    return rows


def _eval(naba, tmp_path: Path, fake: FakeOpenAI, rows: list[dict[str, Any]], analyzer: str, model: str) -> Any:  # type: ignore[no-untyped-def]
    dataset = tmp_path / "dev-both.jsonl"
    dataset.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    done = naba("eval", str(dataset), "--json", "--analyzer", analyzer, OPENAI_MODEL=model)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["total"]


@pytest.mark.slow
@pytest.mark.skipif(not (EVAL / "dev2.jsonl").exists(), reason="../shared/eval is absent")
def test_issue_10_figures_on_the_dev_sets(naba, tmp_path: Path, fake_openai: FakeOpenAI, capsys) -> None:  # type: ignore[no-untyped-def]
    """The README's table: rules alone, hybrid with a lossy model, hybrid with an exact model."""
    rows = _gold_rows()
    figures = {}
    for name, lossy, analyzer in (
        ("rules, no model", False, "rules"),
        ("llm, lossy model", True, "llm"),
        ("hybrid, lossy model", True, "hybrid"),
        ("hybrid, exact model", False, "hybrid"),
    ):
        fake_openai.set_responder(GoldModel(rows, lossy=lossy))
        figures[name] = _eval(
            naba, tmp_path, fake_openai, rows, analyzer, model=f"gold-{'lossy' if lossy else 'exact'}"
        )
    with capsys.disabled():
        print()
        for name, t in figures.items():
            print(
                f"{name:<22} recall {t['quote_recall']:.3f}  precision {t['quote_precision']:.3f}  "
                f"speakers {t['speaker_accuracy']:.3f}  actors {t['actor_recall']:.3f}"
            )
    rules, lossy, exact = figures["rules, no model"], figures["hybrid, lossy model"], figures["hybrid, exact model"]
    assert rules["quote_recall"] >= 0.90 and rules["quote_precision"] >= 0.95 and rules["speaker_accuracy"] >= 0.85
    assert lossy["quote_recall"] >= 0.97 and lossy["quote_precision"] >= 0.95 and lossy["speaker_accuracy"] >= 0.90
    assert exact["quote_recall"] == 1.0 and exact["quote_precision"] >= 0.97 and exact["speaker_accuracy"] >= 0.95
    # What the merge buys: the lossy model alone loses a third of the quotes and a speaker.
    assert figures["llm, lossy model"]["quote_recall"] < 0.75 < lossy["quote_recall"]
    assert rules["llm_calls"] == 0 and lossy["llm_calls"] == len(rows)
