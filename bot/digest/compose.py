"""A digest from stored analyses: group near-duplicate articles into stories, order, pick (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import text as textlib
from bot.memory.names import name_key
from bot.models import Actor, Analysis, Article, Quote, Source

SAME_STORY = 0.5  # share of word 4-grams two articles must have in common to be one story
ACTORS_PER_STORY = 3
MAX_POSTINGS = 50  # a shingle in more articles than this is boilerplate, not a sign of the same story


@dataclass
class Item:
    """One article that reached the bot: from a chat, or a channel the bot is in."""

    article: Article
    analysis: Analysis
    received_at: float
    offline: bool = False  # the rule-based analyser made `analysis` (no language model)


@dataclass
class Story:
    """Articles about the same news."""

    items: list[Item] = field(default_factory=list)

    @property
    def latest(self) -> float:
        """When the newest of its articles arrived."""
        return max(item.received_at for item in self.items)

    @property
    def sources(self) -> int:
        """How many distinct sources carried it (a channel, a site, a person; unnamed pastes count once each)."""
        names = set()
        for item in self.items:
            source = item.article.source
            names.add((source.kind, source.name or source.url or item.article.id))
        return len(names)

    def source_list(self) -> list[Source]:
        """Its distinct sources, earliest first (as `sources` counts them)."""
        seen: dict[tuple[str, str], Source] = {}
        for item in sorted(self.items, key=lambda item: item.received_at):
            source = item.article.source
            seen.setdefault((source.kind, source.name or source.url or item.article.id), source)
        return list(seen.values())

    @property
    def lead(self) -> Item:
        """The article that speaks for the story: the one with most quotes, then the newest."""
        return max(self.items, key=lambda item: (len(item.analysis.quotes), item.received_at))

    def actors(self, limit: int = ACTORS_PER_STORY) -> list[Actor]:
        """Its key actors: people and organisations first, most often named across its articles."""
        counts: dict[str, int] = defaultdict(int)
        first: dict[str, Actor] = {}
        for item in self.items:
            for actor in item.analysis.actors:
                key = textlib.normalize(actor.name)
                counts[key] += 1
                first.setdefault(key, actor)
        rank = {"person": 0, "organization": 1, "group": 2, "place": 3}
        ordered = sorted(first, key=lambda k: (rank.get(first[k].type, 4), -counts[k]))
        return [first[k] for k in ordered[:limit]]

    def quote(self) -> Quote | None:
        """One notable quote: the longest of the lead article's (a fuller statement says more)."""
        quotes = self.lead.analysis.quotes or [q for item in self.items for q in item.analysis.quotes]
        return max(quotes, key=lambda q: len(q.text)) if quotes else None


