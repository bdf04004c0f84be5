"""Reporting clauses and their speakers: "وقال وزير الخارجية أحمد سالم إن…", "«…»، قالت المتحدثة".

A reporting clause is a reporting verb (قال، أضاف، أكد… with و/ف, feminine and plural endings, the
participles مضيفا/قائلة… and the source markers وفقا ل/بحسب/نقلا عن) and the words after it up to the
first punctuation, quotation mark, complementiser (إن/أن) or word that starts an adjunct (في، خلال،
أمام…). Those words are the speaker as written; none means the verb continues the last speaker.
`Speakers` maps a title or a surname met after a full mention back to the full name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import normalize

__all__ = ["Clause", "Speakers", "clause_after", "clauses", "word_keys"]

_MARK = "[\u064b-\u0652\u0640]*"  # diacritics or tatweel a writer may put between letters
_LETTER = "\u0621-\u064a\u0671-\u06d3"


def _words(*lines: str) -> list[str]:
    """The words of space-separated word lists."""
    return " ".join(lines).split()


def word_keys(*lines: str) -> frozenset[str]:
    """The normalised words of space-separated word lists."""
    return frozenset(normalize(w) for w in _words(*lines))


def _flex(word: str) -> str:
    """A regex for an Arabic word allowing any alef form for a bare or hamzated alef and diacritics."""
    out = []
    for ch in word:
        out.append("[اأإآ]" if ch in "اأإآ" else re.escape(ch))
        out.append(_MARK)
    return "".join(out)


# Past-tense reporting verbs (masculine singular); ت، ا، وا، ن are added below.
_VERBS = _words(
    "قال أضاف أكد أوضح صرح كتب تابع أشار اعتبر شدد ختم اختتم أعلن ذكر أفاد لفت بين رأى زعم حذر غرد"
    " استطرد أردف علق أجاب رد نقل تساءل استدرك أقر نفى وصف أوصى قرر طالب تعهد ادعى أبلغ أعرب اتهم",
)
# Participles and present forms that carry on the current speaker ("، مضيفا: «…»").
_CONTINUERS = _words(
    "مضيفا مضيفة قائلا قائلة مؤكدا مؤكدة موضحا موضحة مشيرا مشيرة متابعا متابعة معتبرا معتبرة مشددا"
    " مشددة متسائلا متسائلة مستدركا مستدركة لافتا لافتة منوها منوهة مبينا مبينة يقول تقول يضيف تضيف"
    " ويقول وتقول ذاكرا ذاكرة",
)
# Source markers: the speaker follows ("وفقا للوزير", "بحسب المصادر", "نقلا عن مسؤول").
_SOURCES = ("وفقا", "وفق", "بحسب", "حسب", "نقلا")
_IN = "\\s+" + "في"  # "وجاء في البيان": the statement is the source

_VERB = re.compile(
    f"(?<![{_LETTER}])(?P<verb>[وف]?(?:"
    + "|".join(f"{_flex(v)}(?:ت|ا|وا|ن)?" for v in _VERBS)
    + f")|(?:{'|'.join(_flex(c) for c in _CONTINUERS)})"
    + f"|(?P<source>[وف]?(?:{'|'.join(_flex(s) for s in _SOURCES)}|{_flex('جاء')}{_IN})))(?![{_LETTER}])"
)
_CONTINUER_KEYS = frozenset(normalize(c) for c in _CONTINUERS)
# A speaker never runs past punctuation, a quotation mark or a line break.
_BREAK = re.compile('[،,:؛;.!?؟«»"“”„()\\[\\]\n]')
_WORD = re.compile(r"\S+")
# Words that end a speaker: complementisers, prepositions that start an adjunct, time words, "قوله".
_STOPS = word_keys(
    "إن أن إنه أنه إنها أنها إنهم أنهم إننا أننا بأن بأنه بأنها في خلال أمام عبر إلى الى لدى عن من",
    " مع حين عندما بعد قبل إثر ضمن وسط أثناء يوم اليوم أمس مساء صباح الأحد الاثنين الثلاثاء الأربعاء",
    " الخميس الجمعة السبت قوله قولها قولهم لـ ل وإن وأن حول إنّ أنّ لوكالة لصحيفة لقناة لشبكة لموقع",
    " لإذاعة لتلفزيون لمجلة للصحفيين للصحافيين للصحافة لوسائل هذا هذه ذلك الذي التي الذين وهو وهي",
)
_THAT = re.compile("^[وف]?ب?[ا]ن(?:ه|ها|هم|هما|هن|نا|ني|ك|كم)?$")  # إن/أن/بأن with a pronoun
_MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class Clause:
    """A reporting verb at text[start:end] and the speaker written after it ("" when none is)."""

    start: int
    end: int
    verb: str
    speaker: str
    speech: bool = False  # a verb of saying (قال، أضاف…), whose complement is the speech itself


def _subject(text: str, pos: int, limit: int, *, relayed: bool) -> str:
    """The words after a verb, from pos, up to a break or stop word (at most _MAX_WORDS)."""
    brk = _BREAK.search(text, pos, limit)
    region_end = brk.start() if brk else limit
    words: list[tuple[int, int]] = []
    for m in _WORD.finditer(text, pos, region_end):
        key = normalize(m.group())
        if relayed and key == "عن":
            words, relayed = [], False  # "نقلت الوكالة عن مسؤول": the speaker is who the outlet quoted
            continue
        stop = key in _STOPS or m.group() in ("على", "وعلى") or key.startswith("لل") or _THAT.match(key)
        if stop or len(words) >= _MAX_WORDS:
            break
        words.append((m.start(), m.end()))
    if not words:
        return ""
    return text[words[0][0] : words[-1][1]]


def _strip_l(word: str) -> str:
    # "بيان للحوثيين" / "بيان لوزارة": the issuer without the preposition (ل + ال contracts to لل).
    return "ال" + word[2:] if word.startswith("لل") else word[1:]


def _after_l(text: str, pos: int, limit: int) -> str:
    """The speaker after a source marker: "وفقا للمزارع فلان", "وفقا لـ فلان", "بحسب الشرطة"."""
    if text.startswith("لل", pos):
        rest = _subject(text, pos + 2, limit, relayed=False)
        return "ال" + rest if rest else ""
    if text.startswith("لـ", pos):
        gap = text[pos + 2 : limit]
        return _subject(text, pos + 2 + len(gap) - len(gap.lstrip()), limit, relayed=False)
    if text.startswith("ل", pos):
        return _subject(text, pos + 1, limit, relayed=False)
    return _subject(text, pos, limit, relayed=False)


# A verb after a complementiser in its clause is reported speech ("قال إن روسيا أفادت…"), not narration.
_SUBORDINATE = re.compile(f"(?<![{_LETTER}])(?:[إا]ن|[أا]ن|ب[أا]ن)(?:ه|ها|هم|نا)?(?![{_LETTER}])[^.،,:؛\n]*$")
# Subject before the verb: "وكانت بكين قد قالت", "الأمير فلان، الذي قال".
_KANA_SUBJECT = re.compile(
    "(?:^|[^" + _LETTER + "])[وف]?كان[ت]?\\s+(?P<s>[^\\s،,.:]+(?:\\s+[^\\s،,.:]+){0,3}?)\\s+(?:قد\\s+)?$"
)
_RELATIVE_SUBJECT = re.compile("[،,\\n]\\s*(?P<s>[^،,.:\\n]{2,60}?)\\s*[،,]?\\s+(?:الذي|التي|الذين)\\s+$")
_DOCUMENTS = word_keys("بيان البيان تقرير التقرير رسالة الرسالة تغريدة التغريدة منشور")
_OWNER = re.compile("\\s+(?:ال)?(?:صادر[ةا]?\\s+)?(?:عن|من)\\s+")
_GLUED_OWNER = re.compile(f"\\s+(ل[{_LETTER}]{{3,}})")
_SPEECH = tuple(word_keys("قال أضاف تابع ختم اختتم استطرد أردف كتب غرد"))


def _owner(text: str, speaker: str, pos: int, limit: int) -> str:
    """The issuer of a statement named as the speaker ("بيان صادر عن الوزارة", "بيان للحوثيين"), or ""."""
    after = pos + len(speaker.split()[0])
    m = _OWNER.match(text, after, limit)
    if m:
        return _subject(text, m.end(), limit, relayed=False)
    glued = _GLUED_OWNER.match(text, after, limit)
    return _strip_l(glued.group(1)) if glued else ""


def _clause(text: str, m: re.Match[str], limit: int) -> Clause:
    verb, start = m.group("verb"), m.start()
    if normalize(verb) in _CONTINUER_KEYS:
        return Clause(start, m.end(), verb, "", speech=True)
    pos = m.end()
    gap = text[pos:limit]
    if gap.lstrip(" ").startswith(("،", ",")):  # "وقال، فلان، رئيس…"
        pos += len(gap) - len(gap.lstrip(" ")) + 1
    gap = text[pos:limit]
    pos += len(gap) - len(gap.lstrip())
    if m.group("source"):
        if normalize(text[pos : pos + 3]) == "ما ":  # "وفق ما نقلت الوكالة": an outlet relays the speaker
            return Clause(start, m.end(), verb, "")
        speaker = _after_l(text, pos, limit)
    else:
        key = normalize(verb)
        key = key[1:] if key[:1] in "وف" and len(key) > 3 else key
        speaker = _subject(text, pos, limit, relayed=key.startswith("نقل"))
        if not speaker:
            before = text[max(start - 80, 0) : start]
            found = _KANA_SUBJECT.search(before) or _RELATIVE_SUBJECT.search(before)
            speaker = found.group("s").strip() if found else ""
    if normalize(speaker).startswith(("ما ", "لما ")):
        speaker = ""  # "وفقا لما أورده البيان": a relay, the speaker stays who it was
    if speaker and normalize(speaker.split()[0]) in _DOCUMENTS:
        speaker = _owner(text, speaker, text.find(speaker, pos), limit)
    bare = normalize(verb)
    bare = bare[1:] if bare[:1] in "وف" and len(bare) > 3 else bare
    return Clause(start, m.end(), verb, speaker, speech=any(bare.startswith(v) for v in _SPEECH))


def clauses(text: str, start: int, end: int) -> list[Clause]:
    """The reporting clauses of text[start:end] that are the article's narration, in order."""
    out = []
    for m in _VERB.finditer(text, start, end):
        verb = m.group("verb")
        if (verb[:1] in "وف" and len(verb) > 3) or not _SUBORDINATE.search(text, max(m.start() - 60, 0), m.start()):
            out.append(_clause(text, m, end))
    return out


