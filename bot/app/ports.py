"""Listening on a port: one way to bind, one way to say why it failed (the webhook and metrics servers)."""

from __future__ import annotations

import errno
import socket


def bind(listen: str, port: int) -> socket.socket:
    """A listening socket on the address's first family (tornado's own binding leaks one that fails)."""
    infos = socket.getaddrinfo(listen, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart must not wait for TIME_WAIT
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def cannot_listen(exc: OSError, server: str, listen: str, port: int, prefix: str) -> str:
    """One line for a server that cannot listen, naming the settings to change (PREFIX_LISTEN, PREFIX_PORT)."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use: set {prefix}_PORT to a free port (or stop what uses it)"
    return (
        f"the {server} server cannot listen on {listen}:{port} "
        f"({exc.strerror or type(exc).__name__}): check {prefix}_LISTEN and {prefix}_PORT"
    )
