"""Reporting clauses and their speakers: "وقال وزير الخارجية أحمد سالم إن…", "«…»، قالت المتحدثة".

A reporting clause is a reporting verb (قال، أضاف، أكد، دعا… with و/ف, feminine and plural endings,
the present يقول/تقول, the participles مضيفا/قائلة… and the source markers وفقا ل/بحسب/نقلا عن/جاء في;
see lexicon.py) and the words after it up to the first punctuation, quotation mark, complementiser
(إن/أن) or word that starts an adjunct (في، خلال، أمام…). Those words are the speaker as written; none
means the verb continues the last speaker of its gender. Further rules:

- A title set off by commas is followed by its holder's name in apposition ("وطلب رئيس النقابة، فلان،
  من…"); an organisation's name in marks belongs to the title before it ("الأمين العام لحركة "…"").
- A title runs through its complement to the name after it ("الأمين العام للأمم المتحدة فلان",
  "المديرة الإقليمية لبرنامج الأمم المتحدة للبيئة فلانة"): the name is the speaker. When no name
  follows, the title ends before its first لل-word ("قال الوزير للصحفيين" -> "الوزير").
- A subject may stand before the verb: "وكان الرئيس، فلان، قد قال", "الأمير فلان، الذي قال".
- A verb relayed by an outlet ("وفق ما نقلت عنه قناة…", "نقلت عنه") names no new speaker.
- A document as the subject ("وأضاف البيان", "جاء ذلك في مقابلة للوزير") speaks for its issuer.
- A verb with an everyday second sense (تابع، بين، نقل; the bare طلب، رد، كشف…) is a reporting verb
  only when speech follows its subject: a colon, a quotation mark, إن/أن or قائلا.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from bot.extract.lexicon import (
    AMBIGUOUS,
    CONTINUER_KEYS,
    DOCUMENTS,
    LETTER,
    NOUN_LIKE,
    STOPS,
    TITLE_LINKS,
    TITLES,
    VERB,
    verb_base,
    verb_gender,
    verb_matches,
    word_key,
    word_keys,
)
from bot.extract.names import Speakers

__all__ = ["Clause", "Speakers", "clause_after", "clauses", "word_keys"]

# A speaker never runs past punctuation, a quotation mark or a line break ("دي.زد" keeps its dot).
_BREAK = re.compile('[،,:؛;!?؟«»"“”„()\\[\\]\n]|\\.(?![^\\s.،,«»"“”])')
_QUOTE_OPEN = '«"“”„'
_WORD = re.compile(r"\S+")
_THAT = re.compile("^[وف]?ب?[ا]ن(?:ه|ها|هم|هما|هن|نا|ني|ك|كم)?$")  # إن/أن/بأن with a pronoun
_RELAY_PRONOUNS = word_keys("عنه عنها عنهم عنهما")
_SAYING = word_keys("قوله قولها قولهم قولهما")
_MAX_WORDS = 8
_MAX_TITLED = 12  # a title with its complement and a name


@dataclass(frozen=True, slots=True)
class Clause:
    """A reporting verb at text[start:end] and the speaker written after it ("" when none is).

    `gender` is the verb's ("m", "f", "p" or "" for a source marker); `document` the statement noun
    that stood as the subject when its issuer was not written ("بيان" for "وأضاف البيان")."""

    start: int
    end: int
    verb: str
    speaker: str
    speech: bool = False  # a verb of saying (قال، أضاف…), whose complement is the speech itself
    gender: str = ""
    document: str = ""


def _stop(word: str, key: str) -> bool:
    return (
        key in STOPS
        or word in ("على", "وعلى")
        or key.startswith("لل")
        or (key[:1] == "ل" and key[1:] in STOPS)  # "لنظيره", "ليوم"
        or bool(_THAT.match(key))
    )


def _complement(text: str, words: list[tuple[int, int]], key: str) -> bool:
    """A لل-word that continues a title as its complement ("الأمين العام للأمم المتحدة فلان"), not the
    verb's addressee ("قال الوزير للرئيس"); the title keeps it only when a name follows (see _subject)."""
    if not words or not key.startswith("لل") or key in STOPS or key[2:] in TITLES:
        return False
    return Speakers.title_only(text[words[0][0] : words[-1][1]])


def _linking(key: str) -> bool:
    """A word that leads into an organisation's name: "لحركة", "باسم", "حزب"."""
    bare = key[1:] if key.startswith("ل") and not key.startswith("لل") else key
    return bare in TITLE_LINKS or key in TITLE_LINKS


