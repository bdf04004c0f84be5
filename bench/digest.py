"""Digest composition: grouping 1,000 articles into stories and rendering the top 10, pure and from Redis."""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Awaitable, Callable

from bench.common import ms, note, p50_p99, percentile, row, section, stand_ins
from bot import text as textlib
from bot.app.services import Services
from bot.digest.compose import Item, StoryIndex, group_stories, rank, top_stories
from bot.models import Analysis, Article, CachedAnalysis, Grounding, Source, Usage
from bot.render.digest import render_digest
from tests.articles import BANK, BANK_ANALYSIS, WATER, WATER_ANALYSIS, long_article

ARTICLES, BASES, CHANNELS = 1_000, 300, 40
DAY = 86_400
PER_DIGEST = 1 / 30  # derived: composing one subscriber's digest must not hold the loop longer than a send slot
CHAT = 777
VOCABULARY = sorted(set(re.findall(r"[\u0621-\u064a]{3,}", WATER + BANK + long_article(6))))
ACTORS = [*WATER_ANALYSIS["actors"], *BANK_ANALYSIS["actors"]]


def words(rng: random.Random, low: int, high: int) -> str:
    """Fixture words in a random order: shared vocabulary, but no shared phrases between stories."""
    return " ".join(rng.choices(VOCABULARY, k=rng.randint(low, high)))


def base_article(rng: random.Random, i: int) -> tuple[str, str]:
    """A distinct story (text, its quote): a headline, paragraphs of fixture words, one quoted statement."""
    quote = words(rng, 7, 10)
    paragraphs = [f"{words(rng, 18, 30)} في عام {2000 + i % 25} بنسبة {i % 97} في المئة." for _ in range(5)]
    paragraphs.insert(1, f'وقال المتحدث باسم الوزارة في مؤتمر صحفي إن "{quote}" بحسب البيان الرسمي.')
    return f"{words(rng, 6, 9)} {i}\n\n" + "\n\n".join(paragraphs), quote


def retold(rng: random.Random, text: str, k: int) -> str:
    """The same story from another source: a new signature, a 'breaking' header, or one paragraph more."""
    if k % 3 == 0:
        return f"{text}\n\nتابعونا على قناتنا @source{k}"  # same fingerprint: only the signature differs
    if k % 3 == 1:
        return f"عاجل |\n{text}\n\nوأضاف مراسلنا أن {words(rng, 10, 16)}."  # near-duplicate
    head, _, rest = text.partition("\n\n")
    return f"{head}\n\n{words(rng, 12, 20)}.\n\n{rest}"  # near-duplicate with a new lead paragraph


def analysis_of(rng: random.Random, text: str, quote: str) -> Analysis:
    """What the model would have said: first line, first paragraph, fixture actors, the verbatim quote."""
    head, _, rest = text.partition("\n\n")
    lead = rest.split("\n\n", 1)[0]
    return Analysis.model_validate(
        {
            "headline": {"ar": head, "en": f"EN: {head[:40]}"},
            "summary": {"ar": lead, "en": "A summary."},
            "actors": rng.sample(ACTORS, 3),
            "quotes": [{"speaker": "المتحدث", "speaker_en": "the spokesman", "text": quote, "translation": "…"}],
            "language": "ar",
        }
    )


def build_items(now: float, seed: int = 7) -> list[Item]:
    """1,000 articles of the last 24 hours: 300 stories, retold 700 times by other channels (skewed)."""
    rng = random.Random(seed)
    stories = [base_article(rng, i) for i in range(BASES)]
    picks = [(i, -1) for i in range(BASES)] + [(int(BASES * rng.random() ** 2), k) for k in range(ARTICLES - BASES)]
    items = []
    for story, k in picks:
        text, quote = stories[story]
        text = textlib.clean_article(text if k < 0 else retold(rng, text, k))
        channel = story % CHANNELS if k < 0 else rng.randrange(CHANNELS)
        article = Article(
            id=textlib.fingerprint(text),
            text=text,
            language=textlib.detect_language(text),
            words=textlib.word_count(text),
            source=Source(kind="channel", name=f"قناة {channel}"),
            received_at=now - rng.uniform(60, DAY - 600),
        )
        items.append(Item(article, analysis_of(rng, text, quote), article.received_at))
    return items


