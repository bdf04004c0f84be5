"""Actors of an Arabic article by rule (pure; no model): `find_actors`.

Three sources, each favouring precision over recall (a wrong actor in a brief is worse than a missing one):
- a title and the name after it: a head ("الرئيس", "وزير", "المتحدث", "الشيخ", "د."…), its modifiers
  (nationality adjectives, portfolios, "العام", "باسم"/"لدى" + an organisation or place, definite nouns
  in construct) and then one to five name words ("الرئيس الفرنسي إيمانويل ماكرون"); a name set off by
  commas after the title, or before it ("فلان فلان، وزير الخارجية السوري،"), counts too;
- known names (gazetteer.py: countries and cities from CLDR via Babel, organisations, groups) and
  organisation patterns: "وزارة/حزب/حركة/جامعة/مجلس… X", "الحكومة/الجيش/الشرطة + nationality",
  "المجلس/الاتحاد/الهيئة… + الوطني/الدولي/العام…";
- clitics (و ف ب ل ك, and ل + ال = لل) and letter forms are handled through bot.text.normalize, but a
  name is always returned exactly as the article writes it (a mention only written "للأمم المتحدة" has
  no exact form without the clitic and is skipped).
One actor per person: a later surname-only mention is the full name's actor when exactly one known
full name ends with that word; two people sharing a surname stay two. Actors come in first-mention order.
The word lists (title heads, portfolios, organisation heads, name particles, stop words) are in actor_words.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from bot.extract.actor_words import (
    ARTICLE_CONNECTORS,
    BARE_OK,
    CONNECTORS,
    CONSTRUCT,
    DEFINITE_ONLY,
    FORMER,
    GROUP_HEADS,
    HEADS,
    INSTITUTIONAL,
    INSTITUTIONS,
    MINISTRIES,
    NAME_STOPS,
    NAMED_ORG_HEADS,
    NATIONAL_HEADS,
    ORG_HEADS,
    PORTFOLIOS,
    PREPS,
    ROLE_WORDS,
    SPECIAL,
    SPECIAL_HEADS,
    VERB_STEMS,
)
from bot.extract.gazetteer import Entry, entries, nationality, reading
from bot.extract.latin import to_latin
from bot.extract.lexicon import l_complement
from bot.text import normalize

__all__ = ["ExtractedActor", "find_actors"]

ActorType = Literal["person", "organization", "place", "group"]


@dataclass(frozen=True, slots=True)
class ExtractedActor:
    """An actor: `name` exactly as written in the article; roles "" when no pattern gives them."""

    name: str
    type: ActorType
    role_ar: str = ""
    role_en: str = ""
    name_en: str = ""


_WORD_CHARS = "(?:[^\\W_]|[\u064b-\u065f\u0670\u0640])+"
_TOKEN = re.compile(_WORD_CHARS + "(?:\\." + _WORD_CHARS + ")*")
_CLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "لل")
_GLUED_ARTICLE = re.compile("^(?:[وفبلك]|وب|ول|وك|فب|فل)ال|^لل")  # "بالوزير", "للرئيس": never a name word
_TANWEEN = re.compile("[\u064b-\u064d]")
_NISBA = re.compile("(?:ي|ية|يه|يون|يين)$")  # adjective endings: "الروسية", "الدولي"
_MAX_NAME = 5
_MAX_MODIFIERS = 8


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    return normalize(word)


@cache
def _indefinite_nationalities() -> frozenset[str]:
    """Nationality adjectives without ال ("أمريكي", "روسية"): never a name."""
    from bot.extract.gazetteer import nationalities

    return frozenset(k[2:] for k in nationalities())


@cache
def _first_words() -> dict[str, list[tuple[tuple[str, ...], Entry]]]:
    """The gazetteer indexed by its first word, longest names first."""
    index: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
    for key, entry in entries().items():
        index.setdefault(key[0], []).append((key, entry))
    for names in index.values():
        names.sort(key=lambda item: -len(item[0]))
    return index


@cache
def _org_starts() -> frozenset[str]:
    """Every word an organisation pattern may start with (a fast first check)."""
    return frozenset(ORG_HEADS) | {h.split()[0] for h in NATIONAL_HEADS} | INSTITUTIONS


@cache
def _title_starts() -> frozenset[str]:
    """Every word a title may start with, with and without ال."""
    heads = set(HEADS) | SPECIAL_HEADS
    return frozenset(heads | {"ال" + h for h in heads})


class _Tok:
    __slots__ = ("end", "gap", "key", "raw", "start")

    def __init__(self, m: re.Match[str], gap: str) -> None:
        self.start, self.end, self.raw = m.start(), m.end(), m.group()
        self.key = _norm(self.raw)
        self.gap = gap  # what separates it from the previous token: "space", "comma", "break"


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    last = 0
    for m in _TOKEN.finditer(text):
        between = text[last : m.start()]
        if not between.strip():
            gap = "break" if "\n" in between or not out else "space"
        elif between.strip() == "." and out and out[-1].key == "د":
            gap = "space"  # "د. فلان"
        elif between.strip() in ("،", ","):
            gap = "comma" if "\n" not in between else "break"
        else:
            gap = "break"
        out.append(_Tok(m, gap))
        last = m.end()
    return out


def _skip_letters(raw: str, letters: int) -> int:
    """The index in raw after its first `letters` letters (diacritics on them included)."""
    i = seen = 0
    while i < len(raw) and seen < letters:
        i += 1
        seen += 1
        while i < len(raw) and _norm(raw[i]) == "":
            i += 1
    return i


@lru_cache(maxsize=65536)
def _variants(key: str) -> tuple[tuple[str, int, bool], ...]:
    """A word's readings: (key, letters of clitic stripped, exact) - exact False for ل + ال = لل."""
    out = [(key, 0, True)]
    for c in _CLITICS:
        if key.startswith(c) and len(key) - len(c) >= 2:
            if c == "لل":
                out.append(("ال" + key[2:], 1, False))
            else:
                out.append((key[len(c) :], len(c), True))
    return tuple(out)


