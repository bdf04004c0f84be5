"""Link fetching connects to the address it checked: no second lookup between the check and the
connection (DNS rebinding), on the first hop and on every redirect, over http and https.

Made-up names (news.example, ...) are answered by a stand-in resolver; the only server is on 127.0.0.1.
In the tests that need a hop to pass the address check, 127.0.0.1 plays the public internet.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings
from bot.errors import FetchError
from bot.pipeline import fetch
from bot.pipeline.fetch import Fetcher, is_public
from tests.articles import WATER

LOOPBACK = ipaddress.ip_address("127.0.0.1")


class Resolver:
    """Answers made-up names with scripted addresses, one list per lookup (the last repeats); other
    names fail, so nothing here ever asks a real name server."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo

    def __call__(self, host: object, port: object, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            try:
                ipaddress.ip_address(name)
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(name)
        turns = self.answers[name]
        answer = turns[min(self.lookups.count(name), len(turns)) - 1]
        number = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, number, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, number))
            for a in answer
        ]


@pytest.fixture
def resolve(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Resolver]:
    """Install a Resolver for the given names: resolve(**{"news.example": [["127.0.0.1"], ...]})."""

    def install(answers: dict[str, list[list[str]]]) -> Resolver:
        resolver = Resolver(answers)
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        return resolver

    return install


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The address check treats 127.0.0.1 (only) as public, as a news site's address would be."""
    monkeypatch.setattr(fetch, "is_public", lambda address: address == LOOPBACK)


class Site:
    """A news site on 127.0.0.1 that records the Host header and TLS server name of every request."""

    def __init__(self) -> None:
        self.port = 0
        self.hosts: list[str] = []
        self.server_names: list[str | None] = []

    def app(self) -> web.Application:
        title, _, body = WATER.partition("\n\n")
        page = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        page += "".join(f"<p>{p}</p>" for p in body.split("\n\n")) + "</article></body></html>"

        async def news(request: web.Request) -> web.Response:
            self.hosts.append(request.headers["Host"])
            return web.Response(text=page, content_type="text/html")

        async def moved(request: web.Request) -> web.Response:
            self.hosts.append(request.headers["Host"])
            raise web.HTTPFound(request.query["to"].replace("PORT", str(self.port)))

        app = web.Application()
        app.router.add_get("/news/water", news)
        app.router.add_get("/moved", moved)
        return app


