"""Who a speaker as written is, across one article: later mentions mapped back to the first full one.

- A title with a name ("وزير الخارجية أحمد سالم") registers the name under the title, the title's head
  and the surname; later "الوزير", "وزير الخارجية" or "سالم" resolve to "أحمد سالم". A title runs
  through its ال-words and linking nouns ("رئيس حزب…", "الأمين العام لاتحاد…") before the name.
- A definite title with no name names the person written after its first mention ("المدرب الألماني،
  فلان"), else the person the title was last used for, else the current speaker when that is a name.
- A bare definite organisation noun ("البنك", "اللجنة", "الوكالة") names the organisation last named
  with that head ("بنك فلان الألماني"), else the first one written with it before.
- A short name in marks after an organisation's name ("وكالة الأنباء الوطنية "ونا"") is its alias.
- A statement's issuer ("بيان صادر عن الوزارة") is who a later "البيان" speaks for.
"""

from __future__ import annotations

import re

from bot.extract.lexicon import (
    LETTER,
    ORG_HEADS,
    STOPS,
    TITLE_LINKS,
    TITLES,
    VERB,
    flex,
    l_complement,
    word_key,
    word_keys,
)
from bot.text import normalize

__all__ = ["Speakers"]

# Words that are not a person's name, so never the holder of a title: numbers and generic nouns.
_NOT_NAMES = word_keys(
    "اثنان اثنين ثلاثة أربعة خمسة عدد بعض أحد إحدى مصدر مصادر مسؤول مسؤولون مسؤولين شهود شاهد تقارير",
)
_ALIAS_IN_MARKS = re.compile('\\s*[«"“”](?P<a>[^«»"“”\n]{2,24})[»"“”]')


def _bare(word: str) -> str:
    key = word_key(word)
    return key[2:] if key.startswith("ال") and len(key) > 3 else key


def _link(key: str, nxt: str = "") -> bool:
    """A word a title runs through: an ال-word, a linking noun, or one with ل ("لاتحاد", "للأمم"), or
    ل + a noun in construct with a definite word ("لبرنامج الأمم"; not a name like "ليلى")."""
    if key.startswith(("ال", "لل", '"', "«", "“")):
        return True
    return key in TITLE_LINKS or (key.startswith("ل") and key[1:] in TITLE_LINKS) or l_complement(key, nxt)


def _title_end(words: list[str]) -> int:
    """How many words of a phrase are a title ("وزير الخارجية الأمريكي" -> 3), 0 when none. A title
    runs through its complement ("المديرة الإقليمية لبرنامج الأمم المتحدة للبيئة") before a name."""
    if not words or _bare(words[0]) not in TITLES:
        return 0
    keys = [word_key(w) for w in words]
    i = 1
    while i < len(words) and _link(keys[i], keys[i + 1] if i + 1 < len(keys) else ""):
        i += 1
    return i


def _named_after(text: str, phrase: str, pos: int) -> str:
    """The name written right after the first mention of a title before pos ("المدرب الألماني، فلان")."""
    follow = r"\s*[،,]?\s+([^\s،,.:«»\"“”]+(?:\s+[^\s،,.:«»\"“”]+){0,3})"
    pattern = re.compile(r"\s+".join(flex(w) for w in phrase.split()) + follow)
    m = pattern.search(text, 0, pos)
    if m is None:
        return ""
    words: list[str] = []
    for word in m.group(1).split():
        key = word_key(word)
        if key in STOPS or key.startswith("ال") or VERB.fullmatch(word):
            break
        words.append(word)
    return " ".join(words) if words else ""


def _definite(words: list[str]) -> bool:
    """A title phrase that is definite: "المدرب…", or a head in construct with a definite word ("رئيس
    حزب الحركة"), not "متحدث باسم…" with no ال anywhere."""
    return any(word_key(w).startswith(("ال", "وال", "لل")) for w in words)


def _a_name(phrase: str) -> bool:
    """A phrase that can be a person's name: not a title, a definite noun, a number or a generic noun."""
    words = phrase.split()
    if not words or _title_end(words):
        return False
    first = word_key(words[0])
    return not first.startswith("ال") and first not in _NOT_NAMES


