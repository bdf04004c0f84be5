"""Command-line figures: wall time of `naba analyze` as a user runs it (a new process each time).

A refusal (empty, too short, too long) must come before the model SDK and tiktoken are loaded; a
cached brief needs neither. Both are measured with the shared Redis and with the embedded Valkey
that a fresh machine (REDIS_URL unset) starts for itself.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import flush, note, row, section
from tests.articles import WATER
from tests.fakes.model import StandInModel
from tests.fakes.openai_api import FakeOpenAI

REPO = Path(__file__).resolve().parents[1]
REFUSAL_BUDGET = 0.5  # DESIGN §5
CACHED_BUDGET = 1.5  # DESIGN §5
MAX_INPUT_CHARS = 2000
INPUTS = {
    "empty": "",
    "3 words": "ثلاث كلمات فقط",
    "too long": "كلمة " * (MAX_INPUT_CHARS // 4),
}


def _environment(openai_url: str, redis_url: str | None, data_dir: Path) -> dict[str, str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "OPENAI_API_KEY": "sk-test-key-0123456789abcdef",
        "OPENAI_BASE_URL": openai_url,
        "OPENAI_MAX_RETRIES": "0",
        "MAX_INPUT_CHARS": str(MAX_INPUT_CHARS),
        "DATA_DIR": str(data_dir),
    }
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        environment["TIKTOKEN_CACHE_DIR"] = os.environ["TIKTOKEN_CACHE_DIR"]
    if redis_url:
        environment["REDIS_URL"] = redis_url
    return environment


def _timed(path: Path, env: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "bot", "analyze", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return time.perf_counter() - started, done


def _expect(ok: bool, done: subprocess.CompletedProcess[str]) -> None:
    """A timing of the wrong behaviour means nothing: stop with what the command said."""
    if not ok:
        raise RuntimeError(f"`naba analyze` did not behave as expected (exit {done.returncode}): {done.stderr}")


def _figure(label: str, samples: list[float], budget: float) -> None:
    median = statistics.median(samples)
    row(label, f"p50 {median:.2f} s · max {max(samples):.2f} s", f"≤ {budget} s", median <= budget)


def run(redis_url: str, quick: bool) -> None:
    """Print the command-line section."""
    section("Command line (DESIGN §5: a refusal ≤ 0.5 s, a cached `naba analyze` ≤ 1.5 s)")
    runs = 3 if quick else 10
    flush(redis_url)
    with (
        tempfile.TemporaryDirectory(prefix="naba-bench-cli-") as tmp,
        FakeOpenAI(responder=StandInModel(), latency=0.0) as openai,
    ):
        work = Path(tmp)
        floor = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            floor.append(time.perf_counter() - started)
        note(f"{runs} runs each, a new process every time; Python's own start-up is {statistics.median(floor):.2f} s")
        env = _environment(openai.base_url, redis_url, work / "data")
        for name, text in INPUTS.items():
            path = work / f"{name.replace(' ', '-')}.txt"
            path.write_text(text, encoding="utf-8")
            samples = []
            for _ in range(runs):
                seconds, done = _timed(path, env, work)
                _expect(done.returncode != 0, done)
                samples.append(seconds)
            _figure(f"refusal, {name} input", samples, REFUSAL_BUDGET)
        article = work / "water.txt"
        article.write_text(WATER, encoding="utf-8")
        for where, redis in (("REDIS_URL", redis_url), ("embedded Valkey", None)):
            env = _environment(openai.base_url, redis, work / f"data-{where.split()[0]}")
            first, done = _timed(article, env, work)
            _expect(done.returncode == 0 and "1 LLM call" in done.stderr, done)
            samples = []
            for _ in range(runs):
                seconds, done = _timed(article, env, work)
                _expect(done.returncode == 0 and "no LLM call" in done.stderr, done)
                samples.append(seconds)
            _figure(f"cached `naba analyze`, {where}", samples, CACHED_BUDGET)
            note(f"the first run (a cache miss: SDK, tiktoken and one call to the fake) took {first:.2f} s")
