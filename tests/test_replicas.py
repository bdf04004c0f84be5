"""Several replicas on one Redis: one send budget, a 429 honoured by all, each update handled once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from bot import metrics
from bot.app.ratelimit import SharedRateLimiter
from bot.app.services import Services
from bot.models import Source, Subscription
from bot.store import Store, keys
from bot.store.client import Redis
from bot.store.pace import Rate
from tests.articles import PORT, WATER
from tests.fakes.cluster import free_port, sync_client
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bot import CHANNEL, replies
from tests.test_webhook import webhook_replica

BOT_ID = 123456


@contextlib.asynccontextmanager
async def replica(telegram: FakeTelegram, limiter: Any, redis_url: str | None) -> AsyncIterator[ExtBot[Any]]:
    """One replica's Bot: its own Redis connection (when given) and its own limiter."""
    store = Store(Redis(redis_url), ttl=3600) if redis_url else None
    if store is not None and isinstance(limiter, SharedRateLimiter):
        limiter.attach(store, BOT_ID)
    bot: ExtBot[Any] = ExtBot(telegram.token, base_url=telegram.base_url, rate_limiter=limiter)
    async with bot:
        yield bot
    if store is not None:
        await store.close()


async def _send_all(bot: ExtBot[Any], chats: list[int]) -> int:
    """Send one message to each chat at once; how many Telegram refused with 429."""
    results = await asyncio.gather(*(bot.send_message(chat, "خبر") for chat in chats), return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, RetryAfter)]
    assert unexpected == []
    return sum(isinstance(r, RetryAfter) for r in results)


def _chats(telegram: FakeTelegram, first: int, n: int) -> list[int]:
    for chat in range(first, first + n):
        telegram.register_chat(chat, "private")
    return list(range(first, first + n))


async def test_two_replicas_keep_to_one_send_budget(telegram: FakeTelegram, redis_url: str) -> None:
    """Two replicas sending at once: with their own budgets they exceed Telegram's 30 a second (the fake
    answers 429); with the shared one, all 90 messages arrive and Telegram never refuses one."""
    async with (
        replica(telegram, AIORateLimiter(max_retries=0), None) as one,
        replica(telegram, AIORateLimiter(max_retries=0), None) as two,
    ):
        refused = sum(await asyncio.gather(_send_all(one, _chats(telegram, 1000, 45)),
                                           _send_all(two, _chats(telegram, 2000, 45))))  # fmt: skip
    assert refused > 0 and telegram.throttled == refused  # the fake enforces the limit the bot must keep

    telegram.reset_rates()
    telegram.throttled = 0
    async with (
        replica(telegram, SharedRateLimiter(max_retries=0), redis_url) as one,
        replica(telegram, SharedRateLimiter(max_retries=0), redis_url) as two,
    ):
        started = len(telegram.calls_to("sendMessage"))
        refused = sum(await asyncio.gather(_send_all(one, _chats(telegram, 3000, 45)),
                                           _send_all(two, _chats(telegram, 4000, 45))))  # fmt: skip
    assert refused == 0 and telegram.throttled == 0
    sent = [c for c in telegram.calls_to("sendMessage")[started:] if c.ok]
    assert len(sent) == 90
    # One budget paced them: a burst of 28, then 28 a second for the other 62, whichever replica sent them.
    times = sorted(c.time for c in sent)
    assert times[-1] - times[0] >= (90 - 28) / 28 - 0.1


async def test_a_429_holds_every_replica(telegram: FakeTelegram, redis_url: str) -> None:
    """Telegram's retry_after, answered to one replica, is kept by the other too."""
    _chats(telegram, 5000, 2)
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    counted = metrics.RATE_LIMITED.labels(server="telegram")._value.get()
    async with (
        replica(telegram, SharedRateLimiter(), redis_url) as one,
        replica(telegram, SharedRateLimiter(), redis_url) as two,
    ):
        first = asyncio.create_task(one.send_message(5000, "أولى"))
        await telegram.wait_for(lambda: len(telegram.rejected) == 1)
        refused_at = telegram.rejected[0].time
        await two.send_message(5001, "ثانية")  # not refused itself: it waits for the pause it was told of
        await first  # retried once the pause is over
    [other] = [c for c in telegram.calls_to("sendMessage") if c.chat_id == 5001]
    assert other.ok and other.time - refused_at >= 1.0
    assert [c.ok for c in telegram.calls_to("sendMessage") if c.chat_id == 5000] == [False, True]
    assert metrics.RATE_LIMITED.labels(server="telegram")._value.get() == counted + 1