def _subject(text: str, pos: int, limit: int, *, relayed: bool) -> tuple[str, int]:
    """The words after a verb from pos up to a break or stop word (at most _MAX_WORDS), and where they end."""
    words: list[tuple[int, int]] = []
    tail = pos
    cut = -1  # where a title met its first لل-complement: the speaker ends there when no name follows
    while True:
        brk = _BREAK.search(text, pos, limit)
        region_end = brk.start() if brk else limit
        stopped = False
        for m in _WORD.finditer(text, pos, region_end):
            key = word_key(m.group())
            if relayed and key == "عن":
                words, relayed = [], False  # "نقلت الوكالة عن مسؤول": the speaker is who the outlet quoted
                continue
            if relayed and key in _RELAY_PRONOUNS and not words:
                return "", m.start()  # "نقلت عنه الوكالة": the speaker is the one already named
            if cut < 0 and _complement(text, words, key):
                cut = len(words)
            elif (
                (_stop(m.group(), key) and not (cut >= 0 and _complement(text, words, key)))
                or bool(verb_gender(m.group()))  # another reporting verb or a participle
                or (len(words) >= _MAX_WORDS and not _titled(text, words))
                or _retitled(text, words, key)
            ):
                tail, stopped = m.start(), True
                break
            words.append((m.start(), m.end()))
            tail = m.end()
        if stopped or not brk or not words:
            break
        # An organisation's name in marks after a linking word: "الأمين العام لحركة "النهضة" فلان".
        close = _name_in_marks(text, brk.start(), limit)
        if close < 0 or not _linking(word_key(text[words[-1][0] : words[-1][1]])):
            tail = brk.start()
            break
        words.append((brk.start(), close + 1))
        pos = tail = close + 1
    if cut >= 0 and Speakers.title_only(text[words[0][0] : words[-1][1]]):
        words, tail = words[:cut], words[cut][0]  # "قال الوزير للصحفيين": the title, not its complement
    if not words:
        return "", tail
    return text[words[0][0] : words[-1][1]], tail


def _titled(text: str, words: list[tuple[int, int]]) -> bool:
    """A long subject that is a title with its complement and at most the start of a name, which may go on."""
    if len(words) >= _MAX_TITLED:
        return False
    return Speakers.title_length(text[words[0][0] : words[-1][1]]) >= len(words) - 3


def _retitled(text: str, words: list[tuple[int, int]], key: str) -> bool:
    """A title after a name starts its apposition: "فلان مدرب الفريق" (not "نائب رئيس الوزراء")."""
    if not words or key not in TITLES:
        return False
    return not Speakers.title_only(text[words[0][0] : words[-1][1]])


def _name_in_marks(text: str, i: int, limit: int) -> int:
    """The closing mark of a short name in marks opening at i (at most four words), or -1."""
    if text[i] not in _QUOTE_OPEN:
        return -1
    m = re.compile('[»"“”]').search(text, i + 1, min(limit, i + 40))
    if m is None or len(text[i + 1 : m.start()].split()) > 4:
        return -1
    return m.start()


_APPOSITION = re.compile(f'\\s*[،,]\\s*(?P<n>[{LETTER}][^\\s،,.:«»"“”]*(?:\\s+[^\\s،,.:«»"“”]+){{0,3}})\\s*[،,]')


def _apposition(text: str, speaker: str, tail: int, limit: int) -> str:
    """The name set off by commas after a title that has none ("رئيس النقابة، فلان، …"), or ""."""
    if not Speakers.title_only(speaker):
        return ""
    m = _APPOSITION.match(text, tail, limit)
    if m is None:
        return ""
    name = m.group("n")
    keys = [word_key(w) for w in name.split()]
    if keys[0].startswith(("ال", "وال")) or any(k in STOPS or k in CONTINUER_KEYS for k in keys):
        return ""
    return name


def _strip_l(word: str) -> str:
    # "بيان للحوثيين" / "بيان لوزارة": the issuer without the preposition (ل + ال contracts to لل).
    return "ال" + word[2:] if word.startswith("لل") else word[1:]


def _after_l(text: str, pos: int, limit: int) -> tuple[str, int]:
    """The speaker after a source marker: "وفقا للمزارع فلان", "وفقا لـ فلان", "بحسب الشرطة"."""
    if text.startswith("لل", pos):
        rest, tail = _subject(text, pos + 2, limit, relayed=False)
        return ("ال" + rest if rest else ""), tail
    if text.startswith("لـ", pos):
        gap = text[pos + 2 : limit]
        return _subject(text, pos + 2 + len(gap) - len(gap.lstrip()), limit, relayed=False)
    if text.startswith("ل", pos):
        return _subject(text, pos + 1, limit, relayed=False)
    return _subject(text, pos, limit, relayed=False)


# A verb after a complementiser in its clause is reported speech ("قال إن روسيا أفادت…"), not narration.
_SUBORDINATE = re.compile(f"(?<![{LETTER}])(?:[إا]ن|[أا]ن|ب[أا]ن)(?:ه|ها|هم|نا)?(?![{LETTER}])[^.،,:؛\n]*$")
# Subject before the verb: "وكانت بكين قد قالت", "وكان الرئيس، فلان، قد قال", "الأمير فلان، الذي قال".
_KANA_SUBJECT = re.compile(
    f"(?:^|[^{LETTER}])[وف]?كان[ت]?\\s+(?P<s>[^\\s،,.:]+(?:[\\s،,]+[^\\s،,.:]+){{0,7}}?)[\\s،,]+(?:قد\\s+)?$"
)
_RELATIVE_SUBJECT = re.compile("[،,\\n]\\s*(?P<s>[^،,.:\\n]{2,60}?)\\s*[،,]?\\s+(?:الذي|التي|الذين)\\s+$")
_OWNER = re.compile("\\s+(?:ال)?(?:صادر[ةا]?\\s+)?(?:عن|من)\\s+")
_GLUED_OWNER = re.compile(f"\\s+(ل[{LETTER}]{{3,}})")
_SPEECH = tuple(word_keys("قال أضاف تابع ختم اختتم استطرد أردف كتب غرد يقول يضيف"))
# What may follow the subject of an ambiguous verb for it to report speech.
_SPEECH_NEXT = re.compile('\\s*(?:[:«"“”„]|[،,]?\\s*(?:قائل|مضيف|[وف]?ب?[اأإ]ن(?![' + LETTER + "])|[اأإ]نه|قول))")


