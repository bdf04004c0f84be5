"""Settings: the only place that reads the environment (and `.env`)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from bot.errors import ConfigError

# Context windows of well-known models (input + output tokens). Anything else: 128k, or set
# OPENAI_CONTEXT_TOKENS. Local servers often run with a smaller window than the model supports:
# the LLM client also learns the real limit from a context_length_exceeded answer.
KNOWN_CONTEXT_TOKENS: dict[str, int] = {
    "gpt-4o-mini": 128_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "gpt-5": 400_000,
    "gpt-5-mini": 400_000,
    "gpt-5-nano": 400_000,
    "gpt-4-turbo": 128_000,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "llama3.1": 128_000,
    "llama3.2": 128_000,
    "qwen2.5": 32_768,
    "mistral": 32_768,
}
DEFAULT_CONTEXT_TOKENS = 128_000

# Prices in US dollars per million tokens (input, output) of well-known models, for /stats' estimate;
# OPENAI_PRICE_INPUT / OPENAI_PRICE_OUTPUT override them (a local model costs what its machine costs: 0).
KNOWN_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}


def context_tokens_for(model: str) -> int:
    """Return the context window of a known model (longest matching name prefix), else 128000."""
    best = _longest_prefix(model, KNOWN_CONTEXT_TOKENS)
    return KNOWN_CONTEXT_TOKENS[best] if best else DEFAULT_CONTEXT_TOKENS


def _longest_prefix(model: str, table: dict[str, Any]) -> str:
    name = model.lower().rsplit("/", 1)[-1]
    return max((known for known in table if name.startswith(known)), key=len, default="")


def _without_blanks(source: PydanticBaseSettingsSource) -> PydanticBaseSettingsSource:
    """Drop the source's whitespace-only values (`KEY="  "`): like empty ones, they mean "not set"."""
    values: Any = getattr(source, "env_vars", None)
    if isinstance(values, dict):
        source.env_vars = {  # type: ignore[attr-defined]
            k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())
        }
    return source


def _id_list(value: object) -> object:
    if isinstance(value, str):
        return [part for part in value.replace(";", ",").replace(" ", ",").split(",") if part]
    if isinstance(value, int):
        return [value]
    return value


_QUERY_SECRETS = {"password", "pass", "username", "user"}


CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}  # REDIS_URL naming a Redis Cluster


def cluster_url(url: str) -> str | None:
    """The plain URL of a `redis+cluster://` URL (what RedisCluster is given), or None for a single server."""
    scheme, sep, rest = url.partition("://")
    plain = CLUSTER_SCHEMES.get(scheme.lower()) if sep else None
    return f"{plain}://{rest}" if plain else None