_AFTER = re.compile(r"[ \t\u00a0]*[،,]?[ \t\u00a0]*")


def clause_after(text: str, pos: int, limit: int) -> Clause | None:
    """A reporting clause right after a closing mark ("«…»، قال سالم"), or None."""
    gap = _AFTER.match(text, pos, limit)
    at = gap.end() if gap else pos
    m = _VERB.match(text, at, limit)
    return _clause(text, m, limit) if m else None


# Person titles whose head word may open a speaker; the name follows the title's ال-words.
_TITLES = word_keys(
    "وزير وزيرة رئيس رئيسة نائب نائبة متحدث متحدثة ناطق ناطقة أمين أمينة سفير سفيرة مدير مديرة قائد",
    " قائدة زعيم زعيمة شيخ دكتور د مستشار مستشارة ملك ملكة أمير أميرة مندوب مندوبة ممثل ممثلة مبعوث",
    " مبعوثة محافظ عمدة عقيد لواء عميد جنرال مدرب مدربة كاتب كاتبة صحفي صحفية محلل محللة خبير خبيرة",
    " بروفيسور مساعد مهندس مهندسة طبيب طبيبة محامي محامية أستاذ أستاذة قاضي قاضية نقيب رائد مقدم",
)
# Words a title may run through before the name: "المتحدث باسم وزارة…", "رئيس حزب…".
_TITLE_LINKS = word_keys(
    "باسم لشؤون العام عام وزراء وزارة مجلس حكومة حزب حركة منظمة جمعية لجنة هيئة جهاز دولة جامعة شركة بنك",
    " وكالة اتحاد نادي مجموعة فريق منتخب جيش قوات لدى",
)