def _owner(text: str, speaker: str, pos: int, limit: int) -> str:
    """The issuer of a statement named as the speaker ("بيان صادر عن الوزارة", "بيان للحوثيين"), or ""."""
    after = pos + len(speaker.split()[0])
    m = _OWNER.match(text, after, limit)
    if m:
        return _subject(text, m.end(), limit, relayed=False)[0]
    glued = _GLUED_OWNER.match(text, after, limit)
    return _strip_l(glued.group(1)) if glued else ""


def _relay(text: str, start: int) -> bool:
    """A verb right after "ما"/"لما" ("وفق ما نقلت الوكالة"): an outlet relays the current speaker."""
    before = text[max(start - 5, 0) : start].split()
    return bool(before) and word_key(before[-1]) in ("ما", "لما")


def _clause(text: str, m: re.Match[str], limit: int, *, after: bool = False) -> Clause | None:
    verb, start = m.group("verb"), m.start()
    gender = verb_gender(verb)
    if word_key(verb) in CONTINUER_KEYS:
        return Clause(start, m.end(), verb, "", speech=True, gender=gender)
    pos = m.end()
    gap = text[pos:limit]
    if gap.lstrip(" ").startswith(("،", ",")):  # "وقال، فلان، رئيس…"
        pos += len(gap) - len(gap.lstrip(" ")) + 1
    gap = text[pos:limit]
    pos += len(gap) - len(gap.lstrip())
    base = verb_base(verb)
    if m.group("source"):
        if word_key(text[pos : pos + 3]).split()[:1] == ["ما"]:  # "وفق ما نقلت الوكالة": a relay
            return Clause(start, m.end(), verb, "")
        speaker, tail = _after_l(text, pos, limit)
    else:
        speaker, tail = _subject(text, pos, limit, relayed=base == "نقل")
        bare = word_key(verb) == base
        if (base in AMBIGUOUS or (bare and base in NOUN_LIKE)) and not _speaks(text, tail, after=after):
            return None
        name = _apposition(text, speaker, tail, limit) if speaker else ""
        speaker = name or speaker
        if not speaker:
            before = text[max(start - 100, 0) : start]
            found = _KANA_SUBJECT.search(before) or _RELATIVE_SUBJECT.search(before)
            speaker = " ".join(re.sub("[،,]", " ", found.group("s")).split()) if found else ""
    if word_key(speaker).split()[:1] in (["ما"], ["لما"]):
        speaker = ""  # "وفقا لما أورده البيان": a relay, the speaker stays who it was
    document = ""
    if speaker and _bare(speaker.split()[0]) in DOCUMENTS:
        document = _bare(speaker.split()[0])
        speaker = _owner(text, speaker, text.find(speaker, pos), limit)
    return Clause(start, m.end(), verb, speaker, any(base.startswith(v) for v in _SPEECH), gender, document)


def _bare(word: str) -> str:
    key = word_key(word)
    return key[2:] if key.startswith("ال") and len(key) > 4 else key


def _speaks(text: str, tail: int, *, after: bool) -> bool:
    if after:
        return True  # "«…»، تابع الوزير": the quote before is the speech
    return bool(_SPEECH_NEXT.match(text, tail))


@lru_cache(maxsize=8)
def _verbs(text: str) -> list[re.Match[str]]:
    """Every reporting verb of a text (one scan per article; clauses() looks up its range)."""
    return verb_matches(text)


def clauses(text: str, start: int, end: int) -> list[Clause]:
    """The reporting clauses of text[start:end] that are the article's narration, in order."""
    out = []
    found = _verbs(text)
    for m in found[bisect_left(found, start, key=lambda v: v.start()) :]:
        if m.end() > end:
            break
        verb = m.group("verb")
        if _relay(text, m.start()):
            continue
        if (verb[:1] in "وف" and len(verb) > 3) or not _SUBORDINATE.search(text, max(m.start() - 60, 0), m.start()):
            clause = _clause(text, m, end)
            if clause is not None:
                out.append(clause)
    return out


_AFTER = re.compile(r"[ \t\u00a0]*[،,]?[ \t\u00a0]*")


def clause_after(text: str, pos: int, limit: int) -> Clause | None:
    """A reporting clause right after a closing mark ("«…»، قال سالم"), or None."""
    gap = _AFTER.match(text, pos, limit)
    at = gap.end() if gap else pos
    m = VERB.match(text, at, limit)
    return _clause(text, m, limit, after=True) if m else None
