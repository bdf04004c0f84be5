"""Pydantic models shared by every layer: the analysis contract of DESIGN §2 and what surrounds it."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["ar", "en"]
AnalyserKind = Literal["llm", "hybrid", "rules"]  # who made an analysis (ANALYZER, resolved)
ActorType = Literal["person", "organization", "place", "group"]


def _compact(schema: Any, *, in_properties: bool = False) -> Any:
    """Drop titles and descriptions: they cost prompt tokens and tell the model nothing the prompt does not."""
    if isinstance(schema, dict):
        return {
            key: _compact(value, in_properties=key in ("properties", "$defs") and not in_properties)
            for key, value in schema.items()
            if in_properties or key not in ("title", "description")
        }
    if isinstance(schema, list):
        return [_compact(item) for item in schema]
    return schema


def _inline_single_use(schema: dict[str, Any]) -> dict[str, Any]:
    """Put definitions referenced only once in place: fewer tokens than a $ref plus a $defs entry."""
    defs = schema.get("$defs", {})
    text = repr(schema)
    single = {name for name in defs if text.count(f"'#/$defs/{name}'") == 1}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if len(node) == 1 and ref.startswith("#/$defs/") and ref[8:] in single:
                return walk(defs[ref[8:]])
            return {key: walk(value) for key, value in node.items() if key != "$defs"}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    out: dict[str, Any] = walk(schema)
    kept = {name: walk(value) for name, value in defs.items() if name not in single}
    return {"$defs": kept, **out} if kept else out


_SCHEMAS: dict[tuple[type, str], str] = {}


class _Strict(BaseModel):
    # extra="forbid" puts additionalProperties:false in the JSON schema, as strict output requires.
    model_config = ConfigDict(extra="forbid")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON schema sent to the model, without titles and descriptions (DESIGN §5 token budget).

        Built once per model (pydantic takes milliseconds to make it; the SDK asks on every call)
        and returned as a fresh copy, since the SDK edits what it gets.
        """
        key = (cls, repr((args, sorted(kwargs.items()))))
        if key not in _SCHEMAS:
            schema = _inline_single_use(dict(_compact(super().model_json_schema(*args, **kwargs))))
            _SCHEMAS[key] = json.dumps(schema)
        return dict(json.loads(_SCHEMAS[key]))


class Bilingual(_Strict):
    """The same text in Arabic and in English."""

    ar: str
    en: str

    def get(self, lang: Lang) -> str:
        """Return the text in `lang`, falling back to the other language when it is empty."""
        first, second = (self.ar, self.en) if lang == "ar" else (self.en, self.ar)
        return first.strip() or second.strip()


class Actor(_Strict):
    """Someone or something the article is about, as written in the article."""

    name: str
    name_en: str
    type: ActorType
    role: Bilingual


class Quote(_Strict):
    """A direct quote: `text` is a verbatim span of the article."""

    speaker: str
    speaker_en: str
    text: str
    translation: str


class Analysis(_Strict):
    """One article's brief in both languages; the JSON schema the model must follow."""

    headline: Bilingual
    summary: Bilingual
    actors: list[Actor]
    quotes: list[Quote]
    language: str


class Headline(_Strict):
    """Headline and summary only: the output of the call that merges the parts of a long article."""

    headline: Bilingual
    summary: Bilingual


class Answer(_Strict):
    """The model's answer to a follow-up question about one article."""

    answer: str
    answered: bool
    quotes: list[str]


class Usage(BaseModel):
    """Tokens spent by LLM calls."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            calls=self.calls + other.calls,
        )

    @property
    def total(self) -> int:
        """Prompt and completion tokens together."""
        return self.prompt_tokens + self.completion_tokens


class Grounding(BaseModel):
    """What the grounding step changed in the model's output."""

    dropped_quotes: int = 0
    snapped_quotes: int = 0
    dropped_actors: int = 0


class Source(BaseModel):
    """Where an article came from: a forwarded channel or person, a link, or the user's paste."""

    kind: Literal["channel", "chat", "user", "hidden_user", "link", "paste"] = "paste"
    name: str | None = None
    url: str | None = None
    chat_id: int | None = None  # the channel, for a post the bot read in a channel it is a member of

    @property
    def names(self) -> tuple[str, ...]:
        """The names a post of this source may be signed with (its channel signature; see bot.text)."""
        return (self.name,) if self.name else ()


class Article(BaseModel):
    """An article as received: the exact text the quotes are grounded in."""

    id: str
    text: str
    language: str
    words: int
    source: Source = Field(default_factory=Source)
    received_at: float = 0.0


class StandIn(BaseModel):
    """Why a rule-based brief stands in for the model's: the catalogue key of the model's failure or
    refusal (error_llm_unavailable, error_budget …) and its parameters."""

    key: str
    params: dict[str, int | str] = Field(default_factory=dict)


class Brief(BaseModel):
    """The pipeline's result for one article."""

    article: Article
    analysis: Analysis
    from_cache: bool = False
    usage: Usage = Field(default_factory=Usage)
    grounding: Grounding = Field(default_factory=Grounding)
    seconds: float = 0.0
    analyser: AnalyserKind = "llm"
    standin: StandIn | None = None  # set when the rules answered because the model could not

    @property
    def offline(self) -> bool:
        """True when no language model made this brief (the rule-based analyser did)."""
        return self.analyser == "rules"


class CachedAnalysis(BaseModel):
    """What the cache keeps per article: the model's output and its grounded form."""

    raw: Analysis
    grounded: Analysis
    grounding: Grounding
    text_sha: str
    usage: Usage
    analyser: AnalyserKind = "llm"  # entries cached before issue 10 were the model's alone
    rules_version: str = ""  # the extractor's version that made or merged `grounded` (hybrid, rules)


class Turn(BaseModel):
    """One follow-up question and the bot's answer."""

    question: str
    answer: str
    user_id: int | None = None  # who asked: a group's thread holds several users' turns (/forget removes theirs)
    at: float | None = None  # when (Unix time; the store sets it): turns older than the thread's TTL are dropped


class Subscription(BaseModel):
    """A chat's daily digest: local time, time zone and language."""

    chat_id: int
    time: str = "08:00"  # HH:MM, local
    timezone: str = "UTC"
    lang: Lang = "ar"
    group: bool = False


class DayStats(BaseModel):
    """One UTC day's figures for /stats (summed over every replica)."""

    day: str  # YYYY-MM-DD
    active_users: int = 0
    briefs: int = 0
    articles: int = 0  # analysed by the model (a cache miss that was answered)
    cache_hits: int = 0
    cache_misses: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    budget_refusals: int = 0
    rate_refusals: int = 0
    digests_sent: int = 0
    digests_failed: int = 0
    errors: dict[str, int] = Field(default_factory=dict)  # by kind (the catalogue key the user saw)


class StatsReport(BaseModel):
    """What /stats shows: the last days (oldest first, today last) and the state of things now."""

    days: list[DayStats]
    subscribers: int = 0
    redis_memory_bytes: int | None = None  # None when Redis does not answer
    model: str = ""
    prices: tuple[float, float] | None = None  # US dollars per million input, output tokens
