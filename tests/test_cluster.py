"""The store's tests again, on a real Redis Cluster (a local 3-master Valkey Cluster): every multi-key
command and script of the bot stays in one hash slot, nothing relies on KEYS or SCAN, and redis-py's
cluster client behaves as the single-server one does for everything the bot asks of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.cluster import LocalCluster

REPO = Path(__file__).resolve().parents[1]
# The tests that touch Redis most: the store, /forget, who said what, digests, policy (budgets,
# rates, /stats), traffic (albums, long posts), the pipeline's cache and locks, the bot end to end,
# webhooks and the replicas' shared budget.
FILES = [
    "tests/test_store.py", "tests/test_forget.py", "tests/test_who.py", "tests/test_digest.py",
    "tests/test_policy.py", "tests/test_traffic.py", "tests/test_pipeline.py", "tests/test_bot.py",
    "tests/test_webhook.py", "tests/test_replicas.py",
]  # fmt: skip


@pytest.mark.slow
def test_the_redis_tests_pass_on_a_redis_cluster() -> None:
    with LocalCluster(3) as cluster:
        env = os.environ | {"TEST_REDIS_URL": cluster.url}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:cacheprovider", *FILES],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=1500, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
