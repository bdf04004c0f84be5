"""The model's quotes and the extractor's together (pure): no quote the rules found is lost, and where
the two disagree on a speaker the text's reporting clause decides.

Why merge after the call rather than send the candidates in the prompt: a merge costs no prompt
token (DESIGN §5 keeps the prompt's overhead under 400), it is deterministic, and it still holds
when the model ignores a list it was given — which is what it guards against. Measured on
../shared/eval with the tests' lossy stand-in model, see the README ("Quotes no model misses").

The rules, for each quote the extractor found (`find_quotes`):
- The model gave a quote overlapping it → the model's quote stays (its span, translation and
  English name). Its speaker is replaced by the extractor's only when the extractor read the speaker
  from this quote's own reporting clause (`named`), the two names are not the same person, and the
  model's speaker is not named in that clause either (then the text supports the extractor, not the
  model). An empty model speaker takes the extractor's.
- The model dropped it → it is added with the extractor's speaker, untranslated (`translation` "").
The model's quotes the extractor did not find stay. Quotes come out in the order of the article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from bot.extract.quotes import ExtractedQuote, find_quotes
from bot.extract.speakers import word_keys
from bot.models import Actor, Analysis, Quote
from bot.text import match_key, split_sentences

__all__ = ["merge_quotes", "same_speaker"]

# Words that say what someone is, not who: never enough on their own to call two speakers one.
_TITLES = word_keys(
    "الرئيس رئيس الوزير وزير وزيرة الأمين العام المتحدث المتحدثة باسم الناطق الناطقة السفير النائب",
    "الشيخ المشير اللواء العميد العقيد الدكتور د. السيد السيدة مدير مديرة المدير الملك الأمير",
    "رئيسة قائد زعيم مسؤول مسؤولة المسؤول مصدر مصادر الخارجية الداخلية الدفاع حكومة الحكومة",
    "الأمم المتحدة عن في من بن بنت أبو أبي ابن آل عبد",
)


@lru_cache(maxsize=4096)
def _name_words(name: str) -> frozenset[str]:
    """The words of a name that identify someone (no titles, no particles, at least 3 letters)."""
    words = match_key(name)[0].split()
    return frozenset(w for w in words if len(w) >= 3 and w not in _TITLES and w.removeprefix("ال") not in _TITLES)


def same_speaker(a: str, b: str) -> bool:
    """True when two written speakers of one article name the same person: the identifying words of
    one are all in the other ("غوتيريس" and "الأمين العام أنطونيو غوتيريس"; never "محمد علي" and
    "محمد حسن")."""
    x, y = _name_words(a), _name_words(b)
    return bool(x and y) and (x <= y or y <= x)


def _span(text: str, quote: str, taken: set[int]) -> tuple[int, int] | None:
    """Where a (grounded, so verbatim) model quote sits in the article: its first occurrence not yet taken."""
    start = text.find(quote)
    while start >= 0 and start in taken:
        start = text.find(quote, start + 1)
    return (start, start + len(quote)) if start >= 0 else None


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two spans are one quote when they share at least half of the shorter one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and shared * 2 >= min(a[1] - a[0], b[1] - b[0])


def _clause_text(text: str, quote: ExtractedQuote) -> str:
    """The words around a quote that attribute it: its sentence before the opening mark and after the close."""
    paragraph = text.rfind("\n", 0, quote.start) + 1
    before = split_sentences(text[paragraph : quote.start])
    after_end = text.find("\n", quote.end)
    after = split_sentences(text[quote.end : after_end if after_end >= 0 else len(text)])
    return " ".join(before[-2:] + after[:1])


def _english(name: str, actors: Iterable[Actor], quotes: Iterable[Quote], fallback: Callable[[str], str]) -> str:
    """The English form of a speaker's name: as the model gave it for the same person, else `fallback`."""
    for actor in actors:
        if actor.name_en and same_speaker(actor.name, name):
            return actor.name_en
    for quote in quotes:
        if quote.speaker_en and same_speaker(quote.speaker, name):
            return quote.speaker_en
    return fallback(name) if name else ""


def merge_quotes(analysis: Analysis, text: str, transliterate: Callable[[str], str] = lambda s: s) -> Analysis:
    """`analysis` (the model's, grounded in `text`) with the extractor's quotes merged in (module docstring).

    `transliterate` writes a name the model never gave in English in Latin letters.
    """
    extracted = find_quotes(text)
    if not extracted:
        return analysis
    taken: set[int] = set()
    placed: list[tuple[int, Quote]] = []
    for quote in analysis.quotes:
        span = _span(text, quote.text, taken)
        if span is None:  # not verbatim (an ungrounded analysis): keep it, after the rest
            placed.append((len(text), quote))
            continue
        taken.add(span[0])
        placed.append((span[0], quote))
    model_spans = [(start, start + len(q.text)) for start, q in placed]  # a sentinel start never overlaps
    merged: list[tuple[int, Quote]] = []
    for found in extracted:
        hits = [i for i, span in enumerate(model_spans) if _overlaps(span, (found.start, found.end))]
        if not hits:
            speaker_en = _english(found.speaker, analysis.actors, analysis.quotes, transliterate)
            quote = Quote(speaker=found.speaker, speaker_en=speaker_en, text=found.text, translation="")
            merged.append((found.start, quote))
            continue
        for i in hits:
            start, quote = placed[i]
            placed[i] = (start, _attributed(quote, found, text, analysis, transliterate))
    merged += placed
    merged.sort(key=lambda item: item[0])
    return analysis.model_copy(update={"quotes": [quote for _, quote in merged]})


def _attributed(
    quote: Quote, found: ExtractedQuote, text: str, analysis: Analysis, transliterate: Callable[[str], str]
) -> Quote:
    """The model's quote with the speaker the text supports."""
    if not found.speaker or same_speaker(quote.speaker, found.speaker):
        return quote
    if quote.speaker.strip() and not found.named:
        return quote  # the extractor only guessed (the last speaker): the model read the text
    if quote.speaker.strip() and _name_words(quote.speaker) & _name_words(_clause_text(text, found)):
        return quote  # the reporting clause names the model's speaker too
    speaker_en = _english(found.speaker, analysis.actors, analysis.quotes, transliterate)
    return quote.model_copy(update={"speaker": found.speaker, "speaker_en": speaker_en})
