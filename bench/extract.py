"""The rule-based extractor (DESIGN §5: ≤ 5 ms p50 per article): quotes alone, the whole rules-only
analysis, and the hybrid merge into a model's analysis — pure, no server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from bench.common import SHARED, note, p50_p99, percentile, row, section
from bot.extract import find_quotes
from bot.extract.brief import rules_analysis
from bot.extract.hybrid import merge_quotes
from bot.extract.latin import to_latin
from tests.articles import BANK, PORT, WATER, WATER_ANALYSIS, long_article

BUDGET = 0.005


def articles() -> tuple[str, list[str]]:
    """Real articles (../shared samples and both eval sets) when present, else the test fixtures."""
    if not SHARED.is_dir():
        return "test fixtures (no ../shared)", [WATER, BANK, PORT, long_article(40)]
    texts = [path.read_text(encoding="utf-8") for path in sorted((SHARED / "samples").glob("*.txt"))]
    for name in ("dev.jsonl", "dev2.jsonl"):
        path = SHARED / "eval" / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    texts.append(f"{record['title']}\n\n{record['text']}" if record.get("title") else record["text"])
    return f"{SHARED}/samples and eval/dev*.jsonl", texts


def timed(texts: list[str], work: Callable[[str], object], rounds: int) -> list[float]:
    """Seconds per article, each article `rounds` times (after one warm-up pass for the lazy tables)."""
    for text in texts:
        work(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            work(text)
            samples.append(time.perf_counter() - started)
    return samples


def run(quick: bool) -> None:
    """Print the extractor section."""
    section("Rule-based extractor (DESIGN §5: ≤ 5 ms p50 per article)")
    where, texts = articles()
    rounds = 3 if quick else 20
    from bot.models import Analysis

    model = Analysis.model_validate(WATER_ANALYSIS)
    quotes = timed(texts, find_quotes, rounds)
    whole = timed(texts, rules_analysis, rounds)
    merge = timed(texts, lambda text: merge_quotes(model, text, to_latin), rounds)
    row("quotes and speakers (find_quotes)", p50_p99(quotes), "≤ 5 ms p50", percentile(quotes, 50) <= BUDGET)
    ok = percentile(whole, 50) <= BUDGET
    row("whole rules-only analysis (lead, actors, quotes)", p50_p99(whole), "≤ 5 ms p50", ok)
    row("hybrid merge into a model's analysis", p50_p99(merge))
    note(f"{len(texts)} articles × {rounds} rounds from {where}; one core, after a warm-up pass")
