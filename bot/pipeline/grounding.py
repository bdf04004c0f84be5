"""Grounding: what the model says about an article is checked against the article itself (pure)."""

from __future__ import annotations

from bot import text as textlib
from bot.models import Analysis, Grounding

ISO_CODES = {"ar", "en", "fr", "es", "de", "tr", "fa", "ur", "he", "ru", "zh", "it", "pt", "id", "ms", "hi"}


def ground(analysis: Analysis, article: str) -> tuple[Analysis, Grounding]:
    """Keep only verbatim quotes (snapped to the article's exact span) and actors named in the article."""
    index = textlib.ArticleIndex(article)
    report = Grounding()
    quotes = []
    seen_spans: set[str] = set()
    for quote in analysis.quotes:
        span = index.find_quote(quote.text)
        if span is None:
            report.dropped_quotes += 1
            continue
        if span in seen_spans:
            continue  # the same words quoted twice (e.g. a long article analysed in parts)
        seen_spans.add(span)
        if span != quote.text:
            report.snapped_quotes += 1
        quotes.append(quote.model_copy(update={"text": span}))
    actors = []
    seen_names: set[str] = set()
    for actor in analysis.actors:
        key = textlib.normalize(actor.name)
        if key in seen_names:
            continue
        if not index.contains_name(actor.name):
            report.dropped_actors += 1
            continue
        seen_names.add(key)
        actors.append(actor)
    language = analysis.language.strip().lower()[:2]
    if language not in ISO_CODES:
        language = textlib.detect_language(article)
    grounded = analysis.model_copy(update={"quotes": quotes, "actors": actors, "language": language})
    return grounded, report