@dataclass(slots=True)
class _Mention:
    pos: int
    name: str  # exact text, or "" when the mention has no exact form (لل)
    key: str
    type: ActorType
    role_ar: str = ""
    role_en: str = ""
    name_en: str = ""


class _Scan:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.used = [False] * len(self.toks)
        self.mentions: list[_Mention] = []
        self._known: dict[int, tuple[int, Entry, int, bool] | None] = {}
        self.counts: dict[str, int] = {}
        for tok in self.toks:
            for variant, _skip, _exact in _variants(tok.key)[:1] if len(tok.key) < 3 else _variants(tok.key):
                self.counts[variant] = self.counts.get(variant, 0) + 1
        self.surnames: set[str] = set()
        self.homographs: dict[tuple[str, ...], list[_Mention]] = {}

    # --- helpers --------------------------------------------------------------------------------------
    def key(self, i: int) -> str:
        return self.toks[i].key if 0 <= i < len(self.toks) else ""

    def joined(self, i: int) -> bool:
        """Token i follows the previous one with only a space between them."""
        return i < len(self.toks) and self.toks[i].gap == "space"

    def span(self, i: int, j: int, skip: int = 0) -> str:
        """The text from token i (after `skip` clitic letters) to the end of token j."""
        start = self.toks[i].start + _skip_letters(self.toks[i].raw, skip)
        return self.text[start : self.toks[j].end]

    def known(self, i: int) -> tuple[int, Entry, int, bool] | None:
        """The longest gazetteer name starting at token i: (last token, entry, clitic letters, exact)."""
        if i in self._known:
            return self._known[i]
        self._known[i] = found = self._lookup(i)
        return found

    def _lookup(self, i: int) -> tuple[int, Entry, int, bool] | None:
        index = _first_words()
        for variant, skip, exact in _variants(self.key(i)):
            for names, entry in index.get(variant, ()):
                n = len(names)
                if all(self.joined(i + k) and self.key(i + k) == names[k] for k in range(1, n)):
                    return i + n - 1, entry, skip, exact
        return None

    def stop(self, key: str) -> bool:
        return key in NAME_STOPS or key in _indefinite_nationalities() or key.isdigit()

    # --- titles and names -------------------------------------------------------------------------------
    def title(self, i: int) -> tuple[int, str, str, int] | None:
        """A title starting at token i: (last token, role_ar, role_en, clitic letters), or None."""
        heads = _title_starts()
        for variant, skip, exact in _variants(self.key(i)):
            if variant not in heads:
                continue
            definite = variant.startswith("ال")
            head = variant[2:] if definite else variant
            if head not in HEADS and head not in SPECIAL_HEADS:
                continue
            return self._modifiers(i, head, definite, skip, exact)
        return None

    def _modifiers(self, i: int, head: str, definite: bool, skip: int, exact: bool) -> tuple[int, str, str, int] | None:
        en = HEADS.get(head, "")
        nat = of = prep = ""
        former = known = False
        j = i
        words = [head]
        while j + 1 < len(self.toks) and j - i < _MAX_MODIFIERS and self.joined(j + 1):
            k = self.key(j + 1)
            special = SPECIAL.get((head, k)) if len(words) == 1 else None
            if special:
                en = special
            elif k in PORTFOLIOS and head in ("وزير", "وزيره", "وزيرة", "وزاره"):
                en = f"{PORTFOLIOS[k]} Minister"  # before nationalities: "وزير المالية" is not Malian
            elif nationality(k):
                nat = nat or nationality(k)
            elif k in PREPS:
                prep = PREPS[k]
                obj = self.known(j + 2) if self.joined(j + 2) else None
                if obj is not None:
                    of = of or self.english(j + 2, obj)
                    words += [k, self.key(j + 2)]
                    j = obj[0]
                    continue
                if self.joined(j + 2) and not self.stop(self.key(j + 2)):
                    en = ""  # "باسم رئاسة الحكومة": the object is part of the role
                    words += [k, self.key(j + 2)]
                    j += 2
                    continue
            elif k in FORMER:
                former = True
            elif k in ROLE_WORDS:
                known = known or k not in ("العام", "العامة")
            else:
                found = self.known(j + 1)
                glued = found is not None and found[2] > 0 and self.key(j + 1)[:1] == "ل"
                if found is not None and not (glued or not words[-1].startswith("ال")):
                    break  # "الرئيس التركي الولايات المتحدة": a new constituent, not the role
                if found is not None:
                    of = of or self.english(j + 1, found)
                    j = found[0]
                    words.append(k)
                    continue
                bare_k = k[2:] if k.startswith("ال") else k
                if k.startswith(("ال", "لل")) and not self.stop(k) and bare_k not in HEADS:
                    en = ""  # a definite noun in the role we have no English for
                elif k in CONSTRUCT and j + 2 < len(self.toks) and self.joined(j + 2):
                    en = ""
                elif self.joined(j + 2) and l_complement(k, self.key(j + 2)):
                    en = ""  # "المديرة الإقليمية لبرنامج الأمم المتحدة": ل + a noun in construct
                elif bare_k in HEADS and k.startswith("ال") and j > i:
                    pass  # a second title: "ولي العهد السعودي الأمير"
                else:
                    break
            words.append(k)
            j += 1
        if head in SPECIAL_HEADS and len(words) == 1:
            return None
        if not definite and j == i and head not in BARE_OK:
            return None  # "وزير" alone, indefinite: not a title
        if not definite and head in DEFINITE_ONLY and j == i:
            return None
        second = self.key(i + 1)
        construct = (
            second.startswith(("ال", "لل"))
            or second in PREPS
            or second in CONSTRUCT
            or second in PORTFOLIOS
            or l_complement(second, self.key(i + 2))
        )
        if j > i and not definite and not construct:
            return None  # "وزير سابق", "رئيس دولة": indefinite
        role_ar = self.span(i, j, skip) if exact else "ال" + self.span(i, j, 2)
        role = ""
        if en:
            role = f"{nat} {en}" if nat else en
            if of:
                role = f"{role} {prep or 'of'} {of}"
            if former:
                role = f"former {role}"
            role = role[0].upper() + role[1:]
        _ = known
        return j, role_ar, role, skip

    def name_after(self, j: int, *, comma: bool) -> int:
        """The last token of a person's name starting at token j, or -1."""
        n = len(self.toks)
        if j >= n or self.toks[j].gap not in (("space", "comma") if comma else ("space",)):
            return -1
        last = -1
        k = j
        while k < n and k - j < _MAX_NAME + 2:
            key = self.key(k)
            if k > j and not self.joined(k):
                break
            if self.stop(key) or nationality(key) or _GLUED_ARTICLE.match(key):
                break
            if _TANWEEN.search(self.toks[k].raw):
                break  # "مؤتمراً": a noun with nunation is never a name word
            prev = self.key(k - 1) if k > j else ""
            if key.startswith("ال") and len(key) > 2:
                if k == j or (prev not in ARTICLE_CONNECTORS and (prev in CONNECTORS or last < 0)):
                    break
                names_so_far = sum(1 for x in range(j, k) if self.key(x) not in CONNECTORS)
                if key.endswith("ات") or (
                    prev not in ARTICLE_CONNECTORS and names_so_far > 1 and not key.endswith("ي")
                ):
                    break  # "الوزير فلان فلان الوفد": after two name words an ال-word is mostly an object
                if key.removeprefix("ال") in HEADS or key in FORMER or key in ROLE_WORDS:
                    break
                if self.known(k) is not None and prev not in ARTICLE_CONNECTORS:
                    break
                last = k
                if prev not in ARTICLE_CONNECTORS:
                    break  # a surname in ال ends the name ("وليد المعلم")
                k += 1
                continue
            if key in HEADS or (k == j and self.known(k) is not None):
                break
            if key[:1] in "وفلب" and len(key) > 3 and key not in CONNECTORS:
                rest = key[1:]
                if k > j or rest in NAME_STOPS or rest in HEADS or rest in SPECIAL_HEADS or rest in CONSTRUCT:
                    break  # "وولي العهد", "لجهاز", "ترامب لعقاب": a clitic starts a new phrase
            if k == j and key in self.surnames:
                last = k
                break  # a known person's surname: "القس برانسون أدى"
            if len(key) < 2 or not any(c.isalpha() for c in key):
                break
            if last >= j + 1 and key[:1] in "يت" and len(key) >= 4 and prev not in CONNECTORS:
                break  # a third word in ي/ت after two name words is mostly a verb ("… يلتقي")
            if key not in CONNECTORS:
                last = k
            k += 1
        if last < 0 or last - j >= _MAX_NAME + 1:
            return -1
        names = [self.key(x) for x in range(j, last + 1) if self.key(x) not in CONNECTORS]
        if len(names) == 1 and self.counts.get(names[0], 0) < 2:
            return -1  # a one-word name must recur in the article ("الرئيس يدعو" is no name)
        if names[0][:1] in "يت" and self.counts.get(names[-1], 0) < 2:
            return -1  # starts like a verb or a clitic, and its last word never recurs
        appositive = self.toks[j].gap == "comma"
        if appositive and last + 1 < n and self.toks[last + 1].gap == "space" and not self.stop(self.key(last + 1)):
            return -1  # ", X Y more words": not an appositive name
        return last

    def name_before(self, i: int) -> int:
        """The first token of a name of 2-4 words ending right before token i, after a comma."""
        if self.toks[i].gap != "comma":
            return -1
        first = -1
        k = i - 1
        while k >= 0 and i - k <= 4:
            key = self.key(k)
            if self.stop(key) or key in HEADS or nationality(key):
                break
            if key.startswith("ال") and k != i - 1 and self.key(k - 1) not in ARTICLE_CONNECTORS:
                break
            stripped = next((v for v, s, _e in _variants(key)[1:] if s == 1 and v in VERB_STEMS), None)
            if key in VERB_STEMS or stripped:
                break
            first = k
            if not self.joined(k):
                break
            k -= 1
        if first < 0 or i - first < 2 or self.key(first) in CONNECTORS or self.key(first).startswith("ال"):
            return -1
        before = self.key(first - 1) if first > 0 else ""
        if first > 0 and self.joined(first) and not self.stop(before) and not self._verb(before):
            return -1  # the name's start is not clear
        return first

    def _verb(self, key: str) -> bool:
        return key in VERB_STEMS or (key[:1] in "وف" and key[1:] in VERB_STEMS)

    def persons(self) -> None:
        i = 0
        n = len(self.toks)
        while i < n:
            found = self.title(i)
            if found is not None and i > 0 and self.joined(i) and self.key(i - 1) in ARTICLE_CONNECTORS:
                found = None  # "عبد الملك": a name, not the title "الملك"
            if found is None:
                i += 1
                continue
            j, role_ar, role_en, skip = found
            for k in range(i + 1, j + 1):
                hit = self.known(k)
                if hit is not None and hit[3]:
                    self.add_known(k, hit)
            last = self.name_after(j + 1, comma=True)
            if last >= 0:
                name = self.span(j + 1, last)
                self.add_person(self.toks[j + 1].start, name, role_ar, role_en)
                for k in range(i, last + 1):
                    self.used[k] = True
                i = last + 1
                continue
            first = self.name_before(i) if skip == 0 else -1
            if first >= 0:
                name = self.span(first, i - 1)
                self.add_person(self.toks[first].start, name, role_ar, role_en)
                for k in range(first, j + 1):
                    self.used[k] = True
            i = j + 1

    def add_person(self, pos: int, name: str, role_ar: str, role_en: str) -> None:
        if " " in name:
            self.surnames.add(_norm(name.split()[-1]))
        self.mentions.append(_Mention(pos, name, _norm(name), "person", role_ar, role_en, to_latin(name)))

    # --- organisations, groups and places -----------------------------------------------------------------
    def add_known(self, i: int, hit: tuple[int, Entry, int, bool]) -> None:
        last, entry, skip, exact = hit
        name = self.span(i, last, skip) if exact else ""
        kind: ActorType = entry.type  # type: ignore[assignment]
        name_en = self.english(i, hit)
        key = name_en or _norm(self.span(i, last, skip))
        mention = _Mention(self.toks[i].start, name, f"{kind}:{key}", kind, name_en=name_en)
        self.mentions.append(mention)
        if entry.homograph:
            self.homographs.setdefault(entry.homograph, []).append(mention)

    def english(self, i: int, hit: tuple[int, Entry, int, bool]) -> str:
        """The English name of a known name at token i; a homograph's is told by the text ("" if not)."""
        last, entry, _skip, _exact = hit
        if not entry.homograph:
            return entry.name_en
        before = " ".join(self.key(k) for k in range(max(i - 2, 0), i) if self.joined(k + 1))
        after = " ".join(self.key(k) for k in range(last + 1, last + 3) if self.joined(k))
        written = self.text[self.toks[i].start : self.toks[last].end]
        return reading(entry.homograph, written, before, after)

    def settle_homographs(self) -> None:
        """One place per homograph in an article: mentions nothing told take the one reading others gave."""
        for mentions in self.homographs.values():
            told = {m.name_en for m in mentions if m.name_en}
            if len(told) == 1:
                name_en = told.pop()
                for m in mentions:
                    m.name_en, m.key = name_en, f"{m.type}:{name_en}"

    def organisation(self, i: int) -> tuple[int, str, int, ActorType] | None:
        """An organisation by pattern at token i: (last token, English name or "", clitic letters, type)."""
        heads = _org_starts()
        if not any(v in heads for v, _s, _e in _variants(self.key(i))):
            return None
        for variant, skip, exact in _variants(self.key(i)):
            if not exact:
                continue
            if variant in ORG_HEADS:
                last = self._construct(i, variant)
                if last > i:
                    return last, self._org_en(i, last, variant), skip, "organization"
            two = f"{variant} {self.key(i + 1)}" if self.joined(i + 1) else ""
            for head, size in ((two, 2), (variant, 1)):
                if head in NATIONAL_HEADS and self.joined(i + size):
                    nat = nationality(self.key(i + size))
                    if nat:
                        kind: ActorType = "group" if head in GROUP_HEADS else "organization"
                        return i + size, f"{nat} {NATIONAL_HEADS[head]}", skip, kind
            if (
                variant in INSTITUTIONS
                and self.joined(i + 1)
                and self.key(i + 1) in INSTITUTIONAL | {k for k in (self.key(i + 1),) if nationality(k)}
            ):
                return self._tail(i + 1), "", skip, "organization"
        return None

    def _construct(self, i: int, head: str) -> int:
        """The last token of "وزارة X…", "حزب X…" (i when nothing fits)."""
        j = i + 1
        if not self.joined(j):
            return i
        key = self.key(j)
        if self.stop(key) or key.startswith("لل"):
            return i
        if key.startswith("ال") or self.known(j) is not None:
            return self._tail(j)
        proper = (
            len(key) >= 3
            and not _NISBA.search(key)
            and key[:1] not in "لب"
            and not nationality(key)
            and key not in CONSTRUCT | ORG_HEADS.keys() | HEADS.keys()
        )
        if head in NAMED_ORG_HEADS and proper:
            return self._tail(j)
        if key in CONSTRUCT and self.joined(j + 1) and self.key(j + 1).startswith("ال"):
            return self._tail(j + 1)
        return i

    def _tail(self, j: int) -> int:
        """Extend an organisation's name from token j through its ال-words, و-ال words and ل-complements."""
        hit = self.known(j)
        if hit is not None:
            j = hit[0]
        count = 0
        while self.joined(j + 1) and count < 5:
            k = self.key(j + 1)
            if self.stop(k) or k.removeprefix("ال") in HEADS or k in FORMER:
                break
            if (
                (k.startswith("ال") and _NISBA.search(k))
                or nationality(k)
                or (k.startswith(("وال", "لل")) and len(k) > 4)
            ):
                j += 1  # adjectives, "و" + noun, "لل" + noun (another plain noun is mostly the verb's object)
            elif k.startswith("ل") and len(k) > 3 and self.joined(j + 2) and self.key(j + 2).startswith("ال"):
                j += 2  # "لكرة القدم"
            else:
                break
            count += 1
        return j

    def _org_en(self, i: int, last: int, head: str) -> str:
        if head in ("وزاره", "وزارة") and last >= i + 1:
            portfolio = PORTFOLIOS.get(self.key(i + 1))
            nat = nationality(self.key(i + 2)) if last >= i + 2 else ""
            if portfolio and last <= i + 2 and (last == i + 1 or nat):
                return f"{nat + ' ' if nat else ''}Ministry of {MINISTRIES.get(portfolio, portfolio)}"
        return ""

    def organisations(self) -> None:
        i = 0
        n = len(self.toks)
        while i < n:
            if self.used[i]:
                i += 1
                continue
            hit = self.known(i)
            org = self.organisation(i)
            if org is not None and (hit is None or org[0] > hit[0]):
                last, name_en, skip, kind = org
                name = self.span(i, last, skip)
                self.mentions.append(
                    _Mention(self.toks[i].start, name, f"{kind}:{_norm(name)}", kind, name_en=name_en or to_latin(name))
                )
                for k in range(i, last + 1):
                    self.used[k] = True
                i = last + 1
                continue
            if hit is not None:
                self.add_known(i, hit)
                i = hit[0] + 1
                continue
            i += 1


