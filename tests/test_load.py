"""The load test of DESIGN §7 (bench/cluster.py): three replicas in webhook mode on a local 3-master
Valkey Cluster, the fake Bot API posting 300 updates round-robin with one in ten re-posted to another
replica, then 1,000 subscribers due at one minute. Only exact outcomes are asserted; the send rate is
printed (`python -m bench --only cluster` shows every figure)."""

from __future__ import annotations

import pytest

from bench.cluster import run_load


@pytest.mark.slow
def test_three_replicas_on_a_cluster_answer_each_update_once_and_send_each_digest_once() -> None:
    report = run_load(replicas_n=3, chats=100, per_chat=3, subscribers=1000, duplicate_every=10)
    tails = "\n-----\n".join(report.logs)
    print(f"send rate {report.send_rate:.1f} msg/s over {report.digest_seconds:.1f} s; updates in {report.update_seconds:.1f} s")
    assert report.posted == 330  # 300 updates, 30 of them posted twice
    assert (report.answered_once, report.answered_twice, report.unanswered) == (300, 0, 0), tails
    assert report.model_calls == report.distinct_articles == 100, tails  # the repeats cost nothing
    assert report.throttled == 0, tails  # one budget for the three: Telegram never answered 429
    assert (report.digests_once, report.digests_twice, report.digests_missing) == (1000, 0, 0), tails