async def test_a_group_budget_is_shared_too(telegram: FakeTelegram, redis_url: str) -> None:
    """A group's 20 a minute is one budget: two replicas together send only that many, the rest wait."""
    group = -100777
    telegram.register_chat(group, "supergroup")
    budget = Rate(3, 60.0)
    async with (
        replica(telegram, SharedRateLimiter(group=budget), redis_url) as one,
        replica(telegram, SharedRateLimiter(group=budget), redis_url) as two,
    ):
        sends = [asyncio.create_task(bot.send_message(group, f"{i}")) for i in range(3) for bot in (one, two)]
        await telegram.wait_for(lambda: len(telegram.bot_messages(group)) >= 3)
        await asyncio.sleep(0.5)
        assert len(telegram.bot_messages(group)) == 3 and telegram.throttled == 0
        for send in sends:
            send.cancel()
        await asyncio.gather(*sends, return_exceptions=True)


async def test_a_busy_group_does_not_hold_up_other_chats(telegram: FakeTelegram, redis_url: str) -> None:
    """A group's spent budget delays only that group's messages: a private chat's reply goes at once."""
    group = -100778
    telegram.register_chat(group, "supergroup")
    _chats(telegram, 5100, 1)
    async with replica(telegram, SharedRateLimiter(group=Rate(3, 60.0)), redis_url) as bot:
        backlog = [asyncio.create_task(bot.send_message(group, f"{i}")) for i in range(8)]
        await telegram.wait_for(lambda: len(telegram.bot_messages(group)) == 3)
        await asyncio.wait_for(bot.send_message(5100, "رد"), 2.0)  # not behind the group's five waiting ones
        assert len(telegram.bot_messages(group)) == 3
        for send in backlog:
            send.cancel()
        await asyncio.gather(*backlog, return_exceptions=True)


async def test_messages_already_scheduled_keep_a_429_pause_too(telegram: FakeTelegram, redis_url: str) -> None:
    """Messages that had their moment reserved before the 429 wait out its pause as well, on both replicas."""
    chats = _chats(telegram, 5200, 10)
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    budget = Rate(1, 0.5)  # one at a time, half a second apart: the others are waiting for their slot at the 429
    async with (
        replica(telegram, SharedRateLimiter(overall=budget), redis_url) as one,
        replica(telegram, SharedRateLimiter(overall=budget), redis_url) as two,
    ):
        sends = [bot.send_message(chat, "خبر") for bot, chat in zip([one, two] * 5, chats, strict=True)]
        await asyncio.gather(*sends)
    [refused] = telegram.rejected
    during = [c for c in telegram.calls_to("sendMessage") if refused.time < c.time < refused.time + 2.0]
    assert during == []
    assert len([c for c in telegram.calls_to("sendMessage") if c.ok]) == 10


