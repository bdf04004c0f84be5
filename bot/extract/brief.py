"""A whole Analysis from the rules alone (pure): what Naba shows when no language model is at hand.

Headline and summary are the article's lead (`lead`), in the article's language only; the other
language's fields stay empty, and the renderer says that a translation needs a model. Actors are
those a pattern or a list gives (`find_actors`); quotes are every direct quote with its speaker
(`find_quotes`), verbatim and untranslated. English names are the lists' English names or a
transliteration (`to_latin`).
"""

from __future__ import annotations

from bot.extract.actors import find_actors
from bot.extract.hybrid import same_speaker
from bot.extract.latin import to_latin
from bot.extract.lead import lead
from bot.extract.quotes import find_quotes
from bot.models import Actor, Analysis, Bilingual, Quote
from bot.text import detect_language

__all__ = ["rules_analysis"]


def rules_analysis(text: str) -> Analysis:
    """The analysis of an article made by the rules alone (no model; about a few milliseconds)."""
    language = detect_language(text)
    top = lead(text)
    actors = [
        Actor(
            name=a.name,
            name_en=a.name_en or to_latin(a.name),
            type=a.type,
            role=Bilingual(ar=a.role_ar, en=a.role_en),
        )
        for a in find_actors(text)
    ]
    quotes = []
    for q in find_quotes(text):
        # A speaker written short ("غوتيريس") is the one actor of that name, written in full; two actors
        # who share the name (خليفة حفتر، صدام حفتر) leave it as the text has it.
        same = [a for a in actors if q.speaker and same_speaker(a.name, q.speaker)]
        speaker = same[0].name if len(same) == 1 and len(same[0].name) > len(q.speaker) else q.speaker
        english = same[0].name_en if len(same) == 1 else ""
        speaker_en = english or (to_latin(speaker) if speaker else "")
        quotes.append(Quote(speaker=speaker, speaker_en=speaker_en, text=q.text, translation=""))
    arabic = language == "ar"
    return Analysis(
        headline=Bilingual(ar=top.headline if arabic else "", en="" if arabic else top.headline),
        summary=Bilingual(ar=top.summary if arabic else "", en="" if arabic else top.summary),
        actors=actors,
        quotes=quotes,
        language=language,
    )
