"""A digest from stored analyses: group near-duplicate articles into stories, order, pick (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot import text as textlib
from bot.models import Actor, Analysis, Article, Quote

SAME_STORY = 0.5  # share of word 4-grams two articles must have in common to be one story
ACTORS_PER_STORY = 3


@dataclass
class Item:
    """One article that reached the bot: from a chat, or a channel the bot is in."""

    article: Article
    analysis: Analysis
    received_at: float


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


def group_stories(items: list[Item], threshold: float = SAME_STORY) -> list[Story]:
    """Group articles into stories: the same fingerprint, or heavily overlapping text."""
    unique: dict[str, Item] = {}
    duplicates: dict[str, list[Item]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.received_at):
        duplicates[item.article.id].append(item)
        unique.setdefault(item.article.id, item)
    ids = list(unique)
    parent = {article_id: article_id for article_id in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    shingles = {article_id: textlib.shingles(unique[article_id].article.text) for article_id in ids}
    # Compare only articles that share at least one shingle (an inverted index, not all pairs).
    postings: dict[int, list[str]] = defaultdict(list)
    for article_id in ids:
        for shingle in shingles[article_id]:
            postings[shingle].append(article_id)
    checked: set[tuple[str, str]] = set()
    for members in postings.values():
        if len(members) > 50:
            continue  # boilerplate shared by everything says nothing about the story
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = (a, b) if a < b else (b, a)
                if pair in checked:
                    continue
                checked.add(pair)
                if find(a) != find(b) and textlib.similarity(shingles[a], shingles[b]) >= threshold:
                    parent[find(a)] = find(b)
    stories: dict[str, Story] = defaultdict(Story)
    for article_id in ids:
        stories[find(article_id)].items.extend(duplicates[article_id])
    return list(stories.values())


def top_stories(items: list[Item], limit: int) -> list[Story]:
    """The day's stories, most sources first, then most recent; at most `limit`."""
    stories = group_stories(items)
    stories.sort(key=lambda story: (-story.sources, -story.latest))
    return stories[:limit]


def first_sentence(text: str) -> str:
    """The first sentence of a summary (a digest line)."""
    for sentence in textlib.split_sentences(text):
        if sentence.strip():
            return sentence.strip()
    return text.strip()
