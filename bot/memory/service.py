"""Who said what across the week's articles: record each brief's verified quotes and actors, answer
/who, count "also in N articles" and list a brief's speakers' other quotes — all from Redis, no model.

A chat sees what it sent and what the approved channels posted (the channels' scope). One actor is
one name key (bot.memory.names); inside one article a speaker written by surname alone ("غوتيريس")
is the article's one actor of that surname, written in full, when there is exactly one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bot.memory.names import closest, matches, name_key
from bot.models import Analysis, Article
from bot.store import Store
from bot.store.memory import CHANNELS, Remembered, Said, chat_scope

PAGE = 5
OTHER_QUOTES = 3  # per speaker under "who said what"
REMEMBERED_TYPES = ("person", "organization", "group")


def actor_id(key: str) -> str:
    """The short id of an actor's name key (Redis key part and button data)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass
class Actor:
    """An actor the memory knows: its id and how the latest article names it."""

    id: str
    who: Remembered


@dataclass
class WhoPage:
    """A page of an actor's quotes, newest first."""

    actor: Actor
    quotes: list[Said]
    offset: int
    total: int

    @property
    def more(self) -> bool:
        """True when older quotes follow this page."""
        return self.offset + len(self.quotes) < self.total


@dataclass
class WhoAnswer:
    """What /who found: a page of one actor's quotes, or the names to choose from (several match, or none)."""

    page: WhoPage | None = None
    choices: list[Actor] = field(default_factory=list)
    suggestions: bool = False  # True: nothing matched; `choices` are the closest names


def _key_of(name: str, name_en: str = "") -> str:
    return name_key(name) or name_key(name_en)