def _org_words(text: str, at: int) -> str:
    """An organisation's name starting at text[at] with its head: the head, one word, then ال-words."""
    out: list[str] = []
    for m in re.finditer(r"[^\s،,:;؛()«»\"“”]+", text[at : at + 80]):
        word = m.group().rstrip(".")
        key = word_key(word)
        if len(out) >= 5 or key in STOPS or (len(out) >= 2 and not key.startswith(("ال", "وال"))):
            break
        out.append(word)
        if m.group().endswith(".") and not word.endswith("."):
            break
    return " ".join(out) if len(out) >= 2 else ""


class Speakers:
    """Resolves speakers across an article: a title or surname after a full mention maps to the name."""

    def __init__(self, text: str = "") -> None:
        self._alias: dict[str, str] = {}
        self._issuer: dict[str, str] = {}
        self._text = text

    @staticmethod
    def title_only(phrase: str) -> bool:
        """A title with no name in it ("رئيس حزب النهضة", "المتحدث باسم الوزارة")."""
        words = phrase.split()
        return bool(words) and _title_end(words) == len(words)

    @staticmethod
    def title_length(phrase: str) -> int:
        """How many words of a phrase are its title ("وزير الخارجية أحمد سالم" -> 2), 0 when none."""
        return _title_end(phrase.split())

    def issued(self, document: str, issuer: str) -> None:
        """Remember who issued a statement (document is its bare noun, e.g. "بيان")."""
        self._issuer[document] = issuer

    def issuer(self, document: str) -> str:
        """Who issued the last statement of this kind ("" when none was named)."""
        return self._issuer.get(document, "")

    def resolve(self, phrase: str, pos: int = 0, last: str = "") -> str:
        """The speaker's fullest known name for a phrase as written at pos (registering a new full mention).

        See the module docstring; `last` is the current speaker."""
        words = phrase.split()
        key = word_key(phrase)
        if key in self._alias:
            return self._alias[key]
        if len(words) == 1 and key.startswith("ال") and key[2:] in ORG_HEADS:
            return self._organisation(key[2:], pos) or phrase
        i = _title_end(words)
        name_words = words[i:]
        if not name_words:
            named = _named_after(self._text, phrase, pos) if self._text else ""
            if not named:
                known = self._alias.get(_bare(words[0]))
                if known:
                    return known
                if last and _definite(words) and _a_name(last) and self._mentioned(words[1:], pos):
                    return last
                if len(words) > 1:  # "وزير الخارجية الأمريكي": a new person, named by the full title
                    self._alias[_bare(words[0])] = phrase
                return phrase
            name_words, words = named.split(), [*words, *named.split()]
        name = " ".join(name_words)
        nkey = word_key(name)
        if nkey in self._alias:
            name = self._alias[nkey]
        elif (i and len(name_words) >= 2) or (not i and 2 <= len(name_words) <= 4):
            self._alias.setdefault(word_key(name_words[-1]), name)
            self._alias[nkey] = name
        if i:
            self._alias[key] = name
            self._alias[word_key(" ".join(words[:i]))] = name
            self._alias[_bare(words[0])] = name
        elif _bare(words[0]) in ORG_HEADS and len(words) >= 2 and not key.startswith("ال"):
            self._alias["org:" + _bare(words[0])] = name
            self._alias_in_marks(name, pos)
        return name

    def _mentioned(self, words: list[str], pos: int) -> bool:
        """Whether the words after a title's head were written before pos (a back-reference), or none are."""
        if not words:
            return True
        key = re.escape(word_key(" ".join(words)))
        return re.search(f"(?<![{LETTER}]){key}(?![{LETTER}])", normalize(self._text[:pos])) is not None

    def _alias_in_marks(self, name: str, pos: int) -> None:
        at = self._text.find(name, pos)
        m = _ALIAS_IN_MARKS.match(self._text, at + len(name)) if at >= 0 else None
        if m:
            self._alias.setdefault(word_key(m.group("a").strip()), name)

    def _organisation(self, head: str, pos: int) -> str:
        """The organisation a bare "ال"+head names: the last one registered, else the first written."""
        known = self._alias.get("org:" + head)
        if known:
            return known
        pattern = re.compile(f"(?<![{LETTER}])[وب]?{flex(head)}\\s")
        for m in pattern.finditer(self._text, 0, pos):
            name = _org_words(self._text, m.start() + (1 if word_key(m.group()[0]) in "وب" else 0))
            if name:
                self._alias["org:" + head] = name
                self._alias_in_marks(name, m.start())
                return name
        return ""