def _bare(word: str) -> str:
    key = normalize(word)
    return key[2:] if key.startswith("ال") and len(key) > 3 else key


def _named_after(text: str, phrase: str, pos: int) -> str:
    """The name written right after the first mention of a title before pos ("المدرب الألماني فلان")."""
    follow = r"\s+([^\s،,.:«»\"“”]+(?:\s+[^\s،,.:«»\"“”]+){0,3})"
    pattern = re.compile(r"\s+".join(_flex(w) for w in phrase.split()) + follow)
    m = pattern.search(text, 0, pos)
    if m is None:
        return ""
    words: list[str] = []
    for word in m.group(1).split():
        key = normalize(word)
        if key in _STOPS or key.startswith("ال") or _VERB.fullmatch(word):
            break
        words.append(word)
    return " ".join(words) if words else ""


def _definite(words: list[str]) -> bool:
    """A title phrase that is definite: "المدرب…", or a bare head in construct "رئيس الحزب" (not "متحدث باسم…")."""
    first = normalize(words[0])
    if first.startswith(("ال", "وال")):
        return True
    return len(words) > 1 and normalize(words[1]).startswith("ال")


class Speakers:
    """Resolves speakers across an article: a title or surname after a full mention maps to the name."""

    def __init__(self, text: str = "") -> None:
        self._alias: dict[str, str] = {}
        self._text = text

    def resolve(self, phrase: str, pos: int = 0, last: str = "") -> str:
        """The speaker's fullest known name for a phrase as written at pos (registering a new full mention).

        A definite title with no name ("المدرب الألماني", "رئيس الحزب") names someone already mentioned:
        the name written after its first mention, else the person the title was last used for, else
        `last` (the current speaker)."""
        words = phrase.split()
        key = normalize(phrase)
        if key in self._alias:
            return self._alias[key]
        i = 0
        if words and _bare(words[0]) in _TITLES:
            i = 1
            while i < len(words) and (normalize(words[i]).startswith("ال") or normalize(words[i]) in _TITLE_LINKS):
                i += 1
        name_words = words[i:]
        if not name_words:
            if key in self._alias:
                return self._alias[key]
            named = _named_after(self._text, phrase, pos) if self._text else ""
            if not named:
                known = self._alias.get(_bare(words[0]))
                return known or (last if last and _definite(words) else phrase)
            name_words, words = named.split(), [*words, *named.split()]
        name = " ".join(name_words)
        nkey = normalize(name)
        if nkey in self._alias:
            name = self._alias[nkey]
        elif (i and len(name_words) >= 2) or (not i and 2 <= len(name_words) <= 4):
            self._alias.setdefault(normalize(name_words[-1]), name)
            self._alias[nkey] = name
        if i:
            self._alias[key] = name
            self._alias[normalize(" ".join(words[:i]))] = name
            self._alias[_bare(words[0])] = name
        return name