def repeat(runs: int, work: Callable[[], object]) -> list[float]:
    """Seconds taken by each of `runs` calls."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return samples


def pure(items: list[Item], runs: int) -> None:
    """top_stories + render_digest on the items, no Redis; then one subscriber's share of a run."""
    day = time.strftime("%Y-%m-%d")
    found = len(group_stories(items))
    distinct = len({item.article.id for item in items})
    compose = repeat(runs, lambda: top_stories(items, 10))
    stories = top_stories(items, 10)
    render = repeat(runs, lambda: render_digest(stories, day, "ar"))
    row(f"compose {len(items):,} articles: top_stories(…, 10)", p50_p99(compose))
    row("  render_digest of the top 10 (ar)", p50_p99(render))
    note(
        f"{distinct} distinct fingerprints grouped into {found} stories (built: {BASES}); top story has "
        f"{stories[0].sources} sources; {len(render_digest(stories, day, 'ar'))} message(s)"
    )
    # In a digest run the channels' posts are grouped once (StoryIndex); each subscriber adds its own.
    channel, own = items[:-10], items[-10:]
    index = StoryIndex(channel)
    per_chat = repeat(runs * 3, lambda: render_digest(rank(index.stories(own), 10), day, "ar"))
    row(
        f"  per subscriber: {len(own)} own articles + the run's index of {len(channel):,} posts",
        p50_p99(per_chat),
        f"≤ {ms(PER_DIGEST)} (derived)",
        percentile(per_chat, 50) <= PER_DIGEST,
    )
    note("derived goal: 30 digests/s on one event loop leave ≤ 33 ms per subscriber for composing and rendering;")
    note("the channels' posts are grouped once per run (the line above), not once per subscriber")


async def stored(services: Services, items: list[Item], runs: int) -> None:
    """services.digests.stories(chat) with the items stored in Redis as one chat's articles."""
    namespace, store = services.pipeline.namespace, services.store
    for item in items:
        sha = hashlib.sha256(item.article.text.encode()).hexdigest()
        cached = CachedAnalysis(
            raw=item.analysis, grounded=item.analysis, grounding=Grounding(), text_sha=sha, usage=Usage()
        )
        await store.put_article(item.article)
        await store.put_analysis(namespace, item.article.id, cached)
        await store.add_chat_article(CHAT, item.article.id, item.article.source, item.received_at)
    await services.digests.stories(CHAT)  # warm-up

    async def read() -> None:
        entries = await store.chat_articles(CHAT, services.clock.time() - DAY)
        await store.get_many(namespace, [article_id for article_id, _, _ in entries])

    async def composed() -> object:
        services.digests._composed.clear()  # a first /digest: composed, not the cached composition
        return await services.digests.stories(CHAT)

    whole = await timed(runs, composed)
    again = await timed(runs, lambda: services.digests.stories(CHAT))
    reading = await timed(runs, read)
    row(f"services.digests.stories(chat): {len(items):,} of one chat's articles in Redis", p50_p99(whole))
    row("  the same again (nothing changed: the composition is reused)", p50_p99(again))
    row("  of which reading (chat_articles + get_many + parsing)", p50_p99(reading))
    note(f"one pipelined GET of {2 * len(items):,} keys, pydantic parsing of the articles and cached analyses;")
    note("the extreme of one chat forwarding 1,000 articles a day (a digest run reads each chat's own once)")


async def timed(runs: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    """Seconds taken by each of `runs` awaits of work()."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - started)
    return samples


async def run(redis_url: str, quick: bool) -> None:
    """Print the digest composition section."""
    section("Digest composition (1,000 articles of one day → top 10 stories)")
    runs = 3 if quick else 10
    with stand_ins(redis_url) as stand:
        services = await Services.open(stand.settings)
        try:
            items = build_items(services.clock.time())
            pure(items, runs)
            await stored(services, items, runs)
        finally:
            await services.close()
