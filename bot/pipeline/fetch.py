"""Fetching a news page from a link: safe addresses only, capped size and time, article text via trafilatura."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
import trafilatura

from bot.config import Settings
from bot.errors import FetchError

log = logging.getLogger(__name__)

URL = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
MAX_REDIRECTS = 5
USER_AGENT = "Mozilla/5.0 (compatible; NabaBot/0.1; +https://github.com/naba-bot)"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass
class Page:
    """The article found on a page."""

    url: str
    site: str
    title: str
    text: str

    @property
    def article(self) -> str:
        """Title and text, as a reader would paste them."""
        return f"{self.title}\n\n{self.text}" if self.title and self.title not in self.text[:300] else self.text


def find_url(text: str) -> str | None:
    """The first http(s) link in text, without trailing punctuation."""
    match = URL.search(text or "")
    return match.group(0).rstrip(".,;:!?)]}،؛؟") if match else None


def is_just_a_link(text: str) -> bool:
    """True when a message is a link with at most a few words around it (not an article quoting a link)."""
    url = find_url(text)
    return url is not None and len(text.replace(url, "").split()) <= 12


def is_public(address: Address) -> bool:
    """True for an address on the public internet (not private, loopback, link-local, reserved or multicast)."""
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    """One hop's link and the addresses checked for its host: the connection goes only to these."""

    url: httpx.URL
    addresses: tuple[Address, ...]


def _decode(body: bytes, charset: str | None) -> str:
    """The page as text: its declared charset when Python knows it, else UTF-8 (bad bytes replaced)."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset name nobody knows ("bogus-8", "utf8mb4")
        return body.decode("utf-8", errors="replace")


class Fetcher:
    """Fetches pages with one shared HTTP client (verify: the TLS trust, a test's own CA for instance)."""

    def __init__(self, settings: Settings, verify: ssl.SSLContext | bool = True) -> None:
        self.allow_private = settings.allow_private_urls
        self.max_bytes = settings.fetch_max_bytes
        self.timeout = settings.fetch_timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(5.0, self.timeout)),
            follow_redirects=False,  # each hop is checked against the address rules
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
            # The pool keys connections by address alone: a kept-alive TLS connection verified for one
            # host would be reused for another host pinned to the same address. One connection per request.
            limits=httpx.Limits(max_keepalive_connections=0),
            trust_env=False,
            verify=verify,
        )

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def fetch(self, url: str) -> Page:
        """Download the page at url and extract its article (raises FetchError with a reason key)."""
        try:
            async with asyncio.timeout(self.timeout):
                body, final_url, charset = await self._download(url)
        except TimeoutError:
            raise FetchError("the site took too long", reason="fetch_timeout") from None
        except httpx.HTTPError as exc:
            log.info("fetching %s failed: %s", url, exc)
            raise FetchError("the site could not be reached", reason="fetch_failed") from None
        html = _decode(body, charset)
        document = await asyncio.to_thread(
            trafilatura.bare_extraction,
            html,
            url=final_url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
        text = (getattr(document, "text", None) or "").strip() if document is not None else ""
        if len(text.split()) < 20:
            raise FetchError("no article text on the page", reason="fetch_no_text")
        title = (getattr(document, "title", None) or "").strip()
        site = (getattr(document, "sitename", None) or "").strip() or (urlsplit(final_url).hostname or "")
        return Page(url=final_url, site=site, title=title, text=text)

    async def _download(self, url: str) -> tuple[bytes, str, str | None]:
        for _hop in range(MAX_REDIRECTS + 1):
            target = await self._check(url)
            async with self._open(target) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code >= 400:
                    raise FetchError(
                        f"status {response.status_code}", reason="fetch_status", status=response.status_code
                    )
                kind = response.headers.get("content-type", "text/html").split(";")[0].strip().lower()
                if kind not in ("text/html", "application/xhtml+xml", "text/plain", ""):
                    raise FetchError(f"content type {kind}", reason="fetch_not_html")
                length = response.headers.get("content-length", "").strip()
                if length.isdigit() and int(length) > self.max_bytes:  # a malformed length is not trusted
                    raise FetchError("page too large", reason="fetch_too_big")
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError("page too large", reason="fetch_too_big")
                    chunks.append(chunk)
                return b"".join(chunks), str(target.url), response.charset_encoding
        raise FetchError("too many redirects", reason="fetch_failed")

    @asynccontextmanager
    async def _open(self, target: Target) -> AsyncIterator[httpx.Response]:
        """GET the target from one of its checked addresses, the next one only when connecting fails.

        The request names the address itself, so httpx never resolves the host again (no DNS rebinding);
        the Host header and, for https, the TLS server name and certificate check keep the host's name.
        """
        host = target.url.raw_host.decode("ascii")
        extensions = {"sni_hostname": host} if target.url.scheme == "https" else {}
        for number, address in enumerate(target.addresses, start=1):
            request = self._client.build_request(
                "GET",
                target.url.copy_with(host=str(address)),  # httpx brackets an IPv6 address
                headers={"Host": target.url.netloc.decode("ascii")},
                extensions=extensions,
            )
            try:
                response = await self._client.send(request, stream=True)
            except httpx.ConnectError:
                if number == len(target.addresses):
                    raise
                continue
            try:
                yield response
            finally:
                await response.aclose()
            return

    async def _check(self, url: str) -> Target:
        """Resolve the link's host once; refuse non-http(s) links and, unless private addresses are
        allowed, a host with any private, loopback or link-local address."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            raise FetchError("not an http(s) link", reason="fetch_blocked") from None
        if parsed.scheme not in ("http", "https") or not parsed.raw_host:
            raise FetchError("not an http(s) link", reason="fetch_blocked")
        host = parsed.raw_host.decode("ascii")  # IDNA-encoded, as httpx would send it
        addresses = await _resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80))
        if not self.allow_private and not all(is_public(address) for address in addresses):
            # One unsafe answer refuses the host: which address a client would pick is not ours to bet on.
            raise FetchError(f"{host} is a private address", reason="fetch_blocked")
        return Target(url=parsed, addresses=addresses)


async def _resolve(host: str, port: int) -> tuple[Address, ...]:
    """The host's addresses, in the resolver's order, each once (an address literal is itself)."""
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # UnicodeError: a label longer than DNS allows
        raise FetchError("unknown host", reason="fetch_failed") from None
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError("unknown host", reason="fetch_failed")
    return addresses