@asynccontextmanager
async def serve(cert: Path | None = None) -> AsyncIterator[Site]:
    """Run a Site on 127.0.0.1 (https with this certificate, its key beside it, when given)."""
    site = Site()
    context = None
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, cert.with_suffix(".key"))
        context.sni_callback = lambda _sock, name, _ctx: site.server_names.append(name)
    runner = web.AppRunner(site.app(), access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    site.port = runner.addresses[0][1]
    try:
        yield site
    finally:
        await runner.cleanup()


@pytest.fixture
async def fetcher(settings_factory: Callable[..., Settings]) -> AsyncIterator[Callable[..., Fetcher]]:
    """Build Fetchers (settings as keyword arguments) and close them after the test."""
    made: list[Fetcher] = []

    def make(verify: ssl.SSLContext | bool = True, **overrides: object) -> Fetcher:
        made.append(Fetcher(settings_factory(**overrides), verify=verify))
        return made[-1]

    yield make
    for one in made:
        await one.close()


def _certificate(directory: Path, name: str) -> Path:
    """A self-signed certificate for name, made by openssl: name.crt beside its key, name.key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert = directory / f"{name}.crt"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}"]
    names = ["-addext", f"subjectAltName=DNS:{name}"]
    files = ["-keyout", str(cert.with_suffix(".key")), "-out", str(cert)]
    subprocess.run([*request, *names, *files], check=True, capture_output=True)
    return cert


@pytest.mark.usefixtures("loopback_is_public")
async def test_the_connection_goes_to_the_checked_address_even_when_the_name_rebinds(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver]
) -> None:
    # The check sees 127.0.0.1; any later lookup would answer ::1, where nothing listens.
    resolver = resolve({"news.example": [["127.0.0.1"], ["::1"]]})
    async with serve() as site:
        page = await fetcher(allow_private_urls=False).fetch(f"http://news.example:{site.port}/news/water")
    assert resolver.lookups == ["news.example"]  # looked up once, for the check
    assert site.hosts == [f"news.example:{site.port}"]
    assert page.url == f"http://news.example:{site.port}/news/water"
    assert "الأردن" in page.article


async def test_each_hop_keeps_its_own_host_header(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver]
) -> None:
    resolver = resolve({"news.example": [["127.0.0.1"]], "mirror.example": [["127.0.0.1"]]})
    async with serve() as site:
        page = await fetcher(allow_private_urls=True).fetch(
            f"http://news.example:{site.port}/moved?to=http://mirror.example:PORT/news/water"
        )
    assert site.hosts == [f"news.example:{site.port}", f"mirror.example:{site.port}"]
    assert resolver.lookups == ["news.example", "mirror.example"]
    assert page.url == f"http://mirror.example:{site.port}/news/water"


@pytest.mark.usefixtures("loopback_is_public")
@pytest.mark.parametrize("private", ["10.0.0.7", "169.254.169.254", "::1", "fd00::5"])
async def test_a_redirect_to_a_private_address_is_refused(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver], private: str
) -> None:
    resolve({"news.example": [["127.0.0.1"]], "intranet.example": [[private]]})
    async with serve() as site:
        with pytest.raises(FetchError) as caught:
            await fetcher(allow_private_urls=False).fetch(
                f"http://news.example:{site.port}/moved?to=http://intranet.example:PORT/news/water"
            )
    assert caught.value.params["reason"] == "fetch_blocked"
    assert site.hosts == [f"news.example:{site.port}"]  # the redirect was never followed


async def test_a_name_for_loopback_is_refused_by_the_real_rules(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver]
) -> None:
    resolve({"localhost.example": [["127.0.0.1"]]})
    with pytest.raises(FetchError) as caught:
        await fetcher(allow_private_urls=False).fetch("http://localhost.example:9/news")
    assert caught.value.params["reason"] == "fetch_blocked"


@pytest.mark.usefixtures("loopback_is_public")
async def test_a_host_with_one_private_address_among_public_ones_is_refused(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver]
) -> None:
    resolve({"news.example": [["127.0.0.1", "10.0.0.7"]]})
    async with serve() as site:
        with pytest.raises(FetchError) as caught:
            await fetcher(allow_private_urls=False).fetch(f"http://news.example:{site.port}/news/water")
    assert caught.value.params["reason"] == "fetch_blocked"
    assert site.hosts == []


async def test_the_next_checked_address_is_tried_when_one_refuses(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver]
) -> None:
    resolve({"news.example": [["::1", "127.0.0.1"]]})  # nothing listens on ::1
    async with serve() as site:
        page = await fetcher(allow_private_urls=True).fetch(f"http://news.example:{site.port}/news/water")
    assert site.hosts == [f"news.example:{site.port}"]
    assert page.url.startswith("http://news.example:")


async def test_an_unknown_host_is_a_clear_failure(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver]
) -> None:
    resolve({})
    for allow in (False, True):
        with pytest.raises(FetchError) as caught:
            await fetcher(allow_private_urls=allow).fetch("http://nowhere.example/news")
        assert caught.value.params["reason"] == "fetch_failed"


async def test_https_uses_the_hostname_for_the_server_name_and_the_certificate(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver], tmp_path: Path
) -> None:
    resolve({"news.example": [["127.0.0.1"]]})
    cert = _certificate(tmp_path, "news.example")
    trust = ssl.create_default_context(cafile=cert)
    async with serve(cert) as site:
        page = await fetcher(verify=trust, allow_private_urls=True).fetch(
            f"https://news.example:{site.port}/news/water"
        )
    assert site.server_names == ["news.example"]
    assert site.hosts == [f"news.example:{site.port}"]
    assert page.url == f"https://news.example:{site.port}/news/water"


async def test_https_refuses_a_certificate_for_another_name(
    fetcher: Callable[..., Fetcher], resolve: Callable[..., Resolver], tmp_path: Path
) -> None:
    resolve({"news.example": [["127.0.0.1"]]})
    cert = _certificate(tmp_path, "other.example")
    trust = ssl.create_default_context(cafile=cert)
    async with serve(cert) as site:
        with pytest.raises(FetchError) as caught:
            await fetcher(verify=trust, allow_private_urls=True).fetch(f"https://news.example:{site.port}/news/water")
    assert caught.value.params["reason"] == "fetch_failed"
    assert site.hosts == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_no_name_reaches_a_real_resolver() -> None:
    with pytest.raises(socket.gaierror):
        Resolver({})("news.example", 80)
