"""The model's quotes and the extractor's together (pure): no quote the rules found is lost, and where
the two disagree on a speaker the text's reporting clause decides.

Why merge after the call rather than send the candidates in the prompt: a merge costs no prompt
token (DESIGN §5 keeps the prompt's overhead under 400), it is deterministic, and it still holds
when the model ignores a list it was given — which is what it guards against. Measured on
../shared/eval with the tests' lossy stand-in model, see the README ("Quotes no model misses").

The rules, for each quote the extractor found (`find_quotes`):
- The model gave a quote overlapping it → the model's quote stays (its span, translation and
  English name). Its speaker is replaced by the extractor's when the extractor read the speaker
  from this quote's own reporting clause (`named`: the subject of its verb, not an addressee or an
  earlier sentence) and the two are not the same person — except that a clause naming only a title
  or a source ("الأمين العام", "مصدر") leaves a model's speaker that carries those words ("الأمين العام
  أنطونيو غوتيريس"). A speaker the extractor only inherited (a verb with no subject) leaves the
  model's. An empty model speaker takes the extractor's.
- The model dropped it → it is added with the extractor's speaker, untranslated (`translation` "");
  the same words found again (a repeated quote) are shown once, as grounding shows them.
The model's quotes the extractor did not find stay. Quotes come out in the order of the article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from bot.extract.quotes import ExtractedQuote, find_quotes
from bot.extract.speakers import word_keys
from bot.models import Actor, Analysis, Quote
from bot.text import match_key

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
    shown = {_key(q.text) for q in analysis.quotes}
    attributed: set[int] = set()
    merged: list[tuple[int, Quote]] = []
    for found in extracted:
        hits = [i for i, span in enumerate(model_spans) if _overlaps(span, (found.start, found.end))]
        if not hits:
            if _key(found.text) in shown:
                continue  # the same words again (said twice, or repeated): shown once, as grounding does
            shown.add(_key(found.text))
            speaker_en = _english(found.speaker, analysis.actors, analysis.quotes, transliterate)
            quote = Quote(speaker=found.speaker, speaker_en=speaker_en, text=found.text, translation="")
            merged.append((found.start, quote))
            continue
        for i in hits:
            if i not in attributed:  # a model quote spanning two marked quotes: the first one's clause
                attributed.add(i)
                start, quote = placed[i]
                placed[i] = (start, _attributed(quote, found, analysis, transliterate))
    merged += placed
    merged.sort(key=lambda item: item[0])
    return analysis.model_copy(update={"quotes": [quote for _, quote in merged]})


def _attributed(quote: Quote, found: ExtractedQuote, analysis: Analysis, transliterate: Callable[[str], str]) -> Quote:
    """The model's quote with the speaker the text supports (see the module docstring)."""
    model = quote.speaker.strip()
    if not found.speaker or same_speaker(model, found.speaker):
        return quote
    if model and not found.named:
        return quote  # the extractor only guessed (the last speaker): the model read the text
    if model and not _name_words(found.speaker):
        # The clause names a title or a source only ("الأمين العام", "مصدر"): a model's speaker that
        # carries those very words names the same one more fully; any other is not what the text says.
        written = set(_key(found.speaker).split())
        if written and written <= set(_key(model).split()):
            return quote
    speaker_en = _english(found.speaker, analysis.actors, analysis.quotes, transliterate)
    return quote.model_copy(update={"speaker": found.speaker, "speaker_en": speaker_en})


def _key(text: str) -> str:
    return match_key(text)[0]
