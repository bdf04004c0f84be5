"""`naba eval`: score the pipeline on gold-annotated articles (format: ../shared/eval/README.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from bot import text as textlib
from bot.models import Brief

METRICS = ("quote_recall", "quote_precision", "speaker_accuracy", "actor_recall")


class GoldQuote(BaseModel):
    """A quote the article really contains."""

    speaker: str = ""
    speaker_en: str | None = None
    text: str


class GoldActor(BaseModel):
    """An actor a good brief names."""

    name: str
    english_name: str | None = None


class GoldArticle(BaseModel):
    """One line of the dataset."""

    id: str
    title: str = ""
    text: str
    quotes: list[GoldQuote] = Field(default_factory=list)
    actors: list[GoldActor] = Field(default_factory=list)
    optional_quotes: list[GoldQuote] = Field(default_factory=list)
    optional_actors: list[GoldActor] = Field(default_factory=list)

    @property
    def article(self) -> str:
        """The text a reader would forward: title, blank line, body."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text


def parse_dataset(text: str, name: str, limit: int | None = None) -> list[GoldArticle]:
    """The gold articles of a JSONL dataset's text; raises ValueError naming the file and the bad line."""
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(GoldArticle.model_validate_json(line))
        except ValidationError as exc:
            raise ValueError(f"{name}:{number}: not a gold article ({_first_error(exc)})") from None
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise ValueError(f"{name}: holds no articles (one JSON object per line; see ../shared/eval/README.md)")
    return items


def _first_error(exc: ValidationError) -> str:
    """What is wrong with a line, in a few words: 'text: Field required', 'Invalid JSON: …'."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    more = f" and {exc.error_count() - 1} more" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}" if where else f"{error['msg']}{more}"


def _key(text: str) -> str:
    return textlib.match_key(text)[0]


def quote_matches(shown: str, gold: str) -> bool:
    """A shown quote counts for a gold one when their words are the same.

    Tolerated: punctuation, quotation marks, hamza forms, diacritics, and a shown span at most 20%
    longer that contains the gold one (the model kept an introductory word).
    """
    shown_key, gold_key = _key(shown), _key(gold)
    if not shown_key or not gold_key:
        return False
    if shown_key == gold_key:
        return True
    return f" {gold_key} " in f" {shown_key} " and len(shown_key) <= len(gold_key) * 1.2


def _tokens(name: str) -> set[str]:
    return {token for token in _key(name).split() if len(token) >= 3}


def speaker_matches(shown: str, shown_en: str, gold: GoldQuote) -> bool:
    """Same speaker: the names share a word (e.g. «غوتيريس» and «أنطونيو غوتيريس»)."""
    if _tokens(shown) & _tokens(gold.speaker):
        return True
    return bool(gold.speaker_en and shown_en and _tokens(shown_en) & _tokens(gold.speaker_en))


def actor_matches(shown: str, gold: str) -> bool:
    """Same actor: equal normalised names, or one contains the other as whole words."""
    a, b = _key(shown), _key(gold)
    if not a or not b:
        return False
    return a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} "


def score(gold: GoldArticle, brief: Brief, seconds: float) -> dict[str, Any]:
    """Counts and ratios for one article."""
    shown = brief.analysis.quotes
    recalled = [g for g in gold.quotes if any(quote_matches(q.text, g.text) for q in shown)]
    speakers_right = sum(
        1
        for g in recalled
        if any(quote_matches(q.text, g.text) and speaker_matches(q.speaker, q.speaker_en, g) for q in shown)
    )
    acceptable = gold.quotes + gold.optional_quotes
    precise = sum(1 for q in shown if any(quote_matches(q.text, g.text) for g in acceptable))
    names = [a.name for a in brief.analysis.actors]
    actors_found = sum(1 for g in gold.actors if any(actor_matches(n, g.name) for n in names))
    counts = {
        "gold_quotes": len(gold.quotes),
        "recalled_quotes": len(recalled),
        "shown_quotes": len(shown),
        "precise_quotes": precise,
        "right_speakers": speakers_right,
        "gold_actors": len(gold.actors),
        "found_actors": actors_found,
        "dropped_quotes": brief.grounding.dropped_quotes,
        "snapped_quotes": brief.grounding.snapped_quotes,
        "dropped_actors": brief.grounding.dropped_actors,
        "tokens_in": brief.usage.prompt_tokens,
        "tokens_out": brief.usage.completion_tokens,
        "llm_calls": brief.usage.calls,
        "seconds": round(seconds, 2),
    }
    return {"id": gold.id, **_ratios(counts), **counts}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _ratios(c: dict[str, Any]) -> dict[str, float | None]:
    return {
        "quote_recall": _ratio(c["recalled_quotes"], c["gold_quotes"]),
        "quote_precision": _ratio(c["precise_quotes"], c["shown_quotes"]),
        "speaker_accuracy": _ratio(c["right_speakers"], c["recalled_quotes"]),
        "actor_recall": _ratio(c["found_actors"], c["gold_actors"]),
    }


def total(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged totals over all articles (failed articles count as misses)."""
    sums: dict[str, Any] = {}
    count = 0
    for row in rows:
        count += 1
        for key, value in row.items():
            if isinstance(value, int | float) and key not in METRICS:
                sums[key] = sums.get(key, 0) + value
    sums["seconds"] = round(sums.get("seconds", 0.0), 2)
    return {"articles": count, **_ratios(sums), **sums}


def failed_row(gold: GoldArticle, error: str, seconds: float) -> dict[str, Any]:
    """A row for an article the pipeline could not analyse."""
    counts: dict[str, float] = dict.fromkeys(
        (
            "recalled_quotes",
            "shown_quotes",
            "precise_quotes",
            "right_speakers",
            "found_actors",
            "dropped_quotes",
            "snapped_quotes",
            "dropped_actors",
            "tokens_in",
            "tokens_out",
            "llm_calls",
        ),
        0,
    )
    counts |= {"gold_quotes": len(gold.quotes), "gold_actors": len(gold.actors), "seconds": round(seconds, 2)}
    return {"id": gold.id, **_ratios(counts), **counts, "error": error}


def table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """A plain-text table for people."""
    head = (
        f"{'article':<28} {'q.rec':>6} {'q.prec':>6} {'spk':>6} {'act':>6} "
        f"{'drop':>5} {'tok in':>7} {'out':>6} {'sec':>6}"
    )

    def fmt(value: float | None) -> str:
        return "   -  " if value is None else f"{value:6.2f}"

    lines = [head, "-" * len(head)]
    for row in [*rows, {"id": "TOTAL", **summary}]:
        if row["id"] == "TOTAL":
            lines.append("-" * len(head))
        lines.append(
            f"{row['id'][:28]:<28} {fmt(row['quote_recall'])} {fmt(row['quote_precision'])} "
            f"{fmt(row['speaker_accuracy'])} {fmt(row['actor_recall'])} {row['dropped_quotes']:>5} "
            f"{row['tokens_in']:>7} {row['tokens_out']:>6} {row['seconds']:>6.1f}"
            + (f"  ERROR: {row['error']}" if row.get("error") else "")
        )
    return "\n".join(lines)


def report_json(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The machine-readable report."""
    return json.dumps({"articles": rows, "total": summary}, ensure_ascii=False, indent=2)


def now() -> float:
    """A monotonic clock for timing articles."""
    return time.perf_counter()