def safe_url(url: str) -> str:
    """A URL with its userinfo and its query's password (and username) masked, for one-line messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if k.lower() in _QUERY_SECRETS else v) for k, v in pairs], safe="*")
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "") + fragment


class Settings(BaseSettings):
    """Everything the bot can be configured with; `.env.example` documents each key."""

    # An empty value (`OPENAI_BASE_URL=` in .env, or an empty variable) means "not set": the default
    # applies, so a freshly copied .env.example is valid as it stands.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True, str_strip_whitespace=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    openai_api_key: SecretStr | None = None
    openai_base_url: AnyHttpUrl | None = None
    openai_model: str = "gpt-4o-mini"
    openai_context_tokens: int | None = Field(default=None, ge=2048)
    openai_timeout: float = Field(default=60.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=10)
    openai_total_timeout: float = Field(default=75.0, gt=0)
    openai_max_output_tokens: int = Field(default=2500, ge=256)
    openai_structured: Literal["auto", "json_schema", "json_object", "tools"] = "auto"
    openai_reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    openai_temperature: float = Field(default=0.2, ge=0, le=2)
    # Who makes a brief: auto = the model with the rule-based extractor beside it (hybrid) when a model
    # is configured, else the rules alone; llm = the model alone; hybrid; rules = never a model.
    analyzer: Literal["auto", "llm", "hybrid", "rules"] = "auto"
    llm_concurrency: int = Field(default=8, ge=1, le=256)
    redis_url: str | None = None
    cache_ttl_days: float = Field(default=30, gt=0)
    data_dir: Path = Path("data")
    default_language: Literal["ar", "en"] = "ar"
    timezone: str = "UTC"
    allowed_user_ids: Annotated[list[int], NoDecode] = []
    admin_user_ids: Annotated[list[int], NoDecode] = []
    allowed_channel_ids: Annotated[list[int], NoDecode] = []
    daily_token_budget: int = Field(default=200_000, ge=0)
    daily_token_budget_total: int = Field(default=0, ge=0)
    user_requests_per_minute: int = Field(default=6, ge=0)
    openai_price_input: float | None = Field(default=None, ge=0)
    openai_price_output: float | None = Field(default=None, ge=0)
    max_input_chars: int = Field(default=30_000, ge=200)
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - a webhook server must listen beyond loopback
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    allow_private_urls: bool = False
    fetch_max_bytes: int = Field(default=2_000_000, ge=10_000)
    fetch_timeout: float = Field(default=15.0, gt=0)
    digest_max_stories: int = Field(default=10, ge=1, le=50)
    memory_days: float = Field(default=7, gt=0, le=90)  # how long /who remembers who said what
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_listen: str = "0.0.0.0"  # noqa: S104 - Prometheus scrapes from another machine
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The usual sources, with whitespace-only environment and `.env` values taken for unset."""
        return init_settings, _without_blanks(env_settings), _without_blanks(dotenv_settings), file_secret_settings

    @field_validator("telegram_bot_token", "openai_api_key", "webhook_secret", mode="before")
    @classmethod
    def _blank_secret(cls, value: object) -> object:
        # A pasted secret often carries a space or newline; one of only spaces is no secret at all.
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("allowed_user_ids", "admin_user_ids", "allowed_channel_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return _id_list(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("openai_structured", "openai_reasoning_effort", "analyzer", mode="before")
    @classmethod
    def _lower_choice(cls, value: object) -> object:
        return value.lower().strip() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Riyadh)") from exc
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/bot"):
            raise ValueError(
                "must be the Bot API's URL up to /bot, without the token, e.g. https://api.telegram.org/bot"
            )
        try:
            urlsplit(value).port  # noqa: B018 - a malformed port raises
        except ValueError:
            raise ValueError("has a malformed port (e.g. http://localhost:8081/bot)") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        cluster = cluster_url(value) is not None
        if not (cluster or value.startswith(("redis://", "rediss://", "unix://"))):
            raise ValueError(
                "must start with redis://, rediss:// or unix:// (e.g. redis://localhost:6379/0), "
                "or redis+cluster:// for a Redis Cluster"
            )
        if cluster and urlsplit(value).path.strip("/") not in ("", "0"):
            raise ValueError("is a Redis Cluster, which has only database 0: drop the /N at its end")
        try:
            urlsplit(value).port  # noqa: B018 - a malformed port raises
        except ValueError:
            raise ValueError("has a malformed port: use a number, e.g. redis://localhost:6379/0") from None
        return value

    @model_validator(mode="after")
    def _webhook_pair(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @model_validator(mode="after")
    def _analyzer_needs_a_model(self) -> Settings:
        if self.analyzer in ("llm", "hybrid") and not self.model_configured:
            raise ValueError(
                f"ANALYZER={self.analyzer} needs a model: set OPENAI_API_KEY or OPENAI_BASE_URL (or ANALYZER=rules)"
            )
        return self

    @property
    def model_configured(self) -> bool:
        """True when a model endpoint is configured (an API key or a base URL)."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def analyser_mode(self) -> Literal["llm", "hybrid", "rules"]:
        """ANALYZER with `auto` resolved: hybrid when a model is configured, else rules."""
        if self.analyzer == "auto":
            return "hybrid" if self.model_configured else "rules"
        return self.analyzer

    @property
    def context_tokens(self) -> int:
        """The model's context window: the setting, else the known value for the model."""
        return self.openai_context_tokens or context_tokens_for(self.openai_model)

    @property
    def cache_ttl_seconds(self) -> int:
        """How long analyses and article data are kept, in seconds."""
        return int(self.cache_ttl_days * 86_400)

    @property
    def prices(self) -> tuple[float, float] | None:
        """US dollars per million input and output tokens: the settings, else the known model's; None if unknown."""
        known = KNOWN_PRICES.get(_longest_prefix(self.openai_model, KNOWN_PRICES))
        price_in = self.openai_price_input if self.openai_price_input is not None else (known or (None, None))[0]
        price_out = self.openai_price_output if self.openai_price_output is not None else (known or (None, None))[1]
        if price_in is None or price_out is None:
            return None
        return price_in, price_out

    @property
    def pseudonym_secret(self) -> bytes:
        """The key of users' pseudonyms (bot.metrics.pseudonym): derived from the bot's token, so every
        replica agrees and nobody without the token can tell whose counter is whose."""
        token = self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else ""
        return hashlib.sha256(b"naba-pseudonym:" + token.encode()).digest()

    @property
    def memory_seconds(self) -> int:
        """MEMORY_DAYS in seconds."""
        return int(self.memory_days * 86400)

    @property
    def zone(self) -> ZoneInfo:
        """The default time zone for digests."""
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a missing or malformed one raises ConfigError naming it in one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except UnicodeDecodeError:
        name = overrides.get("_env_file", Settings.model_config.get("env_file"))
        raise ConfigError(f"{name}: is not UTF-8 text (save it as UTF-8)") from None
    except OSError as exc:
        name = overrides.get("_env_file", Settings.model_config.get("env_file"))
        raise ConfigError(f"{name}: cannot be read ({exc.strerror or type(exc).__name__})") from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = "_".join(str(p) for p in error["loc"]).upper() or "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{name}: {message}" if error["loc"] else message)
    return "invalid setting " + "; ".join(parts)