class Memory:
    """The memory of actors and quotes (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, chat_id: int | None, article: Article, analysis: Analysis, *, at: float) -> None:
        """Remember a brief's actors and verified quotes: in the chat's scope, or the channels' (chat_id None)."""
        actors: dict[str, Remembered] = {}
        quotes: dict[str, list[Said]] = {}
        by_key: dict[str, Remembered] = {}
        for actor in analysis.actors:
            key = _key_of(actor.name, actor.name_en)
            if key and actor.type in REMEMBERED_TYPES:
                who = Remembered(
                    name=actor.name,
                    name_en=actor.name_en,
                    type=actor.type,
                    role_ar=actor.role.ar,
                    role_en=actor.role.en,
                    at=at,
                )
                by_key.setdefault(key, who)
        for quote in analysis.quotes:
            key = self._speaker_key(quote.speaker, quote.speaker_en, by_key)
            if not key:
                continue  # "مصدر", a bare title: nobody to remember it under
            who = by_key.setdefault(key, Remembered(name=quote.speaker, name_en=quote.speaker_en, at=at))
            said = Said(
                article_id=article.id,
                text=quote.text,
                speaker=who.name,
                speaker_en=who.name_en or quote.speaker_en,
                translation=quote.translation,
                source=article.source.name or "",
                url=article.source.url,
                at=at,
            )
            quotes.setdefault(actor_id(key), []).append(said)
        actors = {actor_id(key): who for key, who in by_key.items()}
        scope = CHANNELS if chat_id is None else chat_scope(chat_id)
        await self.store.remember(scope, article.id, actors, quotes, owner=chat_id, now=at)

    @staticmethod
    def _speaker_key(speaker: str, speaker_en: str, actors: dict[str, Remembered]) -> str:
        """A speaker's name key; a surname alone names the article's one actor of that surname."""
        key = _key_of(speaker, speaker_en)
        if not key or key in actors:
            return key
        fuller = [k for k, who in actors.items() if matches(speaker, who.name)]
        return fuller[0] if len(fuller) == 1 else key

    async def _known(self, chat_id: int) -> dict[str, Remembered]:
        known = await self.store.known_actors(CHANNELS)
        mine = await self.store.known_actors(chat_scope(chat_id))
        for actor, who in mine.items():  # the later mention's role wins
            if actor not in known or who.at >= known[actor].at:
                known[actor] = who
        return known

    async def who(self, chat_id: int, query: str) -> WhoAnswer:
        """What /who NAME shows: the one actor the name matches (first page), or names to choose from."""
        known = await self._known(chat_id)
        hits = [
            Actor(a, who)
            for a, who in known.items()
            if matches(query, who.name) or (who.name_en and matches(query, who.name_en))
        ]
        if len(hits) == 1:
            return WhoAnswer(page=await self.page(chat_id, hits[0].id, 0, known))
        if hits:
            return WhoAnswer(choices=sorted(hits, key=lambda h: -h.who.at)[:8])
        names = {who.name: a for a, who in known.items()}
        names.update({who.name_en: a for a, who in known.items() if who.name_en})
        near = closest(query, list(names))
        seen: list[str] = []
        for name in near:
            if names[name] not in seen:
                seen.append(names[name])
        return WhoAnswer(choices=[Actor(a, known[a]) for a in seen], suggestions=True)

    async def page(
        self, chat_id: int, actor: str, offset: int, known: dict[str, Remembered] | None = None, *, size: int = PAGE
    ) -> WhoPage | None:
        """A page of an actor's quotes from the chat's and the channels' articles, newest first."""
        known = known if known is not None else await self._known(chat_id)
        if actor not in known:
            return None
        scopes = [s for s in (chat_scope(chat_id), CHANNELS) if await self.store.quote_count(s, actor)]
        if len(scopes) == 1:  # one scope: its page straight from Redis, O(log n + page)
            said, total = await self.store.quotes_of(scopes[0], actor, offset=offset, count=size)
            return WhoPage(Actor(actor, known[actor]), said, offset, total)
        merged: list[Said] = []
        total = 0
        for scope in scopes:  # both: the newest offset + PAGE of each, merged
            said, count = await self.store.quotes_of(scope, actor, offset=0, count=offset + size)
            merged += said
            total += count
        unique: dict[tuple[str, str], Said] = {}
        for s in sorted(merged, key=lambda s: -s.at):
            unique.setdefault((s.article_id, s.text), s)  # a post the chat forwarded from a channel the bot reads
        ordered = list(unique.values())
        total -= len(merged) - len(ordered)
        return WhoPage(Actor(actor, known[actor]), ordered[offset : offset + size], offset, max(total, 0))

    async def also_in(self, chat_id: int, analysis: Analysis, article_id: str) -> dict[str, int]:
        """For each actor of a brief, in how many other articles of the last days the chat saw them."""
        ids = {actor.name: actor_id(k) for actor in analysis.actors if (k := _key_of(actor.name, actor.name_en))}
        if not ids:
            return {}
        wanted = sorted(set(ids.values()))
        seen: dict[str, set[str]] = {a: set() for a in wanted}
        for scope in (chat_scope(chat_id), CHANNELS):
            for actor, articles in (await self.store.article_counts(scope, wanted)).items():
                seen[actor] |= articles
        counts = {name: len(seen[a] - {article_id}) for name, a in ids.items()}
        return {name: n for name, n in counts.items() if n}

    async def said_elsewhere(self, chat_id: int, analysis: Analysis, article_id: str) -> list[tuple[str, list[Said]]]:
        """A brief's speakers with their other recent quotes (not from this article), newest first."""
        known = await self._known(chat_id)
        out: list[tuple[str, list[Said]]] = []
        done: set[str] = set()
        by_key = {
            k: Remembered(name=a.name, name_en=a.name_en) for a in analysis.actors if (k := _key_of(a.name, a.name_en))
        }
        speakers = [self._speaker_key(q.speaker, q.speaker_en, by_key) for q in analysis.quotes]
        for key in speakers:
            actor = actor_id(key) if key else ""
            if not actor or actor in done or actor not in known:
                continue
            done.add(actor)
            own = speakers.count(key)  # this article's own quotes come first on the page: look past them
            page = await self.page(chat_id, actor, 0, known, size=own + OTHER_QUOTES)
            others = [s for s in (page.quotes if page else []) if s.article_id != article_id][:OTHER_QUOTES]
            if others:
                out.append((known[actor].name, others))
        return out