def _merge(mentions: list[_Mention]) -> list[ExtractedActor]:
    """One actor per entity, in first-mention order (see the module docstring)."""
    mentions.sort(key=lambda m: m.pos)
    actors: list[_Mention] = []
    by_key: dict[str, _Mention] = {}
    for m in mentions:
        if m.type == "person":
            words = m.key.split()
            same = by_key.get(f"person:{m.key}")
            if same is None and len(words) == 1:
                owners = {id(a): a for a in actors if a.type == "person" and a.key.split()[-1] == words[0]}
                same = next(iter(owners.values())) if len(owners) == 1 else None
                if len(owners) > 1:
                    continue  # a surname two people share: whose it is is unclear
            if same is None and len(words) > 1:
                shorter = [a for a in actors if a.type == "person" and a.key == words[-1]]
                if len(shorter) == 1:  # "الرئيس ماكرون" first, the full name later: one actor
                    same = shorter[0]
                    same.name, same.key, same.name_en = m.name, m.key, m.name_en
                    by_key[f"person:{m.key}"] = same
            if same is not None:
                if not same.role_ar and m.role_ar:
                    same.role_ar, same.role_en = m.role_ar, m.role_en
                continue
            by_key[f"person:{m.key}"] = m
            actors.append(m)
            continue
        same = by_key.get(m.key)
        if same is not None:
            if not same.name and m.name:
                same.name = m.name
            continue
        by_key[m.key] = m
        actors.append(m)
    return [
        ExtractedActor(a.name, a.type, a.role_ar, a.role_en, a.name_en or to_latin(a.name)) for a in actors if a.name
    ]


def find_actors(text: str) -> list[ExtractedActor]:
    """The actors an article names, in first-mention order; each name is an exact substring of text."""
    scan = _Scan(text)
    scan.persons()
    scan.organisations()
    scan.settle_homographs()
    return _merge(scan.mentions)