async def test_without_redis_each_replica_paces_itself(telegram: FakeTelegram) -> None:
    """Redis unreachable: the limiter falls back to in-process pacing, and every message still goes."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    async with replica(telegram, SharedRateLimiter(max_retries=0), dead) as bot:
        assert await _send_all(bot, _chats(telegram, 6000, 40)) == 0
    assert len([c for c in telegram.calls_to("sendMessage") if c.ok]) == 40 and telegram.throttled == 0


async def test_an_update_posted_to_two_replicas_is_answered_once(bot_settings, telegram: FakeTelegram) -> None:
    """Telegram re-posts an update it got no quick 200 for, a load balancer retries on another replica:
    whichever replicas get the copies, the user gets one brief."""
    secret = "s3cret-Token_2"
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    repeated = metrics.REPEATED_UPDATES._value.get()
    async with webhook_replica(bot_settings, secret) as one, webhook_replica(bot_settings, secret) as two:
        message = telegram.send_text(7010, PORT, forward_origin=CHANNEL, language_code="en")
        body = json.dumps({"update_id": 910001, "message": message})
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(*(client.post(url, content=body, headers=headers)
                                             for url in (one, two, one, two)))  # fmt: skip
            assert [a.status_code for a in answers] == [200] * 4
            [brief] = await replies(telegram, 7010)
            await asyncio.sleep(1.0)  # time for a second brief to arrive, were there one
            assert len(telegram.bot_messages(7010)) == 1
            assert "«We will not return until the safety agreement is signed»" in brief.text
            # A new update id is a new update: /help, posted once, is answered.
            command = telegram.send_command(7010, "help")
            await client.post(two, content=json.dumps({"update_id": 910002, "message": command}), headers=headers)
            await replies(telegram, 7010, 2)
    assert metrics.REPEATED_UPDATES._value.get() == repeated + 3


async def test_a_replica_that_dies_mid_run_leaves_its_digests_to_the_others(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three replicas share the due digests; one stops answering in the middle of sending: once its
    claims run out (CLAIM_SECONDS, shortened here) another replica sends what it had not, each digest
    once. While a replica is alive its claims are renewed, however long its sends wait."""
    monkeypatch.setattr("bot.store.digests.CLAIM_SECONDS", 1)
    monkeypatch.setattr("bot.digest.service.CLAIM_SECONDS", 1)
    replicas = [await Services.open(settings) for _ in range(3)]
    try:
        a, b, c = replicas
        article = await a.pipeline.analyse(WATER)
        now = a.clock.time()
        chats = list(range(20_000, 20_030))
        for chat in chats:
            await a.store.add_chat_article(chat, article.article.id, Source(kind="channel", name="قناة"), now)
            await a.digests.subscribe(chat, [(a.clock.now() + timedelta(minutes=1)).strftime("%H:%M"), "UTC"],
                                      "ar", group=False)  # fmt: skip
        for services in replicas:
            services.clock.advance(120)

        sent: dict[int, list[str]] = defaultdict(list)
        stuck = asyncio.Event()

        async def render(subscription: Subscription, stories: Any, day: str) -> list[str]:
            return [f"digest {subscription.chat_id}"]

        def sender(name: str, hang_after: int | None = None) -> Any:
            started = 0

            async def send(chat_id: int, html: str) -> None:
                nonlocal started
                started += 1
                if hang_after is not None and started > hang_after:
                    stuck.set()
                    await asyncio.Event().wait()  # this replica stops answering (it died)
                await asyncio.sleep(0.01)
                sent[chat_id].append(name)

            return send

        dying = asyncio.create_task(a.digests.run_due(render, sender("a", hang_after=5)))
        await asyncio.wait_for(stuck.wait(), 10)
        await asyncio.sleep(0.1)  # the five it did send are marked sent
        await asyncio.sleep(2.5)  # longer than a claim: the dying replica's are kept alive by its renewals…
        assert await b.digests.run_due(render, sender("b")) + await c.digests.run_due(render, sender("c")) == 0
        dying.cancel()  # …until it is gone: nothing renews them any more
        await asyncio.gather(dying, return_exceptions=True)
        await asyncio.sleep(1.5)
        await asyncio.gather(b.digests.run_due(render, sender("b")), c.digests.run_due(render, sender("c")))
        assert sorted(sent) == chats and all(len(v) == 1 for v in sent.values())
        assert sum(v == ["a"] for v in sent.values()) == 5  # what it sent before it died; the others sent the rest
        assert await a.store.due_subscriptions(a.clock.time()) == []  # every one rescheduled to tomorrow
    finally:
        for services in replicas:
            await services.close()


async def test_a_replica_whose_claim_ran_out_stops_sending(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica stalled past its claim (another took the digest over meanwhile) does not send it too."""
    monkeypatch.setattr("bot.store.digests.CLAIM_SECONDS", 1)
    monkeypatch.setattr("bot.digest.service.CLAIM_SECONDS", 1)
    services = await Services.open(settings)
    try:
        chat = 21_000
        article = await services.pipeline.analyse(WATER)
        now = services.clock.now()
        await services.store.add_chat_article(chat, article.article.id, Source(kind="channel", name="قناة"), now.timestamp())
        await services.digests.subscribe(chat, [(now + timedelta(minutes=1)).strftime("%H:%M"), "UTC"], "ar", group=False)
        services.clock.advance(120)
        day = services.clock.now().strftime("%Y-%m-%d")
        sent: list[int] = []
        stalled, release = asyncio.Event(), asyncio.Event()

        async def render(subscription: Subscription, stories: Any, day: str) -> list[str]:
            return ["digest"]

        async def send(chat_id: int, html: str) -> None:
            stalled.set()
            await release.wait()  # a replica stalled (a long GC pause, a network partition)…
            sent.append(chat_id)

        run = asyncio.create_task(services.digests.run_due(render, send))
        await asyncio.wait_for(stalled.wait(), 10)
        client = sync_client(settings.redis_url)
        client.set(keys.digest_sent(chat, day), "sending:another-replica", ex=60)  # …and another took over
        client.close()
        assert await asyncio.wait_for(run, 5) == 0  # its renewal found the claim gone and stopped the send
        release.set()
        await asyncio.sleep(0.1)
        assert sent == []
    finally:
        await services.close()
