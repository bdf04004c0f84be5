"""The embedded Valkey is not an open door: no TCP, a password, a memory cap, and no stray server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.config import safe_url
from bot.store.client import Redis
from bot.store.embedded import MAX_MEMORY, SOCKET_PATH_MAX, EmbeddedValkey

REPO = Path(__file__).resolve().parents[1]


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z")


def _wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


def _kill(pid: int) -> None:
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)


def _ask(path: Path, *args: str) -> bytes:
    """One raw RESP command over the Unix socket, without a password (redis-py would retry an auth error)."""
    request = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        sock.connect(str(path))
        sock.sendall(request.encode())
        return sock.recv(256)


def _start(server: EmbeddedValkey) -> str:
    return asyncio.run(server.start())


def _stop(server: EmbeddedValkey) -> None:
    asyncio.run(server.stop())


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedValkey]:
    server = EmbeddedValkey(tmp_path / "valkey")
    _start(server)
    try:
        yield server
    finally:
        _stop(server)


async def test_it_listens_on_no_tcp_port_and_answers_only_with_the_password(embedded: EmbeddedValkey) -> None:
    url = embedded.url
    assert url.startswith("unix://") and "password=" in url
    assert safe_url(url) == f"unix://{embedded.socket_path}?password=***"
    with redis.Redis.from_url(url) as client:
        assert client.config_get("port") == {"port": "0"}  # no TCP listener at all
    assert embedded.socket_path.stat().st_mode & 0o777 == 0o700
    assert embedded.data_dir.stat().st_mode & 0o777 == 0o700
    assert (embedded.data_dir / "valkey.url").stat().st_mode & 0o777 == 0o600  # for a second process
    assert _ask(embedded.socket_path, "GET", "anything").startswith(b"-NOAUTH")
    assert _ask(embedded.socket_path, "AUTH", "guess").startswith(b"-WRONGPASS")
    assert embedded.pidfile.is_file()
    assert not (embedded.data_dir / "valkey.conf").read_text().count("requirepass")  # no secret on disk
    # bot.store.client opens the same URL.
    client = Redis(url)
    try:
        assert await client.ping()
    finally:
        await client.close()


def test_it_has_a_memory_cap_evicting_only_keys_with_a_ttl(embedded: EmbeddedValkey) -> None:
    with redis.Redis.from_url(embedded.url, decode_responses=True) as client:
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "volatile-lru"}
        assert int(client.config_get("maxmemory")["maxmemory"]) == 256 * 1024 * 1024
    assert MAX_MEMORY == "256mb"


def test_a_deep_data_dir_gets_a_short_private_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "valkey"
    server = EmbeddedValkey(deep)
    assert len(os.fsencode(deep / "valkey.sock")) > SOCKET_PATH_MAX
    assert len(os.fsencode(server.socket_path)) <= SOCKET_PATH_MAX
    assert EmbeddedValkey(deep).socket_path == server.socket_path  # one folder, one socket
    _start(server)
    try:
        assert server.socket_path.parent.stat().st_mode & 0o777 == 0o700
        with redis.Redis.from_url(server.url) as client:
            assert client.set("k", "v") and client.get("k") == b"v"
    finally:
        _stop(server)
        server.socket_path.parent.rmdir()  # the server removed its socket


def test_a_second_start_on_the_same_folder_shares_the_live_server(embedded: EmbeddedValkey) -> None:
    with redis.Redis.from_url(embedded.url) as client:
        client.set("shared", "yes")
    second = EmbeddedValkey(embedded.data_dir)
    url = _start(second)
    assert not second.owner and url == embedded.url
    _stop(second)  # does not stop the first one's server
    with redis.Redis.from_url(embedded.url) as client:
        assert client.get("shared") == b"yes"


_STARTER = """
import asyncio, sys, time
from pathlib import Path
import redis
from bot.store.embedded import EmbeddedValkey

async def main():
    server = EmbeddedValkey(Path(sys.argv[1]))
    url = await server.start()
    with redis.Redis.from_url(url) as client:
        client.set("before", "the kill")
    print(server.pidfile.read_text().strip(), flush=True)
    time.sleep(60)

asyncio.run(main())
"""


def test_a_server_left_by_a_killed_bot_is_stopped_at_the_next_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "valkey"
    bot = subprocess.Popen([sys.executable, "-c", _STARTER, str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    old_pid = 0
    try:
        assert bot.stdout is not None
        old_pid = int(bot.stdout.readline())
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=5)
        assert _alive(old_pid), "the server outlives its killed parent"
        server = EmbeddedValkey(data_dir)
        _start(server)
        try:
            assert _wait_gone(old_pid, 1.0)
            assert int(server.pidfile.read_text()) != old_pid
            with redis.Redis.from_url(server.url) as client:
                assert client.get("before") == b"the kill"
        finally:
            _stop(server)
        assert not server.pidfile.exists()
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
        if bot.stdout is not None:
            bot.stdout.close()
        if old_pid:
            _kill(old_pid)


def test_a_pidfile_naming_another_process_leaves_it_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "valkey"
    data_dir.mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (data_dir / "valkey.pid").write_text(f"{other.pid}\n")
        server = EmbeddedValkey(data_dir)
        _start(server)
        try:
            assert other.poll() is None
            assert int(server.pidfile.read_text()) != other.pid
        finally:
            _stop(server)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_no_tcp_port_is_open_to_guess(embedded: EmbeddedValkey) -> None:
    """Nothing the server owns listens on TCP: every listening socket it holds is a Unix one."""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    pid = int(embedded.pidfile.read_text())
    inodes = {
        os.readlink(f"/proc/{pid}/fd/{fd}").removeprefix("socket:[").rstrip("]")
        for fd in os.listdir(f"/proc/{pid}/fd")
        if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    }
    tcp_inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in Path(table).read_text().splitlines()[1:]:
                tcp_inodes.add(line.split()[9])
    assert inodes and not inodes & tcp_inodes
