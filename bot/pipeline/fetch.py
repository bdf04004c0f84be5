"""Fetching a news page from a link: safe addresses only, capped size and time, article text via trafilatura."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
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


def _decode(body: bytes, charset: str | None) -> str:
    """The page as text: its declared charset when Python knows it, else UTF-8 (bad bytes replaced)."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset name nobody knows ("bogus-8", "utf8mb4")
        return body.decode("utf-8", errors="replace")


class Fetcher:
    """Fetches pages with one shared HTTP client."""

    def __init__(self, settings: Settings) -> None:
        self.allow_private = settings.allow_private_urls
        self.max_bytes = settings.fetch_max_bytes
        self.timeout = settings.fetch_timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(5.0, self.timeout)),
            follow_redirects=False,  # each hop is checked against the address rules
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
            trust_env=False,
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
            await self._check(url)
            async with self._client.stream("GET", url) as response:
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
                return b"".join(chunks), str(response.url), response.charset_encoding
        raise FetchError("too many redirects", reason="fetch_failed")

    async def _check(self, url: str) -> None:
        """Refuse non-http(s) links and hosts that resolve to private, loopback or link-local addresses."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("not an http(s) link", reason="fetch_blocked")
        if self.allow_private:
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
            )
        except OSError:
            raise FetchError("unknown host", reason="fetch_failed") from None
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not address.is_global or address.is_multicast:
                raise FetchError(f"{parts.hostname} is a private address", reason="fetch_blocked")
