"""Direct quotes of an Arabic article and who said them (pure, deterministic, no model).

A quote is a quotation-marked span (see marks.py) of at least two words. Its speaker comes from the
reporting clause that governs it (see speakers.py): the last reporting verb between the sentence start
and the opening mark (a full stop inside an earlier quote does not end the sentence), or else a verb or
source right after the closing mark ("«…»، قال سالم"). Names are resolved across the article (names.py).

- A verb with no subject ("وأضاف: «…»") continues the last speaker of the verb's gender ("وأضافت"
  continues the last woman or feminine noun), else the last speaker; so does a colon.
- When the clause before names no one, a source named right after the quote wins ("وأوضحت أن «…»،
  بحسب الشرطة"), unless it is a statement ("بحسب بيان صادر عن…": the channel, not the speaker).
- A quote with no clause in its sentence continues the speaker of the sentence before when that one
  reports speech (same paragraph, or the paragraph before when the quote opens its own).

Not a quote: marks around a name, a term, an outlet or an operation. The rule: a span of at most three
words is a quote only when a reporting clause governs it or a colon introduces it; and a span of at
most five words right after a naming noun (عملية، قناة، مشروع، صحيفة…) is never a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.extract.marks import MarkedSpan, marked_spans
from bot.extract.speakers import Clause, Speakers, clause_after, clauses, word_keys
from bot.text import normalize, split_sentences, word_count

__all__ = ["ExtractedQuote", "find_quotes"]

_MIN_WORDS = 2
_SHORT_WORDS = 3  # up to this many words a span needs a reporting clause to be a quote
_NAMED_WORDS = 5  # up to this many words a span after a naming noun is a name
# Nouns that introduce a name in marks: عملية "الفجر"، قناة "الأفق"، مشروع "نور".
_NAMING = word_keys(
    "عملية عمليات قناة قنوات مشروع صحيفة جريدة مجلة وكالة موقع برنامج حملة مبادرة حركة حزب جماعة"
    " تنظيم ائتلاف تحالف مؤتمر منتدى قمة شعار وسم هاشتاغ هاشتاج فيلم مسلسل رواية كتاب كتابه أغنية"
    " شركة مجموعة منظمة جمعية مركز معهد جائزة مسابقة بطولة مهرجان خطة صفقة اتفاق اتفاقية عنوان بعنوان"
    " تسمية اسم باسم لقب ملف مادة مناورات مناورة تدريبات جلسة ندوة منصة تطبيق حساب صفحة",
)
_LAST_WORD = re.compile(r"(\S+)\s*$")


@dataclass(frozen=True, slots=True)
class ExtractedQuote:
    """A direct quote: `text` is article[start:end], without its marks; `speaker` as written (or "")
    and `clause` the reporting verb that attributes it (or "").

    `named` is True when the speaker comes from a subject written in this quote's own reporting clause
    (before the quote or right after it), and False when it was inherited (a verb with no subject or a
    colon continuing the last speaker) or there is no speaker."""

    text: str
    start: int
    end: int
    speaker: str
    clause: str
    named: bool


def _naming_noun_before(text: str, span: MarkedSpan) -> bool:
    m = _LAST_WORD.search(text, max(span.open - 40, 0), span.open)
    if m is None:
        return False
    word = normalize(m.group(1)).strip("،,.:")
    for prefix in ("", "ال", "و", "وال", "ب", "بال", "ل", "لل"):
        if word.startswith(prefix) and word[len(prefix) :] in _NAMING:
            return True
    return False


def _masked(text: str, lo: int, hi: int, spans: list[MarkedSpan]) -> str:
    """text[lo:hi] with the inside of every quote blanked, so that a full stop quoted does not end a sentence."""
    window = list(text[lo:hi])
    for s in spans:
        for i in range(max(s.start, lo), min(s.end, hi)):
            window[i - lo] = "x"
    return "".join(window)


def _last_sentence(text: str, lo: int, hi: int, spans: list[MarkedSpan]) -> int:
    """Where the sentence that runs up to hi starts (not before lo), quoted words not splitting it."""
    sentences = split_sentences(_masked(text, lo, hi, spans))
    last = sentences[-1] if sentences else ""
    if len(sentences) > 1 and not last.strip(" \t\u00a0:،,"):
        last = sentences[-2] + last
    return hi - len(last)


def _clause_before(text: str, lo: int, span: MarkedSpan, spans: list[MarkedSpan]) -> Clause | None:
    """The last reporting clause, outside quoted words, of the sentence that runs up to the opening mark."""
    found = [
        c for c in clauses(text, _last_sentence(text, lo, span.open, spans), span.open) if not _inside(c.start, spans)
    ]
    return found[-1] if found else None


def _previous_reports(text: str, span: MarkedSpan, spans: list[MarkedSpan]) -> Clause | None:
    """The reporting clause of the sentence before the quote's own (same paragraph, or the paragraph
    before when the quote opens its paragraph), or None."""
    para = _paragraph_start(text, span.open)
    own = _last_sentence(text, para, span.open, spans)
    if own > para:
        lo, hi = para, own
    elif para > 0 and not text[para : span.open].strip(" \t-—"):
        hi = para - 1
        lo = _paragraph_start(text, hi)
    else:
        return None
    start = _last_sentence(text, lo, hi, spans)
    found = [c for c in clauses(text, start, hi) if not _inside(c.start, spans)]
    return found[-1] if found else None


def _colon_before(text: str, span: MarkedSpan) -> bool:
    return text[max(span.open - 3, 0) : span.open].rstrip().endswith((":", "："))


def _paragraph_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


class _Last:
    """The current speaker, and the last one of each grammatical gender ("m", "f", "p")."""

    def __init__(self) -> None:
        self.any = ""
        self._by: dict[str, str] = {}

    def get(self, gender: str) -> str:
        return self._by.get(gender) or self.any

    def set(self, speaker: str, gender: str) -> None:
        if speaker:
            self.any = speaker
            if gender:
                self._by[gender] = speaker


def find_quotes(text: str) -> list[ExtractedQuote]:
    """The direct quotes of an article, in order: exact spans inside their marks with their speakers.

    Every result satisfies text[q.start:q.end] == q.text, and q.text neither starts nor ends with a
    quotation mark or whitespace. See the module docstring for the rules.
    """
    spans = marked_spans(text)
    speakers = Speakers(text)
    events: list[tuple[int, int, Clause | MarkedSpan]] = [(c.start, 0, c) for c in clauses(text, 0, len(text))]
    events += [(s.open, 1, s) for s in spans]
    events.sort(key=lambda e: (e[0], e[1]))
    last = _Last()
    out: list[ExtractedQuote] = []
    for _, _kind, item in events:
        if isinstance(item, Clause):
            if not _inside(item.start, spans):
                last.set(_written(item, speakers, last)[0], item.gender)
            continue
        quote = _quote(text, item, spans, speakers, last)
        if quote is not None:
            out.append(quote)
    return out


def _written(clause: Clause, speakers: Speakers, last: _Last) -> tuple[str, bool]:
    """The speaker a clause names (resolved to the fullest known name) and whether its issuer or subject
    is written; ("", False) when it names none."""
    if clause.speaker:
        speaker = speakers.resolve(clause.speaker, clause.start, last.get(clause.gender))
        if clause.document:
            speakers.issued(clause.document, speaker)
        return speaker, True
    if clause.document:  # "وأضاف البيان": who issued it, else the current speaker's statement
        issuer = speakers.issuer(clause.document)
        if not issuer:
            speakers.issued(clause.document, last.any)
        return issuer or last.any, bool(issuer)
    return "", False


def _quote(
    text: str, span: MarkedSpan, spans: list[MarkedSpan], speakers: Speakers, last: _Last
) -> ExtractedQuote | None:
    """The quote a marked span is, with its speaker, or None when it is a name or a term."""
    words = word_count(text[span.start : span.end])
    if words < _MIN_WORDS or (words <= _NAMED_WORDS and _naming_noun_before(text, span)):
        return None
    clause = _clause_before(text, _paragraph_start(text, span.open), span, spans)
    after = clause_after(text, span.close + 1, len(text)) if span.close >= 0 else None
    if clause is None or (
        not clause.speaker and not clause.document and after and after.speaker and not after.document
    ):
        clause = after or clause  # "وأوضحت أن "…"، بحسب الشرطة": the source named after the quote wins
    colon = _colon_before(text, span)
    if words <= _SHORT_WORDS:
        if clause is None and not colon:
            return None
        loose = clause is None or not clause.speech
        if (
            not colon
            and loose
            and (words == 2 or (clause and not clause.speaker and not text[clause.end : span.open].strip()))
        ):
            # The words right after a verb not of saying are its subject or object ("ذكرت "وكالة الأنباء"",
            # "واتهم "الجيش الحر""); two words it did not say are a term ("أعلن أن "خلية نائمة" اعتقلت").
            return None
    verb = clause.verb if clause else ""
    speaker, named = _written(clause, speakers, last) if clause is not None else ("", False)
    if not speaker:
        previous = None if clause is not None or colon else _previous_reports(text, span, spans)
        if clause is not None or colon or previous is not None:
            speaker = last.get(clause.gender if clause else previous.gender if previous else "")
    if clause is not None:
        last.set(speaker, clause.gender)
    return ExtractedQuote(text[span.start : span.end], span.start, span.end, speaker, verb, named)


def _inside(pos: int, spans: list[MarkedSpan]) -> bool:
    # A reporting verb inside a quote is the quoted person's words, not the article's attribution.
    return any(s.start <= pos < s.end for s in spans)
