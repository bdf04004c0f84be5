"""What the bot counts: this process's Prometheus metrics, and the day's figures behind /stats.

One call records an event in both places: `record(Event.BRIEF)`. The Prometheus side belongs to
this process (`METRICS_PORT` serves it); the daily side is tallied in memory and flushed to Redis
every few seconds by the application (`take_tally` → `Store.add_stats`), so /stats adds up every
replica. Pure and at the bottom of the layers: any layer may record, none needs a server for it.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)  # the bot's own metrics only (no default collectors)

UPDATES = Counter("naba_updates", "Telegram updates received, by kind", ["kind"], registry=REGISTRY)
REPEATED_UPDATES = Counter(
    "naba_updates_repeated",
    "Updates dropped because a replica had taken them already (a webhook or load balancer retry)",
    registry=REGISTRY,
)
BRIEFS = Counter("naba_briefs", "Briefs sent to a chat", registry=REGISTRY)
CACHE = Counter("naba_analysis_cache", "Analysis cache lookups by result (hit|miss)", ["result"], registry=REGISTRY)
MODEL_CALLS = Counter(
    "naba_model_calls", "Calls to the model endpoint, by outcome (ok|error)", ["outcome"], registry=REGISTRY
)
MODEL_SECONDS = Histogram(
    "naba_model_seconds",
    "Time one model call took (the SDK's retries included)",
    buckets=(0.5, 1, 2, 4, 8, 15, 30, 60, 120),
    registry=REGISTRY,
)
BRIEF_SECONDS = Histogram(
    "naba_brief_seconds",
    "Time from receiving an article to its brief, by source of the analysis (cache|model|rules)",
    ["source"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 40, 80),
    registry=REGISTRY,
)
TOKENS = Counter("naba_tokens", "Tokens spent, by direction (input|output)", ["direction"], registry=REGISTRY)
ERRORS = Counter(
    "naba_errors", "Errors by kind (the catalogue key of what the user was told)", ["kind"], registry=REGISTRY
)
RATE_LIMITED = Counter(
    "naba_429_received",
    "429 (too many requests) answers received, by server (model|telegram)",
    ["server"],
    registry=REGISTRY,
)
STANDINS = Counter(
    "naba_standin_briefs",
    "Rule-based briefs that stood in for the model's, by reason (the catalogue key)",
    ["reason"],
    registry=REGISTRY,
)
DIGESTS = Counter("naba_digests", "Digests by result (sent|failed)", ["result"], registry=REGISTRY)
REFUSALS = Counter(
    "naba_refusals",
    "Requests refused before any model call, by reason (budget|total_budget|rate)",
    ["reason"],
    registry=REGISTRY,
)
LAST_UPDATE = Gauge(
    "naba_last_update_timestamp", "When the last Telegram update arrived (Unix time)", registry=REGISTRY
)


class Event(enum.Enum):
    """Events counted per UTC day for /stats (the value is the field name in Redis)."""

    BRIEF = "briefs"
    CACHE_HIT = "cache_hits"
    CACHE_MISS = "cache_misses"
    ARTICLE_ANALYSED = "articles"
    MODEL_CALL = "model_calls"
    PROMPT_TOKENS = "prompt_tokens"
    COMPLETION_TOKENS = "completion_tokens"
    BUDGET_REFUSAL = "budget_refusals"
    RATE_REFUSAL = "rate_refusals"
    DIGEST_SENT = "digests_sent"
    DIGEST_FAILED = "digests_failed"


ERROR_PREFIX = "error:"  # a day's error counts are fields named error:<kind>


@dataclass
class DayTally:
    """One UTC day's counts not yet written to Redis, and the pseudonyms of the users seen."""

    counts: Tally[str] = field(default_factory=Tally)
    users: set[str] = field(default_factory=set)


_lock = threading.Lock()  # digests compose in worker threads; counting must not lose a step
_pending: dict[str, DayTally] = {}


def today() -> str:
    """The current UTC day, YYYY-MM-DD (budgets and statistics reset at UTC midnight)."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _tally(day: str | None) -> DayTally:
    return _pending.setdefault(day or today(), DayTally())


def record(event: Event, amount: int = 1) -> None:
    """Count an event for today's /stats (Prometheus counters are updated where the event happens)."""
    if amount:
        with _lock:
            _tally(None).counts[event.value] += amount


def record_error(kind: str) -> None:
    """Count an error of a kind (the catalogue key of the message the user got) in both places."""
    ERRORS.labels(kind=kind).inc()
    with _lock:
        _tally(None).counts[ERROR_PREFIX + kind] += 1


def record_user(user_id: int, secret: bytes) -> None:
    """Note that a user was active today (as a pseudonym: /stats counts them, Redis never sees the id)."""
    with _lock:
        _tally(None).users.add(pseudonym(user_id, secret))


def take_tally() -> dict[str, DayTally]:
    """The counts recorded since the last call, by day (the caller writes them to Redis)."""
    global _pending
    with _lock:
        taken, _pending = _pending, {}
    return taken


def put_back(tally: dict[str, DayTally]) -> None:
    """Return counts that could not be written (Redis down) so the next flush tries again."""
    with _lock:
        for day, part in tally.items():
            mine = _tally(day)
            mine.counts.update(part.counts)
            mine.users |= part.users


def pseudonym(user_id: int, secret: bytes) -> str:
    """A stable stand-in for a user id that does not reveal it (keyed BLAKE2b, 16 hex characters).

    Budgets, rates and statistics are kept under it, so /forget can leave the day's counters in
    place (the budget holds) without the user's id remaining anywhere in Redis.
    """
    return hashlib.blake2b(str(user_id).encode(), key=secret[:64], digest_size=8).hexdigest()
