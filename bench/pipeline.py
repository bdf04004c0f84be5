"""Pipeline figures: prompt overhead, article sizes in tokens, overhead per article, Redis bytes per brief."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

import redis

from bench.common import SHARED, Stand, note, p50_p99, percentile, row, section, stand_ins, variant
from bot.app.services import Services
from bot.llm.client import schema_json
from bot.llm.prompts import load_prompt
from bot.llm.tokens import TokenCounter
from bot.models import Analysis
from bot.store import keys
from tests.articles import BANK, PORT, WATER, long_article

OVERHEAD_BUDGET = 400
CACHED_BUDGET = 0.005
BOT_OVERHEAD_BUDGET = 0.020
WARM_UP = 5


def prompt_overhead(model: str) -> None:
    """System prompt + user template without the article + strict JSON schema, as tests/test_llm.py counts it."""
    counter = TokenCounter(model)
    messages = counter.count_messages(load_prompt("analysis").render(article=""))
    schema = counter.count(schema_json(Analysis))
    total = messages + schema
    row(
        "prompt overhead (system + user template + schema)",
        f"{total} tokens",
        f"≤ {OVERHEAD_BUDGET}",
        total <= OVERHEAD_BUDGET,
    )
    exact = "exact (tiktoken)" if counter.exact else "ESTIMATED: tiktoken had no encoding file"
    note(f"messages {messages} + schema {schema} tokens for {model}; {exact}")


def corpus() -> tuple[str, list[tuple[str, str]]]:
    """Articles to size: ../shared samples and eval/dev.jsonl when present, else the test fixtures."""
    if not SHARED.is_dir():
        fixtures = [("WATER", WATER), ("BANK", BANK), ("PORT", PORT), ("long_article(40)", long_article(40))]
        return "test fixtures (no ../shared)", fixtures
    out = [(path.name, path.read_text(encoding="utf-8")) for path in sorted((SHARED / "samples").glob("*.txt"))]
    dev = SHARED / "eval" / "dev.jsonl"
    if dev.is_file():
        for line in dev.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                out.append((f"dev.jsonl:{record['id']}", f"{record['title']}\n\n{record['text']}"))
    return f"{SHARED}/samples/*.txt and eval/dev.jsonl", out


def article_tokens(services: Services) -> None:
    """Tokens of each real article, beside what one model call holds."""
    counter = services.analyser.counter
    where, articles = corpus()
    budget = services.analyser.article_budget()
    print(f"  article tokens ({where}; {counter.model}):", flush=True)
    sizes = []
    for name, text in articles:
        tokens = counter.count(text)
        sizes.append(tokens)
        print(f"    {name:<52} {tokens:>6} tokens  {len(text):>6} chars", flush=True)
    row(
        "article tokens: median · largest",
        f"{int(percentile(sizes, 50))} · {max(sizes)} tokens",
        f"one call holds ≤ {budget}",
        max(sizes) <= budget,
    )
    note("longer articles are split by tokens and merged (DESIGN §5); the goal here is one call per article")


async def timed(runs: int, make: Callable[[int], Awaitable[object]]) -> list[float]:
    """Seconds taken by each of `runs` awaits of make(i), one after the other."""
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        await make(i)
        samples.append(time.perf_counter() - started)
    return samples


async def overhead(services: Services, stand: Stand, quick: bool) -> None:
    """pipeline.analyse against the fake model with latency 0: cold (new article each run) and cached."""
    pipeline, bases = services.pipeline, [WATER, BANK, PORT]
    cold_runs, cached_runs, layer_runs = (30, 100, 20) if quick else (200, 1000, 100)
    for i in range(WARM_UP):  # connections, tiktoken and lazy imports: not what a running bot pays
        await pipeline.analyse(variant(bases[i % 3], -1 - i))
    calls = stand.openai.calls
    cold = await timed(cold_runs, lambda i: pipeline.analyse(variant(bases[i % 3], i)))
    cold_calls = stand.openai.calls - calls
    row(
        f"cold article, pipeline.analyse ({cold_runs} distinct articles)",
        p50_p99(cold),
        "bot overhead ≤ 20 ms p50",
        percentile(cold, 50) <= BOT_OVERHEAD_BUDGET,
    )
    note("model time is 0 (FakeOpenAI latency 0, StandInModel): nothing subtracted, so this includes the local")
    note("HTTP round trip to the fake model (its server runs in this process, on another thread) and JSON work")
    row(
        "LLM calls for those articles",
        f"{cold_calls} for {cold_runs}",
        f"{cold_runs} (one each)",
        cold_calls == cold_runs,
    )
    layer = await timed(layer_runs, lambda i: services.analyser.analyse(variant(WATER, 50_000 + i)))
    row("  for reference: the LLM layer alone (Analyser.analyse)", p50_p99(layer))
    note("prompt, token count, HTTP round trip to the fake and parsing; the rest of 'cold' is the bot's own work")

    repeat = variant(WATER, 0)  # analysed above: every run is a cache hit
    calls = stand.openai.calls
    cached = await timed(cached_runs, lambda _: pipeline.analyse(repeat))
    row(
        f"cached article, pipeline.analyse ({cached_runs} repeats)",
        p50_p99(cached),
        "≤ 5 ms p50",
        percentile(cached, 50) <= CACHED_BUDGET,
    )
    row("LLM calls for those repeats", str(stand.openai.calls - calls), "0", stand.openai.calls == calls)


async def memory(services: Services, redis_url: str) -> None:
    """MEMORY USAGE of the two keys one cached brief leaves in Redis."""
    brief = await services.pipeline.analyse(WATER)
    namespace = services.pipeline.namespace
    client = redis.Redis.from_url(redis_url)
    try:
        analysis = client.memory_usage(keys.analysis(namespace, brief.article.id), samples=0) or 0
        article = client.memory_usage(keys.article(brief.article.id), samples=0) or 0
    finally:
        client.close()
    total = int(analysis) + int(article)
    row("Redis bytes per cached brief (WATER fixture)", f"{total} B = analysis {analysis} + article {article}")
    note(
        f"≈ {total * 10_000 / 1e6:.0f} MB per 10,000 articles kept for CACHE_TTL_DAYS "
        f"({services.settings.cache_ttl_days:g} days); MEMORY USAGE, key and value included"
    )


async def run(redis_url: str, quick: bool) -> None:
    """Print the pipeline section."""
    section("Pipeline (DESIGN §5: prompt overhead, one call per article, bot overhead)")
    with stand_ins(redis_url) as stand:
        prompt_overhead(stand.settings.openai_model)
        services = await Services.open(stand.settings)
        try:
            article_tokens(services)
            await overhead(services, stand, quick)
            await memory(services, redis_url)
        finally:
            await services.close()