class StoryIndex:
    """Articles grouped into stories; more articles can be grouped in later without redoing the rest.

    Digests reuse one index of the channels' posts for every subscriber and add each chat's own
    articles to it. `shingles` caches each article's shingles by id (they never change).
    """

    def __init__(
        self,
        items: list[Item],
        *,
        threshold: float = SAME_STORY,
        shingles: dict[str, set[int]] | None = None,
        version: int = 0,
    ) -> None:
        self.threshold = threshold
        self.version = version  # tells one index from the next (compositions made with it are keyed by it)
        self._shingles = shingles if shingles is not None else {}
        self._items: dict[str, list[Item]] = defaultdict(list)
        self._parent: dict[str, str] = {}
        self._postings: dict[int, list[str]] = defaultdict(list)
        self._add(items, self._parent, self._items, self._postings)

    def extended(self, new: Sequence[Item], version: int) -> StoryIndex:
        """A new index with `new` grouped in as well (this one is left unchanged: readers may hold it).

        The new index shares this one's lists and copies only those it adds to, so extending costs
        about what the new articles cost, not what the whole index does.
        """
        index = StoryIndex([], threshold=self.threshold, shingles=self._shingles, version=version)
        index._parent = dict(self._parent)
        index._items = defaultdict(list, self._items)
        index._postings = defaultdict(list, self._postings)
        index._add(new, index._parent, index._items, index._postings, shared=True)
        return index

    def __len__(self) -> int:
        return len(self._parent)

    def stories(self, extra: Sequence[Item] = ()) -> list[Story]:
        """The stories of the indexed articles plus `extra` (the index itself is left unchanged)."""
        parent = dict(self._parent)
        items: dict[str, list[Item]] = defaultdict(list, self._items)
        if extra:
            self._add(extra, parent, items, defaultdict(list), base=self._postings, shared=True)
        groups: dict[str, Story] = defaultdict(Story)
        for article_id in parent:
            groups[_find(parent, article_id)].items.extend(items[article_id])
        return list(groups.values())

    def _add(
        self,
        new: Sequence[Item],
        parent: dict[str, str],
        items: dict[str, list[Item]],
        postings: dict[int, list[str]],
        base: dict[int, list[str]] | None = None,
        *,
        shared: bool = False,
    ) -> None:
        """Place articles in stories; `postings` is written, `base` (the index's own) only read.

        With `shared`, the lists in `items` and `postings` belong to another index too: they are
        replaced by longer copies instead of being appended to.
        """
        for item in sorted(new, key=lambda i: i.received_at):
            article_id = item.article.id
            if shared:
                items[article_id] = [*items.get(article_id, ()), item]
            else:
                items[article_id].append(item)
            if article_id in parent:
                continue  # the same article again (another source): already placed
            parent[article_id] = article_id
            mine = self._shingles_of(item)
            candidates: set[str] = set()
            for shingle in mine:
                members = postings.get(shingle, [])
                shared_by = len(members) + (len(base.get(shingle, ())) if base is not None else 0)
                if shared_by <= MAX_POSTINGS:  # boilerplate shared by everything says nothing
                    candidates.update(members)
                    if base is not None:
                        candidates.update(base.get(shingle, ()))
                if shared:
                    postings[shingle] = [*members, article_id]
                else:
                    postings.setdefault(shingle, members).append(article_id)
            for other in candidates:
                if (
                    _find(parent, other) != _find(parent, article_id)
                    and textlib.similarity(mine, self._shingles[other]) >= self.threshold
                ):
                    parent[_find(parent, article_id)] = _find(parent, other)

    def _shingles_of(self, item: Item) -> set[int]:
        cached = self._shingles.get(item.article.id)
        if cached is None:
            cached = self._shingles[item.article.id] = textlib.shingles(item.article.text)
        return cached


def _find(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def group_stories(items: list[Item], threshold: float = SAME_STORY) -> list[Story]:
    """Group articles into stories: the same fingerprint, or heavily overlapping text."""
    return StoryIndex(items, threshold=threshold).stories()


def rank(stories: list[Story], limit: int) -> list[Story]:
    """Most sources first, then most recent; at most `limit`."""
    return sorted(stories, key=lambda story: (-story.sources, -story.latest))[:limit]


def top_stories(items: list[Item], limit: int) -> list[Story]:
    """The day's stories, most sources first, then most recent; at most `limit`."""
    return rank(group_stories(items), limit)


def first_sentence(text: str) -> str:
    """The first sentence of a summary (a digest line)."""
    for sentence in textlib.split_sentences(text):
        if sentence.strip():
            return sentence.strip()
    return text.strip()


@dataclass
class Quoted:
    """Someone the day's stories quote: how they are named, how often, and their longest quote."""

    speaker: str
    speaker_en: str
    count: int
    quote: Quote


def most_quoted(stories: list[Story], limit: int = 3) -> list[Quoted]:
    """The people the digest's articles quote most (one actor per name key; no key, no one), with one quote each."""
    found: dict[str, Quoted] = {}
    counted: set[tuple[str, str]] = set()  # an article several sources carried counts once
    for story in stories:
        for item in story.items:
            for quote in item.analysis.quotes:
                key = name_key(quote.speaker) or name_key(quote.speaker_en)
                if not key or (item.article.id, quote.text) in counted:
                    continue
                counted.add((item.article.id, quote.text))
                if key not in found:
                    found[key] = Quoted(quote.speaker, quote.speaker_en, 0, quote)
                entry = found[key]
                entry.count += 1
                if len(quote.text) > len(entry.quote.text):
                    entry.quote = quote
    ranked = sorted(found.values(), key=lambda q: -q.count)
    return ranked[:limit]
